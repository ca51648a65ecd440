"""The /ws/ protocol: subscribe → snapshot → updates, errors that keep the socket open, order."""

import pytest
from channels.db import database_sync_to_async
from django.db import transaction

from realtime.broadcast import publish
from realtime.tests.conftest import assert_open
from realtime.tests.topics_for_tests import WIDGETS

pytestmark = pytest.mark.django_db(transaction=True)


def publish_committed(topic, version, data):
    with transaction.atomic():
        publish(topic, version=version, data=data)


def publish_rolled_back(topic, version, data):
    with transaction.atomic():
        publish(topic, version=version, data=data)
        transaction.set_rollback(True)


async def subscribe(communicator, topic):
    await communicator.send_json_to({"op": "subscribe", "topic": topic})
    return await communicator.receive_json_from(timeout=2)


async def test_subscribe_answers_with_a_snapshot(sockets):
    ws = await sockets()

    message = await subscribe(ws, "widget:1")

    assert message == {
        "topic": "widget:1",
        "type": "snapshot",
        "version": 5,
        "data": {"name": "first"},
    }


async def test_an_update_published_in_a_transaction_arrives_after_commit(sockets):
    ws = await sockets()
    await subscribe(ws, "widget:1")

    await database_sync_to_async(publish_committed)("widget:1", 6, {"name": "renamed"})

    assert await ws.receive_json_from(timeout=2) == {
        "topic": "widget:1",
        "type": "update",
        "version": 6,
        "data": {"name": "renamed"},
    }


async def test_nothing_is_sent_when_the_transaction_rolls_back(sockets):
    ws = await sockets()
    await subscribe(ws, "widget:1")

    await database_sync_to_async(publish_rolled_back)("widget:1", 6, {"name": "ghost"})

    assert await ws.receive_nothing(timeout=0.3)


async def test_every_subscriber_gets_the_update(sockets):
    first, second = await sockets(), await sockets()
    await subscribe(first, "widget:1")
    await subscribe(second, "widget:1")

    await database_sync_to_async(publish_committed)("widget:1", 6, {"name": "x"})

    assert (await first.receive_json_from(timeout=2))["version"] == 6
    assert (await second.receive_json_from(timeout=2))["version"] == 6


async def test_updates_of_other_topics_are_not_sent(sockets):
    WIDGETS["2"] = (1, {})
    ws = await sockets()
    await subscribe(ws, "widget:1")

    await database_sync_to_async(publish_committed)("widget:2", 2, {"name": "other"})

    assert await ws.receive_nothing(timeout=0.3)


async def test_unsubscribe_stops_updates(sockets):
    ws = await sockets()
    await subscribe(ws, "widget:1")

    await ws.send_json_to({"op": "unsubscribe", "topic": "widget:1"})
    await assert_open(ws)
    await database_sync_to_async(publish_committed)("widget:1", 6, {"name": "x"})

    assert await ws.receive_nothing(timeout=0.3)


async def test_subscribing_again_sends_a_fresh_snapshot(sockets):
    ws = await sockets()
    await subscribe(ws, "widget:1")
    WIDGETS["1"] = (9, {"name": "later"})

    message = await subscribe(ws, "widget:1")

    assert message["type"] == "snapshot"
    assert message["version"] == 9
    assert message["data"] == {"name": "later"}


async def test_publish_serialises_dates_and_decimals(sockets):
    import datetime
    import decimal

    ws = await sockets()
    await subscribe(ws, "widget:1")
    when = datetime.datetime(2026, 11, 25, 18, 30, tzinfo=datetime.UTC)

    await database_sync_to_async(publish_committed)(
        "widget:1", 6, {"at": when, "amount": decimal.Decimal("1.50")}
    )

    message = await ws.receive_json_from(timeout=2)
    assert message["data"] == {"at": "2026-11-25T18:30:00Z", "amount": "1.50"}


# --- ordering ------------------------------------------------------------------------------------


async def test_updates_that_cross_after_commit_arrive_in_version_order(sockets):
    """Two requests commit v6 then v7, but their sends cross: v7 reaches the layer first."""
    ws = await sockets()
    await subscribe(ws, "widget:1")

    await database_sync_to_async(publish_committed)("widget:1", 7, {"step": 7})
    await database_sync_to_async(publish_committed)("widget:1", 6, {"step": 6})

    first = await ws.receive_json_from(timeout=2)
    second = await ws.receive_json_from(timeout=2)
    assert [first["version"], second["version"]] == [6, 7]
    assert [first["data"], second["data"]] == [{"step": 6}, {"step": 7}]


async def test_many_crossed_updates_are_released_in_order(sockets):
    ws = await sockets()
    await subscribe(ws, "widget:1")

    for version in (9, 7, 8, 6):
        await database_sync_to_async(publish_committed)("widget:1", version, {"v": version})

    received = [(await ws.receive_json_from(timeout=2))["version"] for _ in range(4)]
    assert received == [6, 7, 8, 9]


async def test_stale_and_duplicate_versions_are_dropped(sockets):
    ws = await sockets()
    await subscribe(ws, "widget:1")  # version 5

    await database_sync_to_async(publish_committed)("widget:1", 5, {"old": True})
    await database_sync_to_async(publish_committed)("widget:1", 4, {"old": True})
    await database_sync_to_async(publish_committed)("widget:1", 6, {"new": True})
    await database_sync_to_async(publish_committed)("widget:1", 6, {"again": True})

    assert (await ws.receive_json_from(timeout=2))["data"] == {"new": True}
    assert await ws.receive_nothing(timeout=0.3)


async def test_an_update_already_in_the_snapshot_is_not_sent_again(sockets):
    WIDGETS["1"] = (6, {"name": "includes v6"})
    ws = await sockets()
    await subscribe(ws, "widget:1")

    await database_sync_to_async(publish_committed)("widget:1", 6, {"name": "v6"})

    assert await ws.receive_nothing(timeout=0.3)


async def test_a_gap_that_does_not_fill_is_healed_by_a_fresh_snapshot(sockets, settings):
    settings.WS_REORDER_TIMEOUT = 0.2
    ws = await sockets()
    await subscribe(ws, "widget:1")  # version 5
    WIDGETS["1"] = (8, {"name": "now"})

    await database_sync_to_async(publish_committed)("widget:1", 7, {"v": 7})  # 6 is lost

    message = await ws.receive_json_from(timeout=2)
    assert message == {
        "topic": "widget:1",
        "type": "snapshot",
        "version": 8,
        "data": {"name": "now"},
    }


async def test_after_a_gap_snapshot_later_held_updates_follow(sockets, settings):
    settings.WS_REORDER_TIMEOUT = 0.2
    ws = await sockets()
    await subscribe(ws, "widget:1")  # version 5
    WIDGETS["1"] = (6, {"name": "six"})

    await database_sync_to_async(publish_committed)("widget:1", 7, {"v": 7})  # 6 is lost

    snapshot = await ws.receive_json_from(timeout=2)
    update = await ws.receive_json_from(timeout=2)
    assert (snapshot["type"], snapshot["version"]) == ("snapshot", 6)
    assert (update["type"], update["version"]) == ("update", 7)


# --- errors: the socket stays open ----------------------------------------------------------------


async def test_malformed_json_is_an_error_and_the_socket_stays_open(sockets):
    ws = await sockets()

    await ws.send_to(text_data="{not json")

    message = await ws.receive_json_from(timeout=2)
    assert message["type"] == "error"
    assert message["code"] == "bad_json"
    assert message["detail"]
    await assert_open(ws)


async def test_a_json_value_that_is_not_an_object_is_bad_json(sockets):
    ws = await sockets()

    await ws.send_to(text_data="[1, 2]")

    assert (await ws.receive_json_from(timeout=2))["code"] == "bad_json"
    await assert_open(ws)


async def test_an_unknown_op_is_an_error_and_the_socket_stays_open(sockets):
    ws = await sockets()

    await ws.send_json_to({"op": "dance"})

    message = await ws.receive_json_from(timeout=2)
    assert (message["type"], message["code"]) == ("error", "unknown_op")
    await assert_open(ws)


async def test_an_unknown_topic_is_an_error_and_the_socket_stays_open(sockets):
    ws = await sockets()

    message = await subscribe(ws, "table:1")

    assert message["type"] == "error"
    assert message["code"] == "unknown_topic"
    assert message["topic"] == "table:1"
    await assert_open(ws)


async def test_a_topic_that_is_not_a_string_is_unknown(sockets):
    ws = await sockets()

    message = await subscribe(ws, {"club": 1})

    assert message["code"] == "unknown_topic"
    await assert_open(ws)


async def test_a_missing_object_is_not_found_and_the_socket_stays_open(sockets):
    ws = await sockets()

    message = await subscribe(ws, "widget:404")

    assert (message["code"], message["topic"]) == ("not_found", "widget:404")
    await assert_open(ws)
    await database_sync_to_async(publish_committed)("widget:404", 1, {})
    assert await ws.receive_nothing(timeout=0.3)


async def test_an_anonymous_socket_may_not_watch_a_private_topic(sockets):
    ws = await sockets()

    message = await subscribe(ws, "secret:1")

    assert (message["code"], message["topic"]) == ("forbidden", "secret:1")
    await assert_open(ws)


async def test_a_user_refused_by_the_topic_is_forbidden(sockets, stranger):
    ws = await sockets(user=stranger)

    message = await subscribe(ws, "secret:1")

    assert message["code"] == "forbidden"
    await assert_open(ws)


async def test_the_permitted_user_watches_a_private_topic(sockets, owner):
    ws = await sockets(user=owner)

    message = await subscribe(ws, "secret:1")

    assert message == {
        "topic": "secret:1",
        "type": "snapshot",
        "version": 1,
        "data": {"secret": "1"},
    }


async def test_too_many_subscriptions_is_an_error_and_the_socket_stays_open(sockets, settings):
    settings.WS_MAX_SUBSCRIPTIONS = 2
    for key in ("2", "3"):
        WIDGETS[key] = (1, {})
    ws = await sockets()
    await subscribe(ws, "widget:1")
    await subscribe(ws, "widget:2")

    message = await subscribe(ws, "widget:3")

    assert (message["code"], message["topic"]) == ("too_many_subscriptions", "widget:3")
    await assert_open(ws)
    assert (await subscribe(ws, "widget:1"))["type"] == "snapshot"  # a re-subscribe is not new


# --- keep-alive ------------------------------------------------------------------------------------


async def test_the_server_pings_at_the_configured_interval(sockets, settings):
    settings.WS_PING_INTERVAL = 0.1
    ws = await sockets()

    assert await ws.receive_json_from(timeout=2) == {"type": "ping"}


async def test_a_silent_socket_is_closed_after_the_idle_timeout(sockets, settings):
    settings.WS_PING_INTERVAL = 0.1
    settings.WS_IDLE_TIMEOUT = 0.3
    ws = await sockets()

    while True:
        output = await ws.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            break
        assert output["text"] == '{"type": "ping"}'

    assert output["code"] == 4408


async def test_a_socket_that_answers_pings_stays_open(sockets, settings):
    settings.WS_PING_INTERVAL = 0.1
    settings.WS_IDLE_TIMEOUT = 0.3
    ws = await sockets()

    for _ in range(6):  # 0.6 s: twice the idle timeout
        assert await ws.receive_json_from(timeout=2) == {"type": "ping"}
        await ws.send_json_to({"op": "pong"})

    await assert_open(ws)
