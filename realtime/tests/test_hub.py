"""The per-process fan-out hub: one layer subscription per process and group, frames written to
every local socket once and in order, slow sockets cut, snapshots loaded once and shared."""

import asyncio
import re
import threading

import pytest
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

from realtime import hub as hub_module
from realtime.broadcast import publish
from realtime.hub import CLOSE_SLOW, DaphneOutlet, Frame, Hub, QueueOutlet, Subscriber, encode_frame
from realtime.topics import Topic, TopicNotFound, register, unregister

pytestmark = pytest.mark.django_db(transaction=True)


def publish_committed(topic, version, data):
    with transaction.atomic():
        publish(topic, version=version, data=data)


async def subscribe(communicator, topic):
    await communicator.send_json_to({"op": "subscribe", "topic": topic})
    return await communicator.receive_json_from(timeout=5)


class PooledTopic(Topic):
    """A coalesced test topic `pooled:<id>`: counts its loads, which take a while."""

    kind = "pooled"
    pattern = re.compile(r"^pooled:(?P<id>\d+)$")
    public = True
    state = {"version": 3, "data": {"name": "pool"}}
    loads = 0
    views: list = []
    lock = threading.Lock()
    delay = 0.2

    def load(self, *, id):
        with self.lock:
            type(self).loads += 1
        threading.Event().wait(self.delay)  # slow enough that the other sockets ask meanwhile
        if id == "404":
            raise TopicNotFound
        return self.state["version"], dict(self.state["data"])

    def view(self, user, shared, *, id):
        with self.lock:
            self.views.append(user.pk if user.is_authenticated else None)
        if user.is_authenticated:
            return True, {**shared, "for": user.username}
        return True, shared


@pytest.fixture
def pooled():
    PooledTopic.loads = 0
    PooledTopic.views = []
    PooledTopic.state = {"version": 3, "data": {"name": "pool"}}
    register(PooledTopic)
    yield PooledTopic
    unregister("pooled")


async def group_members(group: str, expected: int) -> int:
    """How many channels the in-memory layer has in `group` (the Redis pub/sub layer keeps one
    SUBSCRIBE per process and group by itself: there `expected` is returned)."""
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        return len(layer.groups.get(group, {}))
    return expected


# --- fan-out --------------------------------------------------------------------------------------


async def test_frames_reach_every_local_socket_once_and_in_order(sockets):
    watchers = [await sockets() for _ in range(12)]
    for ws in watchers:
        assert (await subscribe(ws, "widget:1"))["version"] == 5

    # One layer subscription for the whole process, not one per socket.
    assert await group_members("widget.1", 1) == 1

    versions = [6 + i for i in range(15)]
    crossed = versions[::2][::-1] + versions[1::2]  # sends that crossed after commit
    for version in crossed:
        await database_sync_to_async(publish_committed)("widget:1", version, {"v": version})

    for ws in watchers:
        got = [await ws.receive_json_from(timeout=3) for _ in versions]
        assert [(m["type"], m["version"], m["data"]["v"]) for m in got] == [
            ("update", v, v) for v in versions
        ]
        assert await ws.receive_nothing(timeout=0.05)


async def test_the_group_is_left_when_the_last_local_socket_goes(sockets):
    first, second = await sockets(), await sockets()
    await subscribe(first, "widget:1")
    await subscribe(second, "widget:1")
    assert await group_members("widget.1", 1) == 1

    await first.send_json_to({"op": "unsubscribe", "topic": "widget:1"})
    await second.disconnect()
    await asyncio.sleep(0.1)
    assert await group_members("widget.1", 0) == 0


async def test_a_socket_that_subscribes_while_updates_stream_misses_nothing(sockets):
    early = await sockets()
    await subscribe(early, "widget:1")  # version 5
    await database_sync_to_async(publish_committed)("widget:1", 6, {"v": 6})
    assert (await early.receive_json_from(timeout=2))["version"] == 6

    late = await sockets()  # the stored snapshot is still at 5: the hub's ring gives it 6
    snapshot = await subscribe(late, "widget:1")
    rest = [snapshot["version"]]
    if snapshot["version"] < 6:
        rest.append((await late.receive_json_from(timeout=2))["version"])
    assert rest[-1] == 6
    await database_sync_to_async(publish_committed)("widget:1", 7, {"v": 7})
    assert (await late.receive_json_from(timeout=2))["version"] == 7
    assert (await early.receive_json_from(timeout=2))["version"] == 7


# --- slow sockets ---------------------------------------------------------------------------------


def _sub(outlet, name="t:1"):
    return Subscriber(
        name=name, topic=None, params={}, group="t.1", outlet=outlet, on_gap=lambda s: None
    )


async def test_a_slow_socket_is_cut_without_delaying_the_others(settings):
    settings.WS_SEND_QUEUE = 4
    hub = Hub(get_channel_layer())
    received: dict[int, list] = {i: [] for i in range(5)}
    cut: list[int] = []
    stuck = asyncio.Event()  # never set: this peer stopped reading

    def fast_send(i):
        async def send(message):
            received[i].append(message["text"])

        return send

    async def slow_send(message):
        await stuck.wait()

    outlets = [QueueOutlet(fast_send(i), lambda: None, 4) for i in range(5)]
    slow = QueueOutlet(slow_send, lambda: cut.append(1), 4)
    subs = [_sub(o) for o in outlets[:2]] + [_sub(slow)] + [_sub(o) for o in outlets[2:]]
    for sub in subs:
        await hub.attach(sub)
        sub.version = 0

    for version in range(1, 51):
        hub.deliver(
            {
                "group": "t.1",
                "topic": "t:1",
                "msg_type": "update",
                "version": version,
                "data_json": f'{{"v": {version}}}',
            }
        )
        await asyncio.sleep(0)
    await asyncio.sleep(0.05)

    expected = [encode_frame("t:1", "update", v, f'{{"v": {v}}}') for v in range(1, 51)]
    for i in range(5):
        assert received[i] == expected
    assert cut == [1]  # cut once, when its queue overflowed
    assert slow.closed and not slow.queue
    hub.close()


class _Transport:
    def __init__(self, buffered):
        self.dataBuffer = b"x" * buffered
        self.offset = 0
        self._tempDataLen = 0


class _Protocol:
    STATE_OPEN = 1
    state = 1

    def __init__(self, buffered):
        self.transport = _Transport(buffered)
        self.sent = []

    def handle_reply(self, message):
        self.sent.append(message["text"])


def test_daphne_outlet_writes_straight_through_and_cuts_a_full_socket():
    cut = []
    healthy = DaphneOutlet(_Protocol(0), lambda: cut.append("healthy"), 1024)
    backed_up = DaphneOutlet(_Protocol(4096), lambda: cut.append("slow"), 1024)

    assert healthy.put("frame") is True
    assert healthy.protocol.sent == ["frame"]
    assert backed_up.put("frame") is False
    assert backed_up.put("frame") is False
    assert backed_up.protocol.sent == []
    assert cut == ["slow"]


class _RawTransport(_Transport):
    def __init__(self):
        super().__init__(0)
        self.written = []

    def write(self, data):
        self.written.append(data)


@pytest.mark.parametrize("size", [10, 200, 70_000])
def test_daphne_outlet_writes_a_frame_framed_once(size):
    protocol = _Protocol(0)
    protocol.transport = _RawTransport()
    protocol._perMessageCompress = None
    protocol.SEND_STATE_GROUND = 0
    protocol.send_state = 0
    protocol.send_queue = []
    text = "é" * size
    frame = Frame(text)
    DaphneOutlet(protocol, lambda: None, 10**9).put(frame)
    DaphneOutlet(protocol, lambda: None, 10**9).put(frame)

    first, second = protocol.transport.written
    assert first is second  # the same bytes object for every socket
    payload = text.encode()
    assert first[0] == 0x81  # FIN, text
    length, offset = first[1], 2
    if length == 126:
        length, offset = int.from_bytes(first[2:4], "big"), 4
    elif length == 127:
        length, offset = int.from_bytes(first[2:10], "big"), 10
    assert length == len(payload) and first[offset:] == payload
    assert protocol.sent == []


async def test_a_socket_cut_for_slowness_gets_close_code_1013(sockets):
    ws = await sockets()
    await subscribe(ws, "widget:1")
    # The consumer's cut callback closes the socket with 1013 (the client reconnects).
    consumer_close = await _close_code_of_cut(ws)
    assert consumer_close == CLOSE_SLOW


async def _close_code_of_cut(ws):
    hub_groups = [h for h in _all_hubs() if "widget.1" in h.groups and h.groups["widget.1"].subs]
    sub = next(iter(hub_groups[0].groups["widget.1"].subs))
    sub.outlet.limit = 0
    sub.outlet.put("x")  # over its bound: cut
    output = await ws.receive_output(timeout=2)
    return output.get("code")


def _all_hubs():
    return [h for per_loop in hub_module._hubs.values() for h in per_loop.values()]


# --- coalesced snapshots --------------------------------------------------------------------------


async def test_one_snapshot_load_serves_many_subscribers(sockets, pooled):
    watchers = [await sockets() for _ in range(25)]
    snapshots = await asyncio.gather(*(subscribe(ws, "pooled:1") for ws in watchers))

    assert {(s["type"], s["version"]) for s in snapshots} == {("snapshot", 3)}
    assert all(s["data"] == {"name": "pool"} for s in snapshots)
    assert pooled.loads == 1
    assert pooled.views == [None]  # one anonymous view, encoded once

    # A late subscriber within the same version reuses it too.
    late = await sockets()
    assert (await subscribe(late, "pooled:1"))["version"] == 3
    assert pooled.loads == 1


async def test_signed_in_users_get_their_own_view_of_the_shared_load(
    sockets, pooled, owner, stranger
):
    a, b, anon = await sockets(user=owner), await sockets(user=stranger), await sockets()
    got = await asyncio.gather(
        subscribe(a, "pooled:1"), subscribe(b, "pooled:1"), subscribe(anon, "pooled:1")
    )

    assert [m["data"].get("for") for m in got] == ["owner", "stranger", None]
    assert pooled.loads == 1
    assert sorted(pooled.views, key=str) == sorted([owner.pk, stranger.pk, None], key=str)


async def test_a_gap_resnapshots_every_socket_from_one_load(sockets, pooled, settings):
    settings.WS_REORDER_TIMEOUT = 0.2
    watchers = [await sockets() for _ in range(10)]
    await asyncio.gather(*(subscribe(ws, "pooled:1") for ws in watchers))
    assert pooled.loads == 1

    pooled.state = {"version": 5, "data": {"name": "after the gap"}}
    await database_sync_to_async(publish_committed)("pooled:1", 5, {"v": 5})  # 4 never comes

    for ws in watchers:
        message = await ws.receive_json_from(timeout=3)
        assert (message["type"], message["version"]) == ("snapshot", 5)
        assert message["data"] == {"name": "after the gap"}
        assert await ws.receive_nothing(timeout=0.05)
    assert pooled.loads == 2  # one re-snapshot for the process, not one per socket


async def test_a_missing_coalesced_topic_is_not_found(sockets, pooled):
    ws = await sockets()
    await ws.send_json_to({"op": "subscribe", "topic": "pooled:404"})
    error = await ws.receive_json_from(timeout=3)
    assert (error["type"], error["code"]) == ("error", "not_found")
