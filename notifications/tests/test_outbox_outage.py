"""The outbox on PostgreSQL + Redis: a broker outage delays a message but never loses or
doubles it, and concurrent sweeps send a row once."""

import threading
from datetime import timedelta

import httpx
import pytest
from django.db import connection, transaction
from django.utils import timezone

from notifications import delivery, outbox
from notifications.models import Notification
from notifications.sources import bookings
from notifications.tasks import deliver_notification
from notifications.tests.conftest import ok
from notifications.tests.factories import BookingFactory, TableFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_chat_rate(settings):
    # One player gets several messages here; the per-chat limit is tested in test_ratelimit.
    settings.TELEGRAM_RATE_PER_CHAT = 1000.0


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(deliver_notification, "delay", refuse)
    monkeypatch.setattr(deliver_notification, "apply_async", refuse)


def _sweep_in_threads(n=2):
    barrier = threading.Barrier(n)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(delivery.notification_sweep())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_a_reminder_written_while_the_broker_is_down_is_delivered_once_by_the_sweep(
    tg, player, club, broker_down, monkeypatch
):
    sends = tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))
    start = timezone.now() + timedelta(minutes=90)
    with transaction.atomic():
        booking = BookingFactory(player=player, table=TableFactory(club=club), start=start)
        # Booked well in advance (the reminder is not skipped as "inside the lead time").
        type(booking).objects.filter(pk=booking.pk).update(
            created_at=timezone.now() - timedelta(days=1)
        )
        booking.refresh_from_db()
        bookings.booking_reminder_write(booking)

    # Committed, but nothing was enqueued: both rows wait in the outbox.
    assert not sends.called
    assert Notification.objects.filter(status="pending").count() == 2

    # The reminder becomes due (lead time 60 min, start in 90): two sweeps race for it.
    Notification.objects.filter(kind="booking_reminder").update(send_after=timezone.now())
    _sweep_in_threads(2)
    delivery.notification_sweep()

    assert sends.call_count == 2  # the confirmation and the reminder, once each
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_two_concurrent_sweeps_send_each_row_once(tg, player, broker_down):
    sends = tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))
    with transaction.atomic():
        for n in range(5):
            outbox.notify(
                user=player, kind="announcement", payload={"text": str(n)}, dedupe_key=f"race:{n}"
            )

    results = _sweep_in_threads(2)

    assert sends.call_count == 5
    assert sum(r.get("sent", 0) for r in results) == 5
    assert Notification.objects.filter(status="sent").count() == 5
