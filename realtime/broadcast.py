"""Broadcast on commit: the only way anything reaches a WebSocket.

Services call `publish()` / `publish_to_user()` *inside* the transaction that made the change; the
message leaves through the channel layer only after that transaction commits, and never if it
rolls back. Views never call these.

Ordering: a topic's `version` is assigned by the writer inside its transaction (e.g. a counter
column bumped under `select_for_update`), so versions follow commit order. The sends after commit
of two racing requests can still cross on the way; every consumer therefore releases a topic's
updates in version order, holding back one that arrives early until the gap fills (see
`hub.Hub`: one layer subscription per process and group, which writes the frame to its sockets).
"""

from __future__ import annotations

import asyncio
import json
import time
from functools import partial

import structlog
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from core.metrics import BROADCAST_LATENCY
from realtime.topics import MeTopic, next_user_version, resolve, user_group

logger = structlog.get_logger(__name__)

# Channel-layer message type (received by realtime.hub, one per process and group).
LAYER_MESSAGE_TYPE = "realtime.message"
_background: set[asyncio.Task] = set()


def publish(topic: str, *, version: int, data: dict, type: str = "update") -> None:
    """Send `{"topic", "type", "version", "data"}` to every subscriber of `topic` once the current
    transaction commits (immediately in autocommit mode).

    `data` must be JSON-serialisable (it is encoded now, dates and decimals included, so a bad
    payload fails inside the transaction rather than silently after it). Raises `UnknownTopic` for a name no
    topic kind matches, `ValueError` for `me` (use `publish_to_user`).
    """
    kind, params = resolve(topic)
    if isinstance(kind, MeTopic):
        raise ValueError("the `me` topic is per user: use publish_to_user()")
    message = {
        "type": LAYER_MESSAGE_TYPE,
        "topic": topic,
        "msg_type": type,
        "version": int(version),
        "data_json": _encode(data),
    }
    group = kind.group(None, **params)
    transaction.on_commit(partial(_send, group, message), robust=True)


def publish_to_user(user_id: int, *, data: dict, type: str = "update") -> None:
    """Send `data` on the user's `me` topic after commit. The version is a per-user counter
    assigned after commit (so a rolled-back change never burns a number)."""
    message = {
        "type": LAYER_MESSAGE_TYPE,
        "topic": "me",
        "msg_type": type,
        "version": None,
        "data_json": _encode(data),
    }
    transaction.on_commit(partial(_send_to_user, int(user_id), message), robust=True)


def _encode(data) -> str:
    # Encoded once here, not once per socket: a floor update goes to a thousand sockets, and a
    # string is also cheap for the layer to copy (in-memory) or pack (Redis).
    return json.dumps(data, cls=DjangoJSONEncoder)


def _send_to_user(user_id: int, message: dict) -> None:
    message = {**message, "version": next_user_version(user_id)}
    _send(user_group(user_id), message)


def _send(group: str, message: dict) -> None:
    started = time.perf_counter()
    message = {**message, "group": group}  # one hub channel per process receives many groups
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        # Called from async code (autocommit inside an event loop): send without blocking it.
        task = asyncio.get_running_loop().create_task(_send_async(layer, group, message, started))
        _background.add(task)  # keep a reference until done (the loop holds only a weak one)
        task.add_done_callback(_background.discard)
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        # The change is committed; a lost broadcast is healed by the clients' gap detection and
        # snapshots. Never turn it into an error of the request that made the change.
        logger.exception("broadcast failed", group=group, topic=message["topic"])
        return
    BROADCAST_LATENCY.observe(time.perf_counter() - started)


async def _send_async(layer, group: str, message: dict, started: float) -> None:
    try:
        await layer.group_send(group, message)
    except Exception:
        logger.exception("broadcast failed", group=group, topic=message["topic"])
        return
    BROADCAST_LATENCY.observe(time.perf_counter() - started)
