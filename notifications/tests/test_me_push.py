"""A notification reaches the user's open Mini App over the `me` topic, after commit."""

import pytest
from channels.db import database_sync_to_async
from django.db import transaction

from notifications import outbox
from notifications.models import NotificationPreference

pytestmark = pytest.mark.django_db(transaction=True)


def write(user, key, *, rollback=False):
    with transaction.atomic():
        outbox.notify(user=user, kind="announcement", payload={"text": "Open late"}, dedupe_key=key)
        if rollback:
            transaction.set_rollback(True)


async def test_a_notification_is_pushed_on_the_me_topic(sockets, player):
    await database_sync_to_async(NotificationPreference.objects.create)(
        user=player, kind="announcement", channel="in_app"
    )
    ws = await sockets(user=player)
    await ws.send_json_to({"op": "subscribe", "topic": "me"})
    await ws.receive_json_from(timeout=2)  # the snapshot

    await database_sync_to_async(write)(player, "push-1", rollback=True)
    await database_sync_to_async(write)(player, "push-2")

    update = await ws.receive_json_from(timeout=2)
    assert update["type"] == "update"
    assert update["data"]["kind"] == "notification"
    assert update["data"]["notification"]["kind"] == "announcement"
    assert "Open late" in update["data"]["notification"]["text"]
    assert await ws.receive_nothing(timeout=0.3)  # the rolled-back one never left
