"""The one WebSocket endpoint, `/ws/`: many topics over one socket.

Protocol (shared/DESIGN.md):

    client → {"op": "subscribe", "topic": "club:1"}     server → {"topic", "type": "snapshot", "version", "data"}
                                                        server → {"topic", "type": "update", "version", "data"} …
    client → {"op": "unsubscribe", "topic": "club:1"}
    client → {"op": "ping"}                             server → {"type": "pong"}
    server → {"type": "ping"} (every WS_PING_INTERVAL)  client → {"op": "pong"}
    server → {"type": "error", "code", "detail", "topic"?}     (the socket stays open)

Authentication: `/ws/?ticket=<one-time ticket>` from `POST /api/realtime/ticket/`. No ticket means
anonymous (public topics only). A bad, used or expired ticket: the connection is accepted, gets an
`invalid_ticket` error and is closed with code 4401 — accepting first lets the client read why
(a refused handshake only shows as a generic failure in a browser) and fetch a new ticket.

Other close codes: 4408 when the client sent nothing (not even a pong) for WS_IDLE_TIMEOUT seconds;
1009 for a message over WS_MAX_MESSAGE_BYTES (not parsed); 4429 for a client over its limits.

Limits (with RATE_LIMITS_ENABLED): per connection WS_MESSAGE_BURST messages at once, then
WS_MESSAGE_RATE per second — a message over it gets a `rate_limited` error and is dropped, and a
client that keeps going is closed with 4429; open sockets per signed-in user
(WS_MAX_SOCKETS_PER_USER) and per address (WS_MAX_SOCKETS_PER_IP, generous: a club's players
share one address), counted across processes (core/ratelimit.py) — one over them gets a
`too_many_sockets` error and is closed with 4429.

Fan-out (realtime/hub.py): the consumer does not join channel-layer groups itself. It attaches
each subscription to the process's hub, which holds one layer subscription per group, puts the
updates in version order (holding back one that arrives early until the gap fills, for at most
WS_REORDER_TIMEOUT seconds) and writes the encoded frame to every local socket. Snapshots come
from the hub too (one load per topic and version per process, shared); a socket that sees a
version jump is re-snapshotted from that shared load. A socket that does not keep up with its
updates is closed with 1013 (the client reconnects and re-subscribes).
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs

import structlog
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _

from core.metrics import RATE_LIMITED, WEBSOCKETS_CONNECTED, WS_SUBSCRIPTIONS
from core.ratelimit import (
    WS_THROTTLED_CLOSE_CODE,
    MessageRate,
    scope_client_ip,
    sockets_close,
    sockets_open,
)
from realtime import services
from realtime.hub import CLOSE_SLOW, Subscriber, get_hub, make_outlet
from realtime.topics import TopicNotFound, UnknownTopic, resolve

logger = structlog.get_logger(__name__)

CLOSE_INVALID_TICKET = 4401
CLOSE_IDLE = 4408
CLOSE_TOO_BIG = 1009  # RFC 6455: message too big
CLOSE_THROTTLED = WS_THROTTLED_CLOSE_CODE  # 4429
CLOSE_TOO_SLOW = CLOSE_SLOW  # 1013: the socket did not keep up with its updates

ERR_BAD_JSON = "bad_json"
ERR_UNKNOWN_OP = "unknown_op"
ERR_UNKNOWN_TOPIC = "unknown_topic"
ERR_NOT_FOUND = "not_found"
ERR_FORBIDDEN = "forbidden"
ERR_TOO_MANY = "too_many_subscriptions"
ERR_INVALID_TICKET = "invalid_ticket"
ERR_UNAVAILABLE = "unavailable"
ERR_TOO_LARGE = "too_large"
ERR_RATE_LIMITED = "rate_limited"
ERR_TOO_MANY_SOCKETS = "too_many_sockets"


def _setting(name: str, default):
    return getattr(settings, name, default)


class RealtimeConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.user = AnonymousUser()
        self.subs: dict[str, Subscriber] = {}
        self.lock = asyncio.Lock()
        self.hub = get_hub(self.channel_layer)
        self.outlet = make_outlet(self.base_send, self._too_slow)
        self.resyncing: set[str] = set()
        self.loop = asyncio.get_running_loop()
        self.last_seen = self.loop.time()
        self.keepalive_task = None
        self.counted = False
        self.registered: list[tuple[str, str]] = []  # (scope, ident) this socket is counted in
        self.limited = bool(_setting("RATE_LIMITS_ENABLED", False))
        self.rate = MessageRate(
            rate=float(_setting("WS_MESSAGE_RATE", 5)), burst=int(_setting("WS_MESSAGE_BURST", 30))
        )
        self.rate_error_at = None

        await self.accept()
        WEBSOCKETS_CONNECTED.inc()
        self.counted = True

        ticket = self._query_param("ticket")
        if ticket is not None:
            user = await database_sync_to_async(services.ticket_consume)(ticket=ticket)
            if user is None:
                await self._error(
                    ERR_INVALID_TICKET,
                    _("The connection ticket is invalid, expired or already used."),
                )
                await self.close(code=CLOSE_INVALID_TICKET)
                return
            self.user = user
        if self.limited and not await self._register_socket():
            await self._error(
                ERR_TOO_MANY_SOCKETS, _("Too many connections are open. Close another one first.")
            )
            await self.close(code=CLOSE_THROTTLED)
            return
        self.keepalive_task = asyncio.create_task(self._keepalive())

    async def disconnect(self, code):
        if getattr(self, "outlet", None) is not None:
            self.outlet.close()
        if self.keepalive_task is not None and self.keepalive_task is not asyncio.current_task():
            self.keepalive_task.cancel()
        for sub in list(getattr(self, "subs", {}).values()):
            await self._drop(sub)
        for scope, ident in getattr(self, "registered", []):
            await sync_to_async(sockets_close, thread_sensitive=False)(
                scope, ident, self.channel_name
            )
        self.registered = []
        if getattr(self, "counted", False):
            WEBSOCKETS_CONNECTED.dec()
            self.counted = False

    # --- client → server ----------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        self.last_seen = self.loop.time()
        raw = text_data if text_data is not None else bytes_data
        if raw is not None and len(raw) > int(_setting("WS_MAX_MESSAGE_BYTES", 4096)):
            # Not parsed: a client message is a small JSON object.
            await self._error(ERR_TOO_LARGE, _("The message is too large."))
            await self.close(code=CLOSE_TOO_BIG)
            return
        if self.limited and not self.rate.take():
            await self._rate_limited()
            return
        try:
            content = json.loads(text_data if text_data is not None else bytes_data)
        except (TypeError, ValueError):
            await self._error(ERR_BAD_JSON, _("The message is not valid JSON."))
            return
        if not isinstance(content, dict):
            await self._error(ERR_BAD_JSON, _("The message must be a JSON object."))
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        op = content.get("op")
        if op == "subscribe":
            await self._subscribe(content.get("topic"))
        elif op == "unsubscribe":
            await self._unsubscribe(content.get("topic"))
        elif op == "ping":
            await self.send_json({"type": "pong"})
        elif op == "pong":
            pass  # receiving it already counted as activity
        else:
            await self._error(ERR_UNKNOWN_OP, _("Unknown operation."))

    async def _subscribe(self, name):
        try:
            topic, params = resolve(name)
        except UnknownTopic:
            await self._error(ERR_UNKNOWN_TOPIC, _("There is no such topic."), topic=name)
            return
        if not topic.public and not self.user.is_authenticated:
            await self._error(ERR_FORBIDDEN, _("Sign in to watch this topic."), topic=name)
            return
        async with self.lock:
            sub = self.subs.get(name)
            if sub is not None:
                # Subscribing again is how a client asks for a fresh snapshot.
                await self._resnapshot(sub)
                return
            if len(self.subs) >= _setting("WS_MAX_SUBSCRIPTIONS", 50):
                await self._error(
                    ERR_TOO_MANY, _("Too many subscriptions on one connection."), topic=name
                )
                return
            try:
                group = topic.group(self.user, **params)
            except Exception:
                logger.exception("topic group failed", topic=name)
                await self._error(ERR_UNAVAILABLE, _("The topic is unavailable."), topic=name)
                return
            sub = Subscriber(
                name=name,
                topic=topic,
                params=params,
                group=group,
                outlet=self.outlet,
                on_gap=self._gap,
            )
            # Attach before the snapshot: an update committed meanwhile is in the hub's ring
            # when the snapshot goes out, then delivered or skipped by version, never missed.
            try:
                await self.hub.attach(sub)
            except Exception:
                logger.exception("hub attach failed", topic=name)
                await self._error(ERR_UNAVAILABLE, _("The topic is unavailable."), topic=name)
                return
            self.subs[name] = sub
            WS_SUBSCRIPTIONS.labels(topic.kind).inc()
            await self._resnapshot(sub)

    async def _unsubscribe(self, name):
        async with self.lock:
            sub = self.subs.get(name) if isinstance(name, str) else None
            if sub is not None:
                await self._drop(sub)

    # --- server → client ----------------------------------------------------------------------

    def _gap(self, sub: Subscriber):
        """The hub saw this socket miss a version (a gap the hub gave up waiting for, or a
        shared snapshot the ring no longer reaches): send it a fresh snapshot."""
        if sub.name in self.resyncing or self.subs.get(sub.name) is not sub:
            return
        sub.version = None  # no live frames until the snapshot went out (the ring replays them)
        self.resyncing.add(sub.name)
        task = self.loop.create_task(self._resync(sub))
        task.add_done_callback(lambda _t: self.resyncing.discard(sub.name))

    async def _resync(self, sub: Subscriber):
        async with self.lock:
            if self.subs.get(sub.name) is sub:
                logger.info("version gap, sending a snapshot", topic=sub.name)
                await self._resnapshot(sub)

    def _too_slow(self):
        logger.info("socket too slow for its updates, closing", user=getattr(self.user, "pk", None))
        self.loop.create_task(self.close(code=CLOSE_TOO_SLOW))

    async def _resnapshot(self, sub: Subscriber):
        """Authorize + snapshot (shared through the hub) and send it, then the updates after it;
        drops the subscription on refusal."""
        for _attempt in range(3):
            sub.version = None
            try:
                allowed, version, frame = await self.hub.snapshot(sub, self.user)
            except TopicNotFound:
                await self._drop(sub)
                await self._error(ERR_NOT_FOUND, _("This topic does not exist."), topic=sub.name)
                return
            except Exception:
                logger.exception("topic snapshot failed", topic=sub.name)
                await self._drop(sub)
                await self._error(ERR_UNAVAILABLE, _("The topic is unavailable."), topic=sub.name)
                return
            if not allowed:
                await self._drop(sub)
                await self._error(ERR_FORBIDDEN, _("You may not watch this topic."), topic=sub.name)
                return
            if self.subs.get(sub.name) is not sub:
                return
            sub.version = version
            if not self.outlet.put(frame):
                return
            if self.hub.catch_up(sub):
                return
            self.hub.forget(sub.name)  # too old for the ring: the next try loads afresh

    async def _drop(self, sub: Subscriber):
        if self.subs.get(sub.name) is not sub:
            return
        del self.subs[sub.name]
        WS_SUBSCRIPTIONS.labels(sub.topic.kind).dec()
        await self.hub.detach(sub)

    async def _keepalive(self):
        """Ping every WS_PING_INTERVAL; close a socket silent for WS_IDLE_TIMEOUT."""
        ping_every = float(_setting("WS_PING_INTERVAL", 30))
        idle_after = float(_setting("WS_IDLE_TIMEOUT", 120))
        next_ping = self.loop.time() + ping_every
        while True:
            await asyncio.sleep(
                max(0.0, min(next_ping, self.last_seen + idle_after) - self.loop.time())
            )
            now = self.loop.time()
            if now >= self.last_seen + idle_after:
                await self.close(code=CLOSE_IDLE)
                return
            if now >= next_ping:
                await self.send_json({"type": "ping"})
                await self._refresh_registration()
                next_ping = now + ping_every

    async def _rate_limited(self):
        RATE_LIMITED.labels(kind="websocket-message", rule="message rate").inc()
        if self.rate.exhausted:
            await self.close(code=CLOSE_THROTTLED)
            return
        now = self.loop.time()
        if self.rate_error_at is None or now - self.rate_error_at >= 1:
            # One error a second at most: the answer must not be the flood's amplifier.
            self.rate_error_at = now
            await self._error(ERR_RATE_LIMITED, _("Too many messages. Slow down."))

    def _socket_limits(self) -> list[tuple[str, str, int]]:
        limits = [
            ("ws-ip", scope_client_ip(self.scope), int(_setting("WS_MAX_SOCKETS_PER_IP", 500)))
        ]
        if self.user.is_authenticated:
            limits.append(
                ("ws-user", str(self.user.pk), int(_setting("WS_MAX_SOCKETS_PER_USER", 10)))
            )
        return limits

    def _socket_ttl(self) -> float:
        return 3 * float(_setting("WS_PING_INTERVAL", 30)) + 5

    async def _register_socket(self) -> bool:
        """Count this socket for its address and user; False (and nothing counted) when one of
        them already has its maximum open."""
        register = sync_to_async(sockets_open, thread_sensitive=False)
        for scope, ident, limit in self._socket_limits():
            count = await register(scope, ident, self.channel_name, ttl=self._socket_ttl())
            self.registered.append((scope, ident))
            if count > limit:
                RATE_LIMITED.labels(kind="websocket-sockets", rule=scope).inc()
                for registered_scope, registered_ident in self.registered:
                    await sync_to_async(sockets_close, thread_sensitive=False)(
                        registered_scope, registered_ident, self.channel_name
                    )
                self.registered = []
                return False
        return True

    async def _refresh_registration(self):
        refresh = sync_to_async(sockets_open, thread_sensitive=False)
        for scope, ident in self.registered:
            await refresh(scope, ident, self.channel_name, ttl=self._socket_ttl())

    async def _error(self, code: str, detail: str, topic=None):
        body = {"type": "error", "code": code, "detail": str(detail)}
        if topic is not None:
            body["topic"] = topic if isinstance(topic, str) else str(topic)
        await self.send_json(body)

    def _query_param(self, name: str) -> str | None:
        query = parse_qs(
            self.scope.get("query_string", b"").decode("latin1"), keep_blank_values=True
        )
        values = query.get(name)
        return values[0] if values else None

    @classmethod
    async def encode_json(cls, content):
        return json.dumps(content, cls=DjangoJSONEncoder)
