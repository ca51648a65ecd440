"""POST /api/auth/telegram/: every documented answer, user creation / update, never a 500."""

from __future__ import annotations

import json

import pytest
import time_machine
from django.core.cache import cache
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from rest_framework_simplejwt.tokens import AccessToken
from social_django.models import UserSocialAuth

from accounts.models import User
from accounts.tests.conftest import make_init_data
from accounts.tests.factories import TelegramIdentityFactory, UserFactory

URL = "/api/auth/telegram/"
NOW = 1_750_000_000

VECTOR1_TOKEN = "42:TEST"
VECTOR1 = (
    "auth_date=1650385342&user=%7B%22id%22%3A42%2C%22first_name%22%3A%22Test%22%7D"
    "&query_id=test&hash=46d2ea5e32911ec8d30999b56247654460c0d20949b6277af519e76271182803"
)
# Telegram's public documentation vector, split so it is not mistaken for a live credential.
VECTOR2_TOKEN = "5768337691" + ":" + "AAGDAe6rjxu1cUgxK4BizYi--Utc3J9v5AU"
VECTOR2 = (
    "user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%22%2C%22last_name%22"
    "%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22en%22"
    "%2C%22is_premium%22%3Atrue%2C%22allows_write_to_pm%22%3Atrue%7D"
    "&chat_instance=-3788475317572404878&chat_type=private&auth_date=1709144340"
    "&hash=371697738012ebd26a111ace4aff23ee265596cd64026c8c3677956a85ca1827"
)

pytestmark = pytest.mark.django_db


def post(client, body, **kwargs):
    return client.post(URL, body, format="json", **kwargs)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


# --- success ----------------------------------------------------------------------------------


def test_public_vector_1_signs_in(api_client, settings):
    settings.TELEGRAM_BOT_TOKEN = VECTOR1_TOKEN
    with time_machine.travel(1650385342 + 10, tick=False):
        response = post(api_client, {"init_data": VECTOR1})
    assert response.status_code == 200
    assert response.json()["user"]["telegram_id"] == 42
    assert response.json()["user"]["display_name"] == "Test"


def test_public_vector_2_signs_in_and_stores_the_profile(api_client, settings):
    settings.TELEGRAM_BOT_TOKEN = VECTOR2_TOKEN
    with time_machine.travel(1709144340 + 60, tick=False):
        response = post(api_client, {"init_data": VECTOR2})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "user"}
    user = User.objects.get(telegram_id=279058397)
    assert (user.first_name, user.last_name, user.username) == ("Vladislav", "Kibenko", "vdkfrost")
    assert user.language == "en"
    assert AccessToken(body["access"], verify=False)["user_id"] == str(user.pk)


def test_a_one_character_change_of_vector_2_is_refused(api_client, settings):
    settings.TELEGRAM_BOT_TOKEN = VECTOR2_TOKEN
    tampered = VECTOR2.replace("Vladislav", "Vladislaw")
    with time_machine.travel(1709144340 + 60, tick=False):
        response = post(api_client, {"init_data": tampered})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_init_data"
    assert not User.objects.filter(telegram_id=279058397).exists()


def test_first_sign_in_creates_a_player_with_a_64_bit_telegram_id(api_client, bot_token, frozen):
    big_id = 2**62 + 12345
    init_data = make_init_data(
        user={
            "id": big_id,
            "first_name": "Иван",
            "last_name": "Петров",
            "username": "ivan_p",
            "language_code": "ru",
            "photo_url": "https://t.me/i/userpic/320/ivan.jpg",
        }
    )
    response = post(api_client, {"init_data": init_data})
    assert response.status_code == 200
    assert response.json()["user"]["telegram_id"] == big_id
    assert response.json()["user"]["roles"] == ["player"]
    user = User.objects.get(telegram_id=big_id)
    assert user.display_name == "Иван Петров"
    assert user.photo_url == "https://t.me/i/userpic/320/ivan.jpg"
    assert not user.has_usable_password()
    identity = UserSocialAuth.objects.get(provider="telegram", uid=str(big_id))
    assert identity.user == user


def test_next_sign_in_updates_the_same_user(api_client, bot_token, frozen):
    post(api_client, {"init_data": make_init_data(user={"id": 77, "first_name": "Ann"})})
    response = post(
        api_client,
        {"init_data": make_init_data(user={"id": 77, "first_name": "Anna", "last_name": "K"})},
    )
    assert response.status_code == 200
    assert response.json()["user"]["display_name"] == "Anna K"
    assert User.objects.filter(telegram_id=77).count() == 1
    assert UserSocialAuth.objects.filter(provider="telegram", uid="77").count() == 1


def test_sign_in_keeps_the_chosen_display_name_and_language(api_client, bot_token, frozen):
    user = TelegramIdentityFactory(tg_id=88).user
    user.nickname = "Shark"
    user.language = "en"
    user.save()
    init_data = make_init_data(user={"id": 88, "first_name": "Ann", "language_code": "ru"})
    response = post(api_client, {"init_data": init_data})
    assert response.status_code == 200
    assert response.json()["user"]["display_name"] == "Shark"
    assert response.json()["user"]["language"] == "en"


def test_a_user_known_only_by_telegram_id_gets_the_identity(api_client, bot_token, frozen):
    demo = UserFactory(username="ann", telegram_id=1001)
    response = post(api_client, {"init_data": make_init_data()})
    assert response.status_code == 200
    assert response.json()["user"]["id"] == demo.pk
    assert UserSocialAuth.objects.get(provider="telegram", uid="1001").user == demo


def test_a_taken_telegram_username_does_not_collide(api_client, bot_token, frozen):
    UserFactory(username="ann")
    init_data = make_init_data(user={"id": 99, "first_name": "Ann", "username": "ann"})
    response = post(api_client, {"init_data": init_data})
    assert response.status_code == 200
    assert response.json()["user"]["username"] == "tg99"


def test_a_non_https_photo_url_is_not_stored(api_client, bot_token, frozen):
    init_data = make_init_data(
        user={"id": 5, "first_name": "Ann", "photo_url": "javascript:alert(1)"}
    )
    response = post(api_client, {"init_data": init_data})
    assert response.status_code == 200
    assert response.json()["user"]["photo_url"] == ""


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [{}, {"init_data": None}, {"init_data": 42}, {"init_data": ""}, {"init_data": ["a"]}, [1]],
)
def test_missing_or_non_string_init_data_is_invalid_request(api_client, bot_token, body):
    response = post(api_client, body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


def test_malformed_json_is_invalid_request(api_client, bot_token):
    response = api_client.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda s: s.rsplit("&hash=", 1)[0], id="missing-hash"),
        pytest.param(lambda s: s[:-1] + ("0" if s[-1] != "0" else "1"), id="bad-hash"),
        pytest.param(lambda s: s[:-1] + "٣", id="non-ascii-hash"),
        pytest.param(lambda s: s.replace("Ann", "Bob"), id="tampered-user"),
        pytest.param(lambda s: s + "&query_id=again", id="duplicated-key"),
        pytest.param(lambda s: "%%%garbage", id="garbage"),
        pytest.param(lambda s: "a=1&&b", id="malformed"),
    ],
)
def test_bad_init_data_is_invalid_init_data(api_client, bot_token, frozen, mutate):
    response = post(api_client, {"init_data": mutate(make_init_data())})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_init_data"
    assert not User.objects.filter(telegram_id=1001).exists()


def test_init_data_signed_with_another_bot_is_invalid(api_client, bot_token, frozen):
    response = post(api_client, {"init_data": make_init_data("999:OTHER-bot")})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_init_data"


def test_stale_auth_date_is_expired(api_client, bot_token, frozen, settings):
    settings.TELEGRAM_AUTH_MAX_AGE = 3600
    response = post(api_client, {"init_data": make_init_data(auth_date=NOW - 3601)})
    assert response.status_code == 401
    assert response.json()["code"] == "init_data_expired"


def test_future_auth_date_is_expired(api_client, bot_token, frozen):
    response = post(api_client, {"init_data": make_init_data(auth_date=NOW + 61)})
    assert response.status_code == 401
    assert response.json()["code"] == "init_data_expired"


def test_auth_date_just_inside_the_window_is_accepted(api_client, bot_token, frozen):
    response = post(api_client, {"init_data": make_init_data(auth_date=NOW - 3599)})
    assert response.status_code == 200


def test_inactive_user_is_account_disabled(api_client, bot_token, frozen):
    identity = TelegramIdentityFactory(tg_id=1001)
    identity.user.is_active = False
    identity.user.first_name = "Old"
    identity.user.save()
    response = post(api_client, {"init_data": make_init_data()})
    assert response.status_code == 403
    assert response.json()["code"] == "account_disabled"
    identity.user.refresh_from_db()
    assert identity.user.first_name == "Old"


def test_without_a_bot_token_sign_in_is_not_configured(api_client, settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    settings.DEBUG = False
    response = post(api_client, {"init_data": make_init_data()})
    assert response.status_code == 503
    assert response.json()["code"] == "telegram_not_configured"


@hsettings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    payload=st.one_of(
        st.text(max_size=300),
        st.integers(),
        st.none(),
        st.lists(st.text(max_size=5), max_size=3),
        st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
    )
)
def test_no_input_ever_gets_a_500(api_client, bot_token, payload):
    cache.clear()  # the throttle would answer 429 after a few examples
    response = api_client.post(
        URL, json.dumps({"init_data": payload}), content_type="application/json"
    )
    assert response.status_code in (400, 401)
    assert response.json()["code"] in ("invalid_request", "invalid_init_data", "init_data_expired")
