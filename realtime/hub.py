"""The per-process fan-out hub: one channel-layer subscription per process and group.

A process (an event loop, really) has one `Hub` per channel layer. The hub owns one layer channel
and joins each topic group once, when the first local socket subscribes to it (and leaves it when
the last one goes). `broadcast.publish*` sends one layer message per group; the hub receives it
once, encodes the frame once, puts it in version order and writes it to every local socket of the
group through that socket's `Outlet` — no per-consumer layer message, dispatch or database hop.

Per group the hub keeps:

- the last version released and the updates that arrived early (held back until the gap fills, or
  for at most WS_REORDER_TIMEOUT seconds; then released, and every socket that sees the jump
  re-snapshots — through the coalesced snapshot below, not a load per socket);
- a ring of the last WS_HUB_RING frames, so a socket whose snapshot is at version v gets the frames
  after v from it (the socket is attached before its snapshot is loaded, so nothing in between is
  lost);
- the coalesced snapshot: one `Topic.load()` per topic and version per process, shared by every
  socket that asks for it, with the per-user part (`Topic.view()`) computed once per
  `Topic.view_key()` (one encoded frame for all anonymous sockets, say). Topics without `load()`
  (`me`: a snapshot is one user's) keep their per-socket `authorize` + `snapshot`.

Slow sockets: an outlet is bounded (daphne: bytes waiting in the socket's transport, over
WS_SEND_BUFFER_BYTES; other servers: WS_SEND_QUEUE frames in a per-socket queue with one writer
task). A socket over its bound is closed with 1013 ("try again later"); the client reconnects and
re-subscribes, which gives it a fresh snapshot. The others are never held up by it.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import json
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from channels.db import database_sync_to_async
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from core.metrics import WS_SLOW_CLOSED, WS_SNAPSHOT_LOADS
from realtime.topics import Topic

logger = structlog.get_logger(__name__)

CLOSE_SLOW = 1013  # RFC 6455 "try again later": the client reconnects and re-snapshots
# Re-join the groups now and then: well inside the layers' group expiry (a day), and soon after a
# Redis restart that lost the memberships.
GROUP_REFRESH_SECONDS = 60.0
REJOIN_AFTER = 1.0  # a subscribe re-joins a group joined longer ago than this


def _setting(name: str, default):
    return getattr(settings, name, default)


def encode_frame(topic: str, type_: str, version: int, data_json: str) -> str:
    """`{"topic", "type", "version", "data"}` with `data` already encoded (once for all sockets)."""
    head = json.dumps({"topic": topic, "type": type_, "version": version})
    return f'{head[:-1]}, "data": {data_json}}}'


class Frame:
    """One message for many sockets: its text, and (daphne) its WebSocket wire bytes, framed once.

    Server-to-client frames are not masked, so a text frame is the same bytes for every socket
    that did not negotiate permessage-deflate: autobahn's per-socket `sendMessage` (checks,
    statistics, framing, a debug log call) is then replaced by one `transport.write`.
    """

    __slots__ = ("_wire", "text")

    def __init__(self, text: str):
        self.text = text
        self._wire = None

    @property
    def wire(self) -> bytes:
        if self._wire is None:
            payload = self.text.encode("utf8")
            n = len(payload)
            if n < 126:
                head = bytes((0x81, n))
            elif n < 65536:
                head = bytes((0x81, 126)) + n.to_bytes(2, "big")
            else:
                head = bytes((0x81, 127)) + n.to_bytes(8, "big")
            self._wire = head + payload
        return self._wire


def as_frame(frame: Frame | str) -> Frame:
    return frame if isinstance(frame, Frame) else Frame(frame)


# --- outlets: how a frame reaches one socket --------------------------------------------------------


class Outlet:
    """One socket's way out, bounded. `put(frame)` never waits; False means the socket was cut."""

    closed = False

    def put(self, frame: Frame | str) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        self.closed = True


class QueueOutlet(Outlet):
    """A bounded queue and one writer task (servers whose `send` may wait for the peer)."""

    def __init__(self, send: Callable, on_slow: Callable[[], Any], limit: int):
        self.send = send
        self.on_slow = on_slow
        self.limit = limit
        self.queue: collections.deque[str] = collections.deque()
        self.wake: asyncio.Event | None = None
        self.writer: asyncio.Task | None = None

    def put(self, frame: Frame | str) -> bool:
        if self.closed:
            return False
        if len(self.queue) >= self.limit:
            self._cut()
            return False
        self.queue.append(frame.text if isinstance(frame, Frame) else frame)
        if self.writer is None:
            self.wake = asyncio.Event()
            self.writer = asyncio.get_running_loop().create_task(self._write())
        self.wake.set()
        return True

    async def _write(self):
        try:
            while not self.closed:
                while self.queue and not self.closed:
                    await self.send({"type": "websocket.send", "text": self.queue.popleft()})
                self.wake.clear()
                await self.wake.wait()
        except asyncio.CancelledError:
            pass
        except Exception:  # the socket went away under us: the consumer's disconnect cleans up
            self.closed = True

    def _cut(self):
        self.close()
        WS_SLOW_CLOSED.inc()
        self.on_slow()

    def close(self) -> None:
        self.closed = True
        self.queue.clear()
        if self.writer is not None and self.writer is not asyncio.current_task():
            self.writer.cancel()


class DaphneOutlet(Outlet):
    """daphne's `send` never waits: it hands the frame to Twisted, which buffers what the peer
    has not taken yet. The bound is on those buffered bytes, and a frame is written straight away
    (no task, no queue of our own)."""

    def __init__(self, protocol, on_slow: Callable[[], Any], limit_bytes: int):
        self.protocol = protocol
        self.on_slow = on_slow
        self.limit = limit_bytes

    @staticmethod
    def for_send(send, on_slow, limit_bytes) -> DaphneOutlet | None:
        """The daphne outlet for this ASGI `send`, or None when the server is not daphne."""
        if not isinstance(send, functools.partial) or not send.args:
            return None
        protocol = send.args[0]
        owner = getattr(send.func, "__self__", None)
        if type(owner).__module__ != "daphne.server" or not hasattr(protocol, "transport"):
            return None
        return DaphneOutlet(protocol, on_slow, limit_bytes)

    def buffered(self) -> int:
        transport = getattr(self.protocol, "transport", None)
        if transport is None:
            return 0
        data = getattr(transport, "dataBuffer", b"")
        return len(data) - getattr(transport, "offset", 0) + getattr(transport, "_tempDataLen", 0)

    def put(self, frame: Frame | str) -> bool:
        if self.closed:
            return False
        protocol = self.protocol
        if protocol.state != protocol.STATE_OPEN:
            return False
        if self.buffered() > self.limit:
            self.close()
            WS_SLOW_CLOSED.inc()
            self.on_slow()
            return False
        frame = as_frame(frame)
        if (
            getattr(protocol, "_perMessageCompress", True) is None
            and getattr(protocol, "send_state", None) == getattr(protocol, "SEND_STATE_GROUND", 0)
            and not getattr(protocol, "send_queue", True)
            and protocol.transport is not None
        ):
            protocol.transport.write(frame.wire)  # framed once for every socket
        else:
            protocol.handle_reply({"type": "websocket.send", "text": frame.text})
        return True


def make_outlet(send, on_slow) -> Outlet:
    outlet = DaphneOutlet.for_send(send, on_slow, int(_setting("WS_SEND_BUFFER_BYTES", 256 * 1024)))
    if outlet is None:
        outlet = QueueOutlet(send, on_slow, int(_setting("WS_SEND_QUEUE", 256)))
    return outlet


# --- the hub -------------------------------------------------------------------------------------


@dataclass(eq=False)
class Subscriber:
    """One socket's subscription to one topic, as the hub sees it."""

    name: str  # topic name
    topic: Topic
    params: dict
    group: str
    outlet: Outlet
    on_gap: Callable[[Subscriber], Any]  # the socket missed a version: re-snapshot it
    version: int | None = None  # last version sent; None while its snapshot is being prepared


@dataclass
class _Snapshot:
    version: int
    shared: Any
    loaded_at: float
    views: dict = field(default_factory=dict)  # view_key -> Future[(allowed, frame)]


@dataclass(eq=False)
class _Group:
    name: str
    subs: dict[Subscriber, None] = field(default_factory=dict)  # insertion-ordered set
    last: int | None = None  # last version released to the sockets
    pending: dict[int, Frame] = field(default_factory=dict)  # version -> frame, arrived early
    ring: collections.deque = field(default_factory=collections.deque)  # (version, frame)
    gap_task: asyncio.Task | None = None
    joined: asyncio.Future | None = None
    joined_at: float = 0.0


class Hub:
    def __init__(self, layer):
        self.layer = layer
        self.loop = asyncio.get_running_loop()
        self.channel: str | None = None
        self.groups: dict[str, _Group] = {}
        self.snapshots: dict[str, _Snapshot] = {}  # topic name -> latest shared load
        self.loading: dict[str, asyncio.Future] = {}  # topic name -> in-flight load
        self.receiver: asyncio.Task | None = None
        self.refresher: asyncio.Task | None = None
        self.ring_size = int(_setting("WS_HUB_RING", 128))
        self.reorder_timeout = float(_setting("WS_REORDER_TIMEOUT", 2.0))
        self.snapshot_max_age = float(_setting("WS_SNAPSHOT_MAX_AGE", 1.0))
        self._started: asyncio.Future | None = None

    # --- membership ------------------------------------------------------------------------------

    async def _start(self):
        if self._started is None:
            self._started = self.loop.create_future()
            try:
                self.channel = await self.layer.new_channel()
            except Exception as exc:
                self._started.set_exception(exc)
                self._started = None
                raise
            self.receiver = self.loop.create_task(self._receive())
            self.refresher = self.loop.create_task(self._refresh())
            self._started.set_result(None)
        await asyncio.shield(self._started)

    async def attach(self, sub: Subscriber) -> None:
        """Start delivering the group's frames to `sub` (joins the group on the first)."""
        await self._start()
        group = self.groups.get(sub.group)
        if group is None:
            group = self.groups[sub.group] = _Group(sub.group)
            group.ring = collections.deque(maxlen=self.ring_size)
        group.subs[sub] = None
        if (
            group.joined is not None
            and group.joined.done()
            and time.monotonic() - group.joined_at > REJOIN_AFTER
        ):
            # A membership the layer may have lost (a Redis restart): join again, at most once
            # a second however many sockets subscribe.
            group.joined = None
        if group.joined is None:
            group.joined = self.loop.create_future()
            group.joined_at = time.monotonic()
            try:
                await self.layer.group_add(sub.group, self.channel)
            except Exception as exc:
                group.joined.set_exception(exc)
                group.joined.exception()  # retrieved: no "never retrieved" warning
                group.joined = None
                group.subs.pop(sub, None)
                raise
            group.joined.set_result(None)
        else:
            await asyncio.shield(group.joined)

    async def detach(self, sub: Subscriber) -> None:
        group = self.groups.get(sub.group)
        if group is None or sub not in group.subs:
            return
        del group.subs[sub]
        if group.subs:
            return
        del self.groups[sub.group]
        if group.gap_task is not None:
            group.gap_task.cancel()
        if group.joined is not None and group.joined.done() and not group.joined.exception():
            try:
                await self.layer.group_discard(sub.group, self.channel)
            except Exception:
                logger.exception("hub group_discard failed", group=sub.group)

    async def _refresh(self):
        """Group membership expires in the layers (a day); the hub lives longer than a socket."""
        while True:
            await asyncio.sleep(GROUP_REFRESH_SECONDS)
            for name, group in list(self.groups.items()):
                if group.joined is not None and group.joined.done():
                    try:
                        await self.layer.group_add(name, self.channel)
                    except Exception:
                        logger.exception("hub group refresh failed", group=name)

    # --- updates ---------------------------------------------------------------------------------

    async def _receive(self):
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("hub receive failed")
                await asyncio.sleep(0.5)
                continue
            try:
                self.deliver(message)
            except Exception:
                logger.exception("hub delivery failed")

    def deliver(self, message: dict) -> None:
        """One layer message from `broadcast`: order it and write it to the group's sockets."""
        group = self.groups.get(message.get("group"))
        if group is None:
            return
        version = int(message["version"])
        frame = Frame(
            encode_frame(message["topic"], message["msg_type"], version, message["data_json"])
        )
        if group.last is None or version == group.last + 1:
            self._release(group, version, frame)
            self._release_pending(group)
        elif version > group.last + 1:
            group.pending[version] = frame
            if group.gap_task is None:
                group.gap_task = self.loop.create_task(self._gap_timeout(group))
        # else: stale or duplicate — already released

    def _release(self, group: _Group, version: int, frame: Frame) -> None:
        group.last = version
        group.ring.append((version, frame))
        # A shared snapshot older than this version is not handed out again (`_fresh`); a
        # socket that got it already gets this frame below or from the ring.
        for sub in list(group.subs):
            if sub.version is None or version <= sub.version:
                continue  # snapshot pending (the ring replays it) or already has it
            if version == sub.version + 1:
                sub.version = version
                sub.outlet.put(frame)
            else:
                sub.on_gap(sub)

    def _release_pending(self, group: _Group) -> None:
        while group.last + 1 in group.pending:
            version = group.last + 1
            self._release(group, version, group.pending.pop(version))
        for version in [v for v in group.pending if v <= group.last]:
            del group.pending[version]
        if not group.pending and group.gap_task is not None:
            if group.gap_task is not asyncio.current_task():
                group.gap_task.cancel()
            group.gap_task = None

    async def _gap_timeout(self, group: _Group):
        await asyncio.sleep(self.reorder_timeout)
        group.gap_task = None
        if not group.pending:
            return
        logger.info("version gap not filled, releasing the later updates", group=group.name)
        for version in sorted(group.pending):
            self._release(group, version, group.pending.pop(version))

    def catch_up(self, sub: Subscriber) -> bool:
        """After `sub`'s snapshot went out: send it the ring's frames after its version.
        False when the ring no longer reaches back that far (the caller re-snapshots)."""
        group = self.groups.get(sub.group)
        if group is None:
            return True
        if group.last is None:
            # The first snapshot of a group is its baseline: frames up to it are stale.
            group.last = sub.version
            self._release_pending(group)
            return True
        if sub.version >= group.last:
            return True
        for version, frame in group.ring:
            if version <= sub.version:
                continue
            if version != sub.version + 1:
                return False
            sub.version = version
            if not sub.outlet.put(frame):
                return True
        return sub.version >= group.last

    # --- coalesced snapshots -----------------------------------------------------------------------

    async def snapshot(self, sub: Subscriber, user) -> tuple[bool, int | None, str | None]:
        """`(allowed, version, frame)` for `sub`'s socket. Raises what the topic raises
        (`TopicNotFound`, …)."""
        topic = sub.topic
        if not topic.coalesced():
            WS_SNAPSHOT_LOADS.labels(topic.kind).inc()
            allowed, version, data = await database_sync_to_async(_load_one)(
                topic, user, sub.params
            )
            if not allowed:
                return False, None, None
            return True, version, encode_frame(sub.name, "snapshot", version, _encode(data))
        entry = await self._shared(sub)
        key = topic.view_key(user, **sub.params)
        view = entry.views.get(key)
        if view is None:
            view = entry.views[key] = self.loop.create_future()
            try:
                allowed, data = await database_sync_to_async(topic.view)(
                    user, entry.shared, **sub.params
                )
                frame = (
                    Frame(encode_frame(sub.name, "snapshot", entry.version, _encode(data)))
                    if allowed
                    else None
                )
            except BaseException as exc:
                entry.views.pop(key, None)
                view.set_exception(exc)
                view.exception()
                raise
            view.set_result((allowed, frame))
        allowed, frame = await asyncio.shield(view)
        return allowed, (entry.version if allowed else None), frame

    def _fresh(self, name: str, group_name: str) -> _Snapshot | None:
        entry = self.snapshots.get(name)
        if entry is None or time.monotonic() - entry.loaded_at > self.snapshot_max_age:
            return None
        group = self.groups.get(group_name)
        if group is None or group.last is None or entry.version >= group.last:
            return entry
        return None  # an update came since: one new load for the new version

    async def _shared(self, sub: Subscriber) -> _Snapshot:
        entry = self._fresh(sub.name, sub.group)
        if entry is not None:
            return entry
        future = self.loading.get(sub.name)
        if future is None:
            future = self.loading[sub.name] = self.loop.create_future()
            try:
                WS_SNAPSHOT_LOADS.labels(sub.topic.kind).inc()
                version, shared = await database_sync_to_async(sub.topic.load)(**sub.params)
                entry = _Snapshot(version=int(version), shared=shared, loaded_at=time.monotonic())
                self.snapshots[sub.name] = entry
            except BaseException as exc:
                future.set_exception(exc)
                future.exception()
                raise
            finally:
                self.loading.pop(sub.name, None)
            future.set_result(entry)
            return entry
        return await asyncio.shield(future)

    def forget(self, name: str) -> None:
        self.snapshots.pop(name, None)

    def close(self) -> None:
        for task in (self.receiver, self.refresher):
            if task is not None:
                task.cancel()
        for group in self.groups.values():
            if group.gap_task is not None:
                group.gap_task.cancel()


def _load_one(topic: Topic, user, params: dict):
    if not topic.authorize(user, **params):
        return False, None, None
    version, data = topic.snapshot(user, **params)
    return True, int(version), data


def _encode(data) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder)


_hubs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def get_hub(layer) -> Hub:
    """This event loop's hub for `layer` (created on first use)."""
    loop = asyncio.get_running_loop()
    per_loop = _hubs.get(loop)
    if per_loop is None:
        per_loop = _hubs[loop] = {}
    hub = per_loop.get(id(layer))
    if hub is None or hub.layer is not layer:
        hub = per_loop[id(layer)] = Hub(layer)
    return hub
