"""The `me` topic: the signed-in user's own stream, assembled from registered sections."""

import datetime

import pytest
import time_machine
from channels.db import database_sync_to_async
from django.core.cache import cache
from django.db import transaction

from realtime import topics
from realtime.broadcast import publish, publish_to_user
from realtime.tests.conftest import assert_open
from realtime.topics import user_version

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime.datetime(2026, 11, 25, 18, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def sections():
    topics.register_me_section("bookings", lambda user: [{"id": 1, "player": user.username}])
    topics.register_me_section("sessions", lambda user: [])
    yield
    topics.unregister_me_section("bookings")
    topics.unregister_me_section("sessions")


def notify(user_id, data, *, rollback=False):
    with transaction.atomic():
        publish_to_user(user_id, data=data)
        if rollback:
            transaction.set_rollback(True)


async def subscribe_me(ws):
    await ws.send_json_to({"op": "subscribe", "topic": "me"})
    return await ws.receive_json_from(timeout=2)


async def test_the_snapshot_holds_every_registered_section(sockets, owner):
    ws = await sockets(user=owner)

    message = await subscribe_me(ws)

    assert message["topic"] == "me"
    assert message["type"] == "snapshot"
    assert message["data"] == {"bookings": [{"id": 1, "player": "owner"}], "sessions": []}


async def test_an_anonymous_socket_may_not_watch_me(sockets):
    ws = await sockets()

    message = await subscribe_me(ws)

    assert (message["code"], message["topic"]) == ("forbidden", "me")
    await assert_open(ws)


async def test_an_update_for_the_user_follows_the_snapshot_version(sockets, owner):
    ws = await sockets(user=owner)
    snapshot = await subscribe_me(ws)

    await database_sync_to_async(notify)(owner.pk, {"section": "bookings", "id": 7})

    update = await ws.receive_json_from(timeout=2)
    assert update == {
        "topic": "me",
        "type": "update",
        "version": snapshot["version"] + 1,
        "data": {"section": "bookings", "id": 7},
    }


async def test_an_update_reaches_only_its_user(sockets, owner, stranger):
    mine, theirs = await sockets(user=owner), await sockets(user=stranger)
    await subscribe_me(mine)
    await subscribe_me(theirs)

    await database_sync_to_async(notify)(owner.pk, {"section": "sessions"})

    assert (await mine.receive_json_from(timeout=2))["data"] == {"section": "sessions"}
    assert await theirs.receive_nothing(timeout=0.3)


async def test_a_rolled_back_change_sends_nothing_and_burns_no_version(sockets, owner):
    ws = await sockets(user=owner)
    snapshot = await subscribe_me(ws)

    await database_sync_to_async(notify)(owner.pk, {"ghost": True}, rollback=True)
    await database_sync_to_async(notify)(owner.pk, {"real": True})

    update = await ws.receive_json_from(timeout=2)
    assert (update["version"], update["data"]) == (snapshot["version"] + 1, {"real": True})


def test_user_versions_only_grow_even_when_the_counter_is_lost(owner):
    with time_machine.travel(NOW, tick=False) as traveller:
        first = user_version(owner.pk)
        notify(owner.pk, {"n": 1})
        after_publish = user_version(owner.pk)
        cache.clear()
        traveller.shift(1)

        after_loss = user_version(owner.pk)

    assert after_publish == first + 1
    assert after_loss > after_publish


def test_publish_refuses_the_me_topic():
    with pytest.raises(ValueError):
        publish("me", version=1, data={})


def test_publish_refuses_an_unknown_topic():
    with pytest.raises(topics.UnknownTopic):
        publish("nothing:1", version=1, data={})


def test_the_me_topic_is_registered_by_autodiscovery():
    topic, params = topics.resolve("me")

    assert isinstance(topic, topics.MeTopic)
    assert params == {}
