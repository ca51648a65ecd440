"""notify(): the outbox row, dedupe, preferences, after-commit delivery and the me push."""

from datetime import timedelta

import httpx
import pytest
from django.db import transaction
from django.utils import timezone

from notifications import delivery, outbox
from notifications.models import Notification, NotificationPreference
from notifications.tests.conftest import ok


def test_notify_writes_a_pending_row_and_delivers_it_after_commit(
    tg, player, django_capture_on_commit_callbacks
):
    route = tg.post("/sendMessage").mock(
        return_value=httpx.Response(200, json=ok({"message_id": 5}))
    )

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        row = outbox.notify(
            user=player, kind="announcement", payload={"text": "Open late"}, dedupe_key="a:1"
        )
        assert row.status == Notification.Status.PENDING
        assert not route.called

    assert route.call_count == 1
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    assert row.telegram_message_id == 5
    assert "Open late" in route.calls[0].request.content.decode()


def test_a_repeated_dedupe_key_is_a_no_op(tg, player, django_capture_on_commit_callbacks):
    tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))
    with django_capture_on_commit_callbacks(execute=True):
        first = outbox.notify(user=player, kind="announcement", payload={}, dedupe_key="k")
        second = outbox.notify(user=player, kind="announcement", payload={}, dedupe_key="k")

    assert first is not None
    assert second is None
    assert Notification.objects.filter(dedupe_key="k").count() == 1


def test_a_rolled_back_change_leaves_no_notification(
    tg, player, django_capture_on_commit_callbacks
):
    route = tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        outbox.notify(user=player, kind="announcement", payload={}, dedupe_key="rb")
        raise RuntimeError("the change failed")

    assert not route.called
    assert not Notification.objects.exists()


def test_kind_turned_off_writes_nothing(player):
    NotificationPreference.objects.create(user=player, kind="announcement", channel="off")

    row = outbox.notify(user=player, kind="announcement", payload={}, dedupe_key="off")

    assert row is None
    assert not Notification.objects.exists()


def test_in_app_only_is_shown_in_the_inbox_without_telegram(
    tg, player, django_capture_on_commit_callbacks
):
    route = tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))
    NotificationPreference.objects.create(user=player, kind="achievement", channel="in_app")

    with django_capture_on_commit_callbacks(execute=True):
        row = outbox.notify(
            user=player, kind="achievement", payload={"title": "Century"}, dedupe_key="ach"
        )

    assert not route.called
    assert (row.via, row.status) == ("in_app", "sent")


def test_a_deferred_notification_waits_for_the_sweep(
    tg, player, django_capture_on_commit_callbacks
):
    route = tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))
    later = timezone.now() + timedelta(minutes=30)

    with django_capture_on_commit_callbacks(execute=True):
        row = outbox.notify(
            user=player, kind="announcement", payload={}, dedupe_key="later", send_after=later
        )
    delivery.notification_sweep()

    assert not route.called
    row.refresh_from_db()
    assert row.status == "pending"


def test_notify_pushes_to_the_users_me_topic(
    player, monkeypatch, django_capture_on_commit_callbacks
):
    pushed = []
    monkeypatch.setattr(
        "realtime.broadcast.publish_to_user",
        lambda user_id, *, data, **kw: pushed.append((user_id, data)),
    )
    outbox.notify(user=player, kind="announcement", payload={"text": "Hi"}, dedupe_key="push")

    assert pushed[0][0] == player.pk
    assert pushed[0][1]["kind"] == "notification"
    assert pushed[0][1]["notification"]["kind"] == "announcement"
    assert "Hi" in pushed[0][1]["notification"]["text"]


def test_an_unknown_kind_is_refused(player):
    with pytest.raises(ValueError):
        outbox.notify(user=player, kind="spam", payload={}, dedupe_key="x")


@pytest.mark.django_db(transaction=True)
def test_in_the_embedded_mode_the_telegram_call_does_not_hold_up_the_writer(tg, player, settings):
    import threading

    settings.NOTIFICATIONS_DELIVER_IN_BACKGROUND = True
    calling, release = threading.Event(), threading.Event()

    def slow_telegram(request):
        calling.set()
        release.wait(10)
        return httpx.Response(200, json=ok({"message_id": 7}))

    route = tg.post("/sendMessage").mock(side_effect=slow_telegram)

    row = outbox.notify(user=player, kind="announcement", payload={"text": "x"}, dedupe_key="b")

    # notify() has returned while the Telegram call is still waiting for its answer.
    assert calling.wait(10)
    assert not release.is_set()
    release.set()
    delivery._background_executor().submit(lambda: None).result(10)  # the delivery is done
    row.refresh_from_db()
    assert (row.status, row.telegram_message_id, route.call_count) == ("sent", 7, 1)


# --- claim, call, record: no lock over the network -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_telegram_call_runs_outside_any_transaction_with_the_row_marked_sending(tg, player):
    from notifications.tests.factories import NotificationFactory

    row = NotificationFactory(user=player)
    seen = {}

    def telegram_answers(request):
        # What another worker or the admin would see while the message is on its way.
        seen["in_transaction"] = transaction.get_connection().in_atomic_block
        seen["status"] = Notification.objects.get(pk=row.pk).status
        return httpx.Response(200, json=ok({"message_id": 9}))

    tg.post("/sendMessage").mock(side_effect=telegram_answers)

    outcome = delivery.notification_deliver(notification_id=row.pk)

    row.refresh_from_db()
    assert outcome == "sent"
    assert seen == {"in_transaction": False, "status": "sending"}
    assert (row.status, row.telegram_message_id, row.claimed_at is not None) == ("sent", 9, True)


def test_a_row_being_sent_is_not_taken_by_a_second_sender(tg, player):
    from notifications.tests.factories import NotificationFactory

    route = tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))
    row = NotificationFactory(user=player, status="sending", claimed_at=timezone.now())

    outcomes = delivery.notification_deliver(notification_id=row.pk), delivery.notification_sweep()

    row.refresh_from_db()
    assert outcomes == ("skipped", {})
    assert row.status == "sending"
    assert not route.called


def test_a_row_a_dead_sender_left_sending_is_failed_by_the_sweep_and_never_resent(tg, player):
    from notifications.tests.factories import NotificationFactory

    route = tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))
    row = NotificationFactory(
        user=player,
        status="sending",
        claimed_at=timezone.now() - delivery.STALE_SENDING - timedelta(seconds=1),
    )

    outcomes = delivery.notification_sweep()

    row.refresh_from_db()
    assert outcomes == {"stale": 1}
    assert (row.status, row.last_error) == ("failed", delivery.MSG_OUTCOME_UNKNOWN)
    assert not route.called


def test_a_transient_failure_puts_the_row_back_to_pending_for_a_retry(tg, player, sleeps):
    from notifications.tests.factories import NotificationFactory

    tg.post("/sendMessage").mock(return_value=httpx.Response(502, json={"ok": False}))
    row = NotificationFactory(user=player)

    outcome = delivery.notification_deliver(notification_id=row.pk)

    row.refresh_from_db()
    assert outcome == "retry"
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.send_after > timezone.now()
