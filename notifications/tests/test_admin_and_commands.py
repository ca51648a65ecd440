"""Admin (retry failed, templates with preview and DB override, broadcasts) and the commands."""

import json
from datetime import timedelta
from io import StringIO

import httpx
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.tests.factories import UserFactory
from notifications import announcements, delivery, rendering
from notifications.models import Broadcast, MessageTemplate, Notification, ProcessedUpdate
from notifications.sources import matches
from notifications.tests.conftest import ok
from notifications.tests.factories import BookingFactory, NotificationFactory, TableFactory


@pytest.fixture
def staff(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-123-long")


def test_retry_failed_action_puts_failed_rows_back(
    client, staff, tg, player, django_capture_on_commit_callbacks
):
    route = tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))
    failed = NotificationFactory(user=player, status="failed", last_error="HTTP 502", attempts=8)
    sent = NotificationFactory(user=player, status="sent")
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/notifications/notification/",
            {"action": "retry_failed", "_selected_action": [failed.pk, sent.pk]},
        )

    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == "sent"
    assert route.call_count == 1


def test_the_notification_list_filters_render(client, staff, player):
    NotificationFactory(user=player, status="failed")
    client.force_login(staff)

    response = client.get(
        "/admin/notifications/notification/?status__exact=failed&kind__exact=announcement"
    )

    assert response.status_code == 200


def test_a_db_template_overrides_the_file_and_a_broken_one_falls_back(player):
    payload = {"text": "Open late"}
    MessageTemplate.objects.create(kind="announcement", language="en", body="NEWS: {{ text }}")
    assert rendering.render_html("announcement", payload, language="en") == "NEWS: Open late"

    MessageTemplate.objects.filter(kind="announcement").update(body="{% if %}")
    assert "Open late" in rendering.render_html("announcement", payload, language="en")
    assert "NEWS" not in rendering.render_html("announcement", payload, language="en")


def test_russian_and_english_file_templates(player):
    payload = rendering.SAMPLE_PAYLOADS["booking_reminder"]
    assert "Table 5" in rendering.render_html("booking_reminder", payload, language="en")
    assert "Стол 5" in rendering.render_html("booking_reminder", payload, language="ru")


def test_template_admin_refuses_a_broken_template_and_previews_a_good_one(client, staff):
    client.force_login(staff)
    bad = client.post(
        "/admin/notifications/messagetemplate/add/",
        {"kind": "announcement", "language": "en", "body": "{% if %}", "is_active": "on"},
    )
    assert bad.status_code == 200
    assert not MessageTemplate.objects.exists()

    good = client.post(
        "/admin/notifications/messagetemplate/add/",
        {"kind": "announcement", "language": "en", "body": "Hey: {{ text }}", "is_active": "on"},
    )
    assert good.status_code == 302
    template = MessageTemplate.objects.get()
    page = client.get(
        f"/admin/notifications/messagetemplate/{template.pk}/change/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Hey: The club is open until 4 am on Friday." in page.content.decode()


def test_broadcast_form_writes_one_row_per_opted_in_recipient_and_the_sweep_sends_them(
    client, staff, club, django_capture_on_commit_callbacks, tg
):
    tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))
    UserFactory(from_telegram=True, username="a")
    UserFactory(from_telegram=True, username="b")
    UserFactory(from_telegram=True, username="quiet", notifications_enabled=False)
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/notifications/broadcast/add/",
            {"audience": "all", "table_kind": "", "text": "Party on Friday"},
        )

    assert response.status_code == 302
    broadcast = Broadcast.objects.get()
    users = set(broadcast.notifications.values_list("user__username", flat=True))
    assert {"a", "b"} <= users
    assert "quiet" not in users
    assert broadcast.recipients == len(users)
    assert set(broadcast.notifications.values_list("via", "status")) <= {
        ("telegram", "pending"),
        ("in_app", "sent"),
    }
    delivery.notification_sweep()
    listing = client.get("/admin/notifications/broadcast/", HTTP_ACCEPT_LANGUAGE="en")
    assert f"{len(users)} sent" in listing.content.decode()


def test_broadcast_audience_players_with_bookings_today(club):
    booked = UserFactory(from_telegram=True, username="booked")
    UserFactory(from_telegram=True, username="idle")
    # Later today in the club's time zone, whatever the hour the suite runs at (the factory's
    # default, two hours from now, is tomorrow after 22:00).
    local_now = timezone.now().astimezone(club.tz)
    start = min(local_now + timedelta(minutes=5), local_now.replace(hour=23, minute=50))
    BookingFactory(
        player=booked, table=TableFactory(club=club), start=start, end=start + timedelta(minutes=5)
    )

    users = list(
        announcements.broadcast_audience(audience="booked_today").values_list("username", flat=True)
    )

    assert users == ["booked"]


def test_broadcast_audience_players_of_a_table_kind(club):
    pool = UserFactory(from_telegram=True, username="pool-player")
    pyr = UserFactory(from_telegram=True, username="pyramid-player")
    BookingFactory(player=pool, table=TableFactory(club=club, kind="pool"))
    BookingFactory(player=pyr, table=TableFactory(club=club, kind="pyramid"))

    users = list(
        announcements.broadcast_audience(audience="discipline", table_kind="pool").values_list(
            "username", flat=True
        )
    )

    assert users == ["pool-player"]


def test_set_webhook_sends_the_url_and_secret(tg):
    tg.post("/getMe").mock(return_value=httpx.Response(200, json=ok({"username": "artel_bot"})))
    hook = tg.post("/setWebhook").mock(return_value=httpx.Response(200, json=ok(True)))
    tg.post("/getWebhookInfo").mock(
        return_value=httpx.Response(200, json=ok({"url": "https://x/telegram/webhook/"}))
    )
    out = StringIO()

    call_command("set_webhook", "--url", "https://club.example.com/telegram/webhook/", stdout=out)

    body = json.loads(hook.calls[0].request.content)
    assert body["url"] == "https://club.example.com/telegram/webhook/"
    assert body["secret_token"] == "webhook-secret-1"
    assert "artel_bot" in out.getvalue()


def test_set_webhook_refuses_plain_http(tg):
    tg.post("/getMe").mock(return_value=httpx.Response(200, json=ok({"username": "artel_bot"})))
    with pytest.raises(CommandError):
        call_command("set_webhook", "--url", "http://club.example.com/telegram/webhook/")


def test_bot_polling_once_records_and_handles_updates(
    tg, player, django_capture_on_commit_callbacks
):
    tg.post("/getMe").mock(return_value=httpx.Response(200, json=ok({"username": "artel_bot"})))
    tg.post("/deleteWebhook").mock(return_value=httpx.Response(200, json=ok(True)))
    send = tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))
    update = {
        "update_id": 900,
        "message": {
            "message_id": 1,
            "from": {"id": player.telegram_id},
            "chat": {"id": player.telegram_id, "type": "private"},
            "text": "/stop",
        },
    }
    tg.post("/getUpdates").mock(return_value=httpx.Response(200, json=ok([update])))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("bot_polling", "--once", stdout=StringIO())

    assert ProcessedUpdate.objects.filter(update_id=900).exists()
    assert send.call_count == 1
    player.refresh_from_db()
    assert player.notifications_enabled is False


def test_match_result_reaches_both_players(player, club):
    factories = pytest.importorskip("games.tests.scoring.factories")
    opponent = UserFactory(from_telegram=True, username="opp")
    match = factories.make_match([player], [opponent])
    match.winner_side = 0
    match.state = {**(match.state or {}), "frames": [3, 1]}

    written = matches.match_result_notify(match=match)

    assert written == 2
    mine = Notification.objects.get(user=player, kind="match_result")
    assert mine.payload["won"] is True
    assert mine.payload["score"] == "3:1"
