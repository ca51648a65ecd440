"""Dev sign-in: the init data command and the demo endpoint exist only with DEBUG on."""

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.selectors import DEV_BOT_TOKEN
from accounts.telegram_auth import validate_init_data
from accounts.tests.conftest import BOT_TOKEN
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run_command(*args) -> str:
    out = io.StringIO()
    call_command("telegram_init_data", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def test_command_refuses_with_debug_off(settings):
    settings.DEBUG = False
    settings.TELEGRAM_BOT_TOKEN = BOT_TOKEN
    with pytest.raises(CommandError, match="DEBUG"):
        run_command("--user-id", "1001", "--first-name", "Ann")


def test_command_signs_with_the_configured_bot_token(settings):
    settings.DEBUG = True
    settings.TELEGRAM_BOT_TOKEN = BOT_TOKEN
    init_data = run_command("--user-id", "1001", "--first-name", "Ann", "--start-param", "t7")
    data = validate_init_data(init_data, BOT_TOKEN)
    assert (data.user.id, data.user.first_name, data.start_param) == (1001, "Ann", "t7")


def test_command_signs_with_the_dev_token_when_none_is_set(settings):
    settings.DEBUG = True
    settings.TELEGRAM_BOT_TOKEN = ""
    init_data = run_command("--user-id", "1001", "--first-name", "Ann")
    assert validate_init_data(init_data, DEV_BOT_TOKEN).user.id == 1001


def test_command_output_signs_in_through_the_api(settings):
    settings.DEBUG = True
    settings.TELEGRAM_BOT_TOKEN = ""
    init_data = run_command("--user-id", "1001", "--first-name", "Ann")
    response = APIClient().post("/api/auth/telegram/", {"init_data": init_data}, format="json")
    assert response.status_code == 200
    assert response.json()["user"]["display_name"] == "Ann"


def test_dev_token_is_not_accepted_with_debug_off(settings):
    settings.DEBUG = True
    settings.TELEGRAM_BOT_TOKEN = ""
    init_data = run_command("--user-id", "1001", "--first-name", "Ann")
    settings.DEBUG = False
    response = APIClient().post("/api/auth/telegram/", {"init_data": init_data}, format="json")
    assert response.status_code == 503
    assert response.json()["code"] == "telegram_not_configured"


def test_demo_endpoint_is_404_with_debug_off(settings):
    settings.DEBUG = False
    settings.TELEGRAM_BOT_TOKEN = BOT_TOKEN
    response = APIClient().post("/api/auth/dev-init-data/", {}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_demo_endpoint_signs_in_the_demo_player_with_debug_on(settings):
    settings.DEBUG = True
    settings.TELEGRAM_BOT_TOKEN = ""
    client = APIClient()
    init_data = client.post("/api/auth/dev-init-data/", {}, format="json").json()["init_data"]
    response = client.post("/api/auth/telegram/", {"init_data": init_data}, format="json")
    assert response.status_code == 200
    assert response.json()["user"]["telegram_id"] == 1001
    assert response.json()["user"]["display_name"] == "Ann"


def test_demo_endpoint_keeps_the_seeded_players_name(settings):
    settings.DEBUG = True
    settings.TELEGRAM_BOT_TOKEN = ""
    UserFactory(username="ann", first_name="Анна", last_name="Смирнова", telegram_id=1001)
    client = APIClient()
    init_data = client.post("/api/auth/dev-init-data/", {}, format="json").json()["init_data"]
    response = client.post("/api/auth/telegram/", {"init_data": init_data}, format="json")
    assert response.json()["user"]["display_name"] == "Анна Смирнова"


def test_demo_endpoint_rejects_a_bad_user_id(settings):
    settings.DEBUG = True
    response = APIClient().post("/api/auth/dev-init-data/", {"user_id": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


def test_mini_app_page_offers_demo_sign_in_only_in_debug(client, settings):
    settings.DEBUG = False
    assert 'id="signin-demo"' not in client.get("/").content.decode()
    settings.DEBUG = True
    assert 'id="signin-demo"' in client.get("/").content.decode()
