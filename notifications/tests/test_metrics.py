"""Notification metrics on /metrics: outcomes by kind, retries, and the due backlog."""

from datetime import timedelta

import httpx
from django.utils import timezone
from prometheus_client import REGISTRY

from notifications import delivery
from notifications.tests.conftest import ok
from notifications.tests.factories import NotificationFactory


def sample(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_outcomes_and_retries_are_counted_by_kind(tg, player):
    tg.post("/sendMessage").mock(
        side_effect=[httpx.Response(502, json={"ok": False})] * 4 + [httpx.Response(200, json=ok())]
    )
    before_retried = sample("artel_notification_retries_total", kind="achievement")
    before_sent = sample("artel_notifications_total", kind="achievement", outcome="sent")
    row = NotificationFactory(user=player, kind="achievement", payload={"title": "Century"})

    assert delivery.notification_deliver(notification_id=row.pk) == "retry"
    type(row).objects.filter(pk=row.pk).update(send_after=timezone.now())
    assert delivery.notification_deliver(notification_id=row.pk) == "sent"

    assert sample("artel_notification_retries_total", kind="achievement") == before_retried + 1
    assert (
        sample("artel_notifications_total", kind="achievement", outcome="sent") == before_sent + 1
    )


def test_the_backlog_gauge_counts_due_pending_rows_on_scrape(client, player):
    NotificationFactory(user=player)
    NotificationFactory(user=player)
    NotificationFactory(user=player, send_after=timezone.now() + timedelta(hours=1))
    NotificationFactory(user=player, status="sent")

    body = client.get("/metrics").content.decode()

    assert "artel_notification_backlog 2.0" in body
    assert "artel_notification_retries_total" in body
