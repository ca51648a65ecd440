"""The Bot API client and the delivery outcomes, against a fake Telegram (respx)."""

import logging

import httpx
import pytest

from notifications import delivery, telegram
from notifications.models import Notification, NotificationProfile
from notifications.tests.conftest import TOKEN, ok
from notifications.tests.factories import NotificationFactory


@pytest.fixture
def client():
    return telegram.BotClient(TOKEN, base="https://tg.test")


def test_send_message_posts_text_and_inline_keyboard(tg, client):
    route = tg.post("/sendMessage").mock(
        return_value=httpx.Response(200, json=ok({"message_id": 9}))
    )
    markup = telegram.inline_keyboard(
        [[telegram.web_app_button("Open", "https://club.example.com/?startapp=floor")]]
    )

    result = client.send_message(42, "<b>Hi</b>", reply_markup=markup)

    assert result == {"message_id": 9}
    sent = route.calls[0].request
    body = httpx.Response(200, content=sent.content).json()
    assert body["chat_id"] == 42
    assert body["parse_mode"] == "HTML"
    assert body["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"].endswith(
        "startapp=floor"
    )


def test_get_me_and_set_webhook_and_answer_callback(tg, client):
    tg.post("/getMe").mock(return_value=httpx.Response(200, json=ok({"username": "artel_bot"})))
    hook = tg.post("/setWebhook").mock(return_value=httpx.Response(200, json=ok(True)))
    answer = tg.post("/answerCallbackQuery").mock(return_value=httpx.Response(200, json=ok(True)))

    assert client.get_me()["username"] == "artel_bot"
    assert (
        client.set_webhook("https://club.example.com/telegram/webhook/", secret_token="s") is True
    )
    assert client.answer_callback_query("cb1", text="Done") is True
    assert b'"secret_token":"s"' in hook.calls[0].request.content
    assert b'"callback_query_id":"cb1"' in answer.calls[0].request.content


def test_429_waits_retry_after_then_succeeds(tg, client, sleeps):
    route = tg.post("/sendMessage").mock(
        side_effect=[
            httpx.Response(
                429,
                json={
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 3",
                    "parameters": {"retry_after": 3},
                },
            ),
            httpx.Response(200, json=ok()),
        ]
    )

    client.send_message(42, "hi")

    assert route.call_count == 2
    assert sleeps == [3.0]


def test_a_long_429_is_raised_for_the_caller_to_reschedule(tg, client, sleeps):
    tg.post("/sendMessage").mock(
        return_value=httpx.Response(
            429,
            json={
                "ok": False,
                "description": "Too Many Requests",
                "parameters": {"retry_after": 60},
            },
        )
    )

    with pytest.raises(telegram.TelegramRetryAfter) as caught:
        client.send_message(42, "hi")

    assert caught.value.retry_after == 60
    assert sleeps == []


def test_5xx_is_retried_with_backoff(tg, client, sleeps):
    route = tg.post("/sendMessage").mock(
        side_effect=[
            httpx.Response(502, text="Bad Gateway"),
            httpx.Response(500, json={"ok": False, "description": "Internal Server Error"}),
            httpx.Response(200, json=ok()),
        ]
    )

    client.send_message(42, "hi")

    assert route.call_count == 3
    assert sleeps == [0.5, 1.0]


def test_network_errors_are_retried_then_raised_as_transient(tg, client, sleeps):
    route = tg.post("/sendMessage").mock(side_effect=httpx.ConnectError("refused"))

    with pytest.raises(telegram.TelegramTransientError):
        client.send_message(42, "hi")

    assert route.call_count == client.max_retries + 1
    assert len(sleeps) == client.max_retries


def test_403_is_unreachable(tg, client):
    tg.post("/sendMessage").mock(
        return_value=httpx.Response(
            403,
            json={
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            },
        )
    )

    with pytest.raises(telegram.TelegramUnreachable):
        client.send_message(42, "hi")


def test_400_chat_not_found_is_unreachable_but_other_400s_are_bad_requests(tg, client):
    tg.post("/sendMessage").mock(
        side_effect=[
            httpx.Response(400, json={"ok": False, "description": "Bad Request: chat not found"}),
            httpx.Response(
                400, json={"ok": False, "description": "Bad Request: can't parse entities"}
            ),
        ]
    )

    with pytest.raises(telegram.TelegramUnreachable):
        client.send_message(42, "hi")
    with pytest.raises(telegram.TelegramBadRequest):
        client.send_message(42, "hi")


def test_the_token_never_appears_in_logs_or_errors(tg, client, caplog):
    caplog.set_level(logging.DEBUG)
    tg.post("/sendMessage").mock(
        side_effect=httpx.ConnectError(f"failed for https://tg.test/bot{TOKEN}/sendMessage")
    )
    tg.post("/getMe").mock(
        return_value=httpx.Response(500, json={"ok": False, "description": "oops"})
    )

    errors = []
    for call in (lambda: client.send_message(42, "hi"), client.get_me):
        with pytest.raises(telegram.TelegramError) as caught:
            call()
        errors.append(caught.value)

    assert caplog.records  # the failures were logged
    assert TOKEN not in caplog.text
    for error in errors:
        assert TOKEN not in str(error)
        assert TOKEN not in repr(error)
        assert error.__cause__ is None
    assert TOKEN not in repr(client)


def test_httpx_request_logs_are_redacted(tg, client, caplog):
    caplog.set_level(logging.DEBUG, logger="httpx")
    tg.post("/getMe").mock(return_value=httpx.Response(200, json=ok({})))

    client.get_me()

    assert TOKEN not in caplog.text


# --- delivery outcomes -----------------------------------------------------------------------


def test_delivery_marks_sent_with_the_message_id(tg, player):
    tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok({"message_id": 77})))
    row = NotificationFactory(user=player)

    assert delivery.notification_deliver(notification_id=row.pk) == "sent"

    row.refresh_from_db()
    assert (row.status, row.telegram_message_id, row.attempts) == ("sent", 77, 1)


def test_403_marks_the_user_unreachable_and_stops_further_attempts(tg, player):
    route = tg.post("/sendMessage").mock(
        return_value=httpx.Response(
            403, json={"ok": False, "description": "Forbidden: bot was blocked by the user"}
        )
    )
    first = NotificationFactory(user=player)
    second = NotificationFactory(user=player)

    assert delivery.notification_deliver(notification_id=first.pk) == "failed"
    assert delivery.notification_deliver(notification_id=second.pk) == "in_app"

    assert route.call_count == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "failed"
    assert "blocked" in first.last_error
    assert (second.via, second.status) == ("in_app", "sent")
    assert NotificationProfile.objects.get(user=player).unreachable_since is not None


def test_a_5xx_outage_puts_the_row_back_for_a_later_retry(tg, player):
    tg.post("/sendMessage").mock(
        return_value=httpx.Response(503, json={"ok": False, "description": "down"})
    )
    row = NotificationFactory(user=player)

    assert delivery.notification_deliver(notification_id=row.pk) == "retry"

    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.send_after > row.created_at
    assert "503" in row.last_error


def test_a_sent_row_is_never_sent_again(tg, player):
    route = tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))
    row = NotificationFactory(user=player)

    delivery.notification_deliver(notification_id=row.pk)
    delivery.notification_deliver(notification_id=row.pk)
    delivery.notification_sweep()

    assert route.call_count == 1
    assert Notification.objects.get(pk=row.pk).status == "sent"
