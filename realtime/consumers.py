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

Ordering: per topic the consumer remembers the last version sent. An older or equal version is
dropped; the next one is sent; a later one is held back until the gap fills, and if it does not
fill within WS_REORDER_TIMEOUT seconds a fresh snapshot replaces the missing updates.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
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
from realtime.topics import Topic, TopicNotFound, UnknownTopic, resolve

logger = structlog.get_logger(__name__)

CLOSE_INVALID_TICKET = 4401
CLOSE_IDLE = 4408
CLOSE_TOO_BIG = 1009  # RFC 6455: message too big
CLOSE_THROTTLED = WS_THROTTLED_CLOSE_CODE  # 4429

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


@dataclass
class Subscription:
    name: str
    topic: Topic
    params: dict
    group: str
    version: int | None = None  # last version sent; None until the snapshot went out
    pending: dict[int, dict] = field(default_factory=dict)  # early updates by version
    gap_task: asyncio.Task | None = None


class RealtimeConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.user = AnonymousUser()
        self.subs: dict[str, Subscription] = {}
        self.lock = asyncio.Lock()
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
            sub = Subscription(name=name, topic=topic, params=params, group=group)
            # Join before the snapshot: an update committed meanwhile is queued, then delivered
            # or dropped by version, never missed.
            self.subs[name] = sub
            await self.channel_layer.group_add(group, self.channel_name)
            WS_SUBSCRIPTIONS.labels(topic.kind).inc()
            await self._resnapshot(sub)

    async def _unsubscribe(self, name):
        async with self.lock:
            sub = self.subs.get(name) if isinstance(name, str) else None
            if sub is not None:
                await self._drop(sub)

    # --- server → client ----------------------------------------------------------------------

    async def realtime_message(self, event):
        """A versioned update from `broadcast.publish*` (channel-layer type `realtime.message`)."""
        async with self.lock:
            sub = self.subs.get(event["topic"])
            if sub is None or sub.version is None:
                return
            version = event["version"]
            if version <= sub.version:
                return  # stale or duplicate
            sub.pending[version] = event
            await self._flush(sub)

    async def _flush(self, sub: Subscription):
        """Send held-back updates that are next in line; arm the gap timer if some remain."""
        for version in [v for v in sub.pending if v <= sub.version]:
            del sub.pending[version]
        while sub.version + 1 in sub.pending:
            event = sub.pending.pop(sub.version + 1)
            await self._send_encoded(sub, event["msg_type"], event["version"], event["data_json"])
        if not sub.pending:
            self._cancel_gap_timer(sub)
        elif sub.gap_task is None:
            sub.gap_task = asyncio.create_task(self._gap_timeout(sub))

    async def _gap_timeout(self, sub: Subscription):
        await asyncio.sleep(_setting("WS_REORDER_TIMEOUT", 2.0))
        async with self.lock:
            sub.gap_task = None
            if self.subs.get(sub.name) is sub and sub.pending:
                logger.info("version gap not filled, sending a snapshot", topic=sub.name)
                await self._resnapshot(sub)

    async def _resnapshot(self, sub: Subscription):
        """Load authorize + snapshot in a thread and send it; drops the subscription on refusal."""
        try:
            allowed, version, data = await database_sync_to_async(self._load)(sub)
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
        await self._send_versioned(sub, "snapshot", version, data)
        await self._flush(sub)

    def _load(self, sub: Subscription):
        if not sub.topic.authorize(self.user, **sub.params):
            return False, None, None
        version, data = sub.topic.snapshot(self.user, **sub.params)
        return True, int(version), data

    async def _send_versioned(self, sub, type_, version, data):
        sub.version = version
        await self.send_json({"topic": sub.name, "type": type_, "version": version, "data": data})

    async def _send_encoded(self, sub, type_, version: int, data_json: str):
        """Send an update whose data the publisher already encoded (once for all sockets)."""
        sub.version = version
        head = json.dumps({"topic": sub.name, "type": type_, "version": version})
        await self.send(text_data=f'{head[:-1]}, "data": {data_json}}}')

    async def _drop(self, sub: Subscription):
        self._cancel_gap_timer(sub)
        if self.subs.get(sub.name) is not sub:
            return
        del self.subs[sub.name]
        WS_SUBSCRIPTIONS.labels(sub.topic.kind).dec()
        if not any(other.group == sub.group for other in self.subs.values()):
            await self.channel_layer.group_discard(sub.group, self.channel_name)

    def _cancel_gap_timer(self, sub: Subscription):
        task, sub.gap_task = sub.gap_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()

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
