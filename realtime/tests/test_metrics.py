"""Realtime metrics: open sockets, subscriptions per kind, broadcast latency."""

import pytest
from channels.db import database_sync_to_async
from django.db import transaction

from core.metrics import BROADCAST_LATENCY, WEBSOCKETS_CONNECTED, WS_SUBSCRIPTIONS
from realtime.broadcast import publish

pytestmark = pytest.mark.django_db(transaction=True)


def broadcasts_observed() -> float:
    return next(
        s.value for s in BROADCAST_LATENCY.collect()[0].samples if s.name.endswith("_count")
    )


def publish_committed():
    with transaction.atomic():
        publish("widget:1", version=6, data={})


async def test_open_sockets_are_counted(sockets):
    before = WEBSOCKETS_CONNECTED._value.get()
    ws = await sockets()

    assert WEBSOCKETS_CONNECTED._value.get() == before + 1
    await ws.disconnect()
    assert WEBSOCKETS_CONNECTED._value.get() == before


async def test_subscriptions_are_counted_per_kind(sockets):
    gauge = WS_SUBSCRIPTIONS.labels("widget")
    before = gauge._value.get()
    ws = await sockets()

    await ws.send_json_to({"op": "subscribe", "topic": "widget:1"})
    await ws.receive_json_from(timeout=2)
    assert gauge._value.get() == before + 1
    await ws.send_json_to({"op": "unsubscribe", "topic": "widget:1"})
    await ws.send_json_to({"op": "ping"})
    await ws.receive_json_from(timeout=2)
    assert gauge._value.get() == before


async def test_a_refused_subscription_is_not_counted(sockets):
    gauge = WS_SUBSCRIPTIONS.labels("widget")
    before = gauge._value.get()
    ws = await sockets()

    await ws.send_json_to({"op": "subscribe", "topic": "widget:404"})
    await ws.receive_json_from(timeout=2)

    assert gauge._value.get() == before


async def test_a_broadcast_after_commit_is_timed():
    before = broadcasts_observed()

    await database_sync_to_async(publish_committed)()

    assert broadcasts_observed() == before + 1
