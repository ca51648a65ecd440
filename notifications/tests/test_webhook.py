"""POST /telegram/webhook/: secret check, duplicate updates, /start, /stop, invite callbacks."""

import json

import httpx
import pytest

from accounts.tests.factories import UserFactory
from notifications import invites
from notifications.models import MatchInvite, NotificationProfile, ProcessedUpdate
from notifications.tests.conftest import ok

URL = "/telegram/webhook/"
SECRET = "webhook-secret-1"


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST an update and run what the view queued after commit (Celery is eager)."""

    def _post(update, secret=SECRET):
        headers = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret} if secret is not None else {}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                URL, data=json.dumps(update), content_type="application/json", **headers
            )

    return _post


def message(update_id, text, user):
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "from": {
                "id": user.telegram_id,
                "is_bot": False,
                "first_name": "A",
                "language_code": "en",
            },
            "chat": {"id": user.telegram_id, "type": "private"},
            "date": 0,
            "text": text,
        },
    }


@pytest.mark.parametrize("secret", ["wrong", None, "webhook-secret-"])
def test_a_wrong_or_missing_secret_is_403_and_nothing_is_done(post, client, tg, player, secret):
    route = tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))

    response = post(message(1, "/stop", player), secret=secret)

    assert response.status_code == 403
    assert response.json()["code"] == "bad_secret"
    assert not ProcessedUpdate.objects.exists()
    assert not route.called
    player.refresh_from_db()
    assert player.notifications_enabled


def test_no_secret_configured_refuses_every_update(post, client, player, settings):
    settings.TELEGRAM_WEBHOOK_SECRET = ""

    response = post(message(1, "/stop", player), secret="")

    assert response.status_code == 403
    assert not ProcessedUpdate.objects.exists()


def test_start_with_a_payload_answers_with_a_button_opening_that_screen(post, client, tg, player):
    route = tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))

    response = post(message(10, "/start booking-42", player))

    assert response.status_code == 200
    body = json.loads(route.calls[0].request.content)
    button = body["reply_markup"]["inline_keyboard"][0][0]
    assert button["url"] == "https://t.me/artel_bot/app?startapp=booking-42"
    assert ProcessedUpdate.objects.get(update_id=10).handled_at is not None


def test_start_with_an_unknown_payload_opens_the_app_home(post, client, tg, player):
    route = tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))

    post(message(11, "/start <script>", player))

    body = json.loads(route.calls[0].request.content)
    assert body["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://t.me/artel_bot/app"


def test_start_uses_a_web_app_button_without_a_bot_username(post, client, tg, player, settings):
    settings.TELEGRAM_BOT_USERNAME = ""
    route = tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))

    post(message(12, "/start floor", player))

    button = json.loads(route.calls[0].request.content)["reply_markup"]["inline_keyboard"][0][0]
    assert button["web_app"]["url"] == "https://club.example.com/?startapp=floor"


def test_a_duplicate_update_is_ignored(post, client, tg, player):
    route = tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))

    first = post(message(20, "/start", player))
    second = post(message(20, "/start", player))

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["duplicate"] is True
    assert route.call_count == 1
    assert ProcessedUpdate.objects.count() == 1


def test_stop_opts_out_and_start_opts_back_in(post, client, tg, player):
    tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))

    post(message(30, "/stop", player))
    player.refresh_from_db()
    assert player.notifications_enabled is False

    post(message(31, "/start", player))
    player.refresh_from_db()
    assert player.notifications_enabled is True


def test_writing_to_the_bot_clears_unreachable(post, client, tg, player):
    tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))
    NotificationProfile.objects.create(user=player, unreachable_since="2026-01-01T00:00:00Z")

    post(message(40, "/start", player))

    assert NotificationProfile.objects.get(user=player).unreachable_since is None


def test_a_bad_body_is_400(post, client):
    response = client.post(
        URL,
        data="{nope",
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=SECRET,
    )
    assert response.status_code == 400
    assert post({"update_id": "x"}).status_code == 400


def test_accept_callback_accepts_the_invite_and_tells_the_inviter(
    post, client, tg, player, django_capture_on_commit_callbacks
):
    tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))
    answer = tg.post("/answerCallbackQuery").mock(return_value=httpx.Response(200, json=ok(True)))
    tg.post("/editMessageReplyMarkup").mock(return_value=httpx.Response(200, json=ok(True)))
    inviter = UserFactory(from_telegram=True, username="ivan", first_name="Ivan")
    with django_capture_on_commit_callbacks(execute=True):
        invite = invites.invite_create(from_user=inviter, to_user=player, discipline="pool_8")
    update = {
        "update_id": 50,
        "callback_query": {
            "id": "cbq-1",
            "from": {"id": player.telegram_id, "first_name": "Anna"},
            "data": f"inv:a:{invite.pk}",
            "message": {"message_id": 3, "chat": {"id": player.telegram_id, "type": "private"}},
        },
    }

    response = post(update)

    assert response.status_code == 200
    assert answer.call_count == 1
    invite.refresh_from_db()
    assert invite.status == MatchInvite.Status.ACCEPTED
    assert inviter.notifications.filter(kind="match_invite", payload__response="accepted").exists()


def test_a_callback_from_someone_else_cannot_answer_an_invite(post, client, tg, player):
    answer = tg.post("/answerCallbackQuery").mock(return_value=httpx.Response(200, json=ok(True)))
    tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))
    inviter = UserFactory(from_telegram=True, username="ivan2")
    stranger = UserFactory(from_telegram=True, username="stranger")
    invite = invites.invite_create(from_user=inviter, to_user=player, discipline="pool_8")
    update = {
        "update_id": 51,
        "callback_query": {
            "id": "cbq-2",
            "from": {"id": stranger.telegram_id},
            "data": f"inv:d:{invite.pk}",
        },
    }

    post(update)

    invite.refresh_from_db()
    assert invite.status == MatchInvite.Status.PENDING
    assert b"show_alert" in answer.calls[0].request.content
