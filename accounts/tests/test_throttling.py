"""Sign-in and refresh are throttled per IP and per user: 429 code=throttled with Retry-After."""

import pytest
from rest_framework.test import APIClient

from accounts import services
from accounts.tests.conftest import make_init_data
from accounts.tests.factories import UserFactory

SIGN_IN = "/api/auth/telegram/"
REFRESH = "/api/auth/refresh/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_rates(settings):
    rates = {"auth_ip": "3/min", "auth_user": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    # DRF reads the rates once at import time: point the throttles at the new ones.
    from rest_framework.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates
    yield rates
    SimpleRateThrottle.THROTTLE_RATES = original


def sign_in(ip: str, init_data: str):
    return APIClient().post(SIGN_IN, {"init_data": init_data}, format="json", REMOTE_ADDR=ip)


def test_sign_in_from_one_ip_is_throttled_with_retry_after(bot_token, tight_rates):
    statuses = [sign_in("10.0.0.1", "garbage").status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    response = sign_in("10.0.0.1", "garbage")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60


def test_another_ip_is_not_throttled(bot_token, tight_rates):
    for _ in range(4):
        sign_in("10.0.0.1", "garbage")
    assert sign_in("10.0.0.2", "garbage").status_code == 401


def test_one_user_signing_in_from_many_ips_is_throttled(bot_token, tight_rates):
    init_data = make_init_data()
    assert sign_in("10.0.0.1", init_data).status_code == 200
    assert sign_in("10.0.0.2", init_data).status_code == 200
    response = sign_in("10.0.0.3", init_data)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert "Retry-After" in response


def test_forged_requests_in_a_players_name_do_not_lock_the_player_out(bot_token, tight_rates):
    forged = make_init_data("999:NOT-our-bot")
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        assert sign_in(ip, forged).status_code == 401
    assert sign_in("10.0.0.4", make_init_data()).status_code == 200


def test_refresh_is_throttled_per_user(tight_rates):
    user = UserFactory()
    tokens = services.tokens_issue(user=user)
    for ip in ("10.0.0.1", "10.0.0.2"):
        response = APIClient().post(
            REFRESH, {"refresh": tokens["refresh"]}, format="json", REMOTE_ADDR=ip
        )
        assert response.status_code == 200
        tokens = response.json()
    response = APIClient().post(
        REFRESH, {"refresh": tokens["refresh"]}, format="json", REMOTE_ADDR="10.0.0.3"
    )
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert "Retry-After" in response


def test_refresh_is_throttled_per_ip(tight_rates):
    for _ in range(3):
        APIClient().post(REFRESH, {"refresh": "bad"}, format="json", REMOTE_ADDR="10.0.0.9")
    response = APIClient().post(REFRESH, {"refresh": "bad"}, format="json", REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
