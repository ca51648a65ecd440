"""WebSocket limits (issue 15): a per-connection message rate (a burst, then a steady rate; over it
an error, then a close), a frame size limit, and caps of open sockets per signed-in user and per
address, counted across processes with a lapse for sockets of a process that died."""

import asyncio
import json

import pytest

from core.ratelimit import MessageRate, sockets_close, sockets_open
from testing.sockets import connect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def limits(settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.WS_MESSAGE_BURST = 5
    settings.WS_MESSAGE_RATE = 1.0
    settings.WS_MAX_SOCKETS_PER_USER = 2
    settings.WS_MAX_SOCKETS_PER_IP = 4
    return settings


async def drain(communicator, limit=300):
    """Every JSON message the server sends until it stops (or closes): (messages, close code)."""
    messages = []
    for _ in range(limit):
        try:
            output = await communicator.receive_output(timeout=0.5)
        except (TimeoutError, asyncio.CancelledError):
            return messages, None
        if output["type"] == "websocket.close":
            return messages, output.get("code")
        messages.append(json.loads(output["text"]))
    return messages, None


async def receive_close(communicator):
    messages, code = await drain(communicator)
    assert code is not None, messages
    return messages, code


async def test_a_flood_of_subscribes_gets_a_few_snapshots_an_error_and_a_close(limits):
    ws = await connect()
    for _ in range(200):
        await ws.send_json_to({"op": "subscribe", "topic": "widget:1"})

    messages, code = await drain(ws)

    snapshots = [m for m in messages if m.get("type") == "snapshot"]
    errors = [m for m in messages if m.get("code") == "rate_limited"]
    assert 1 <= len(snapshots) <= 6  # the burst (and what refilled meanwhile), not 200
    assert errors
    assert code == 4429


async def test_a_client_within_the_rate_is_never_refused(limits):
    ws = await connect()
    for _ in range(5):
        await ws.send_json_to({"op": "ping"})

    answers = [await ws.receive_json_from(timeout=2) for _ in range(5)]

    assert answers == [{"type": "pong"}] * 5
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_a_message_over_the_size_limit_is_not_parsed_and_closes_the_socket(limits):
    ws = await connect()
    await ws.send_to(text_data='{"op": "ping", "pad": "' + "x" * 5000 + '"}')

    messages, code = await receive_close(ws)

    assert messages[-1]["code"] == "too_large"
    assert code == 1009


async def test_a_user_may_have_only_so_many_sockets_open(limits, sockets, owner):
    first = await sockets(user=owner)
    await sockets(user=owner)

    third = await connect_refused(owner)

    assert third == ["too_many_sockets", 4429]
    await first.disconnect()
    again = await sockets(user=owner)  # one closed: room for another
    await again.send_json_to({"op": "ping"})
    assert await again.receive_json_from(timeout=2) == {"type": "pong"}


async def connect_refused(user):
    from channels.db import database_sync_to_async

    from realtime import services

    ticket = await database_sync_to_async(services.ticket_issue)(user=user)
    ws = await connect(f"/ws/?ticket={ticket}")
    messages, code = await receive_close(ws)
    return [messages[-1]["code"], code]


async def test_an_address_may_have_many_but_not_unlimited_sockets(limits, sockets):
    opened = [await sockets() for _ in range(4)]

    ws = await connect()
    messages, code = await receive_close(ws)

    assert len(opened) == 4
    assert messages[-1]["code"] == "too_many_sockets"
    assert code == 4429


async def test_without_rate_limits_nothing_is_counted(settings, sockets):
    settings.RATE_LIMITS_ENABLED = False
    settings.WS_MAX_SOCKETS_PER_IP = 1

    opened = [await sockets() for _ in range(3)]

    for ws in opened:
        await ws.send_json_to({"op": "ping"})
        assert await ws.receive_json_from(timeout=2) == {"type": "pong"}


def test_a_socket_of_a_process_that_died_stops_counting_after_its_ttl():
    assert sockets_open("t", "ip:1", "a", ttl=10, now=1000) == 1
    assert sockets_open("t", "ip:1", "b", ttl=10, now=1005) == 2

    assert sockets_open("t", "ip:1", "c", ttl=10, now=1011) == 2  # "a" lapsed
    sockets_close("t", "ip:1", "b")
    sockets_close("t", "ip:1", "c")
    assert sockets_open("t", "ip:1", "d", ttl=10, now=1012) == 1


def test_the_message_rate_allows_a_burst_then_the_steady_rate():
    now = [0.0]
    rate = MessageRate(rate=2, burst=3, clock=lambda: now[0])

    assert [rate.take() for _ in range(4)] == [True, True, True, False]
    now[0] += 0.5
    assert rate.take() is True
    assert rate.take() is False
    assert not rate.exhausted
    for _ in range(3):
        rate.take()
    assert rate.exhausted
