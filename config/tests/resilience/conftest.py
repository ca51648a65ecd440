"""Resilience tests: several real daphne processes (bench/cluster.py) on the test database.

Each test starts its own private Redis (never the machine's shared one) and its own servers, so
it can kill them, restart Redis or cut the database without disturbing anything else.
"""

import asyncio
import json
import uuid

import httpx
import pytest
import websockets
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from bench.cluster import Cluster, RedisServer, app_env
from games.tests.scoring.factories import make_match
from testing.browser import database_url


@pytest.fixture
def db_url(transactional_db):
    from django.db import connection

    return database_url(dict(connection.settings_dict))


@pytest.fixture
def private_redis():
    with RedisServer() as redis:
        yield redis


@pytest.fixture
def cluster_of_two(db_url, private_redis):
    """Two daphne processes on one private Redis and the test database."""
    env = app_env(
        database_url=db_url,
        redis_url=private_redis.url(1),
        prefix=f"resilience{uuid.uuid4().hex[:8]}",
        RATE_LIMITS_ENABLED="0",
    )
    with Cluster(env, size=2) as cluster:
        yield cluster


@pytest.fixture
def scorer(transactional_db):
    return UserFactory(username="scorer")


@pytest.fixture
def live_match(scorer):
    """A public nine-ball match, race to 50 (long enough never to finish in a test)."""
    return make_match([scorer], "Guest", discipline="pool_9", fmt={"race_to": 50})


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {AccessToken.for_user(user)}"}


async def post_rack(base_url: str, user, match_id: int, *, side: int, expected_version: int):
    """Score one rack through the HTTP API of the server at `base_url`."""
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(
            f"{base_url}/api/matches/{match_id}/events/",
            json={
                "type": "rack",
                "side": side,
                "expected_version": expected_version,
                "client_event_id": str(uuid.uuid4()),
            },
            headers=bearer(user),
        )


class Watcher:
    """One Mini App socket watching a topic, like the JS client: it keeps the latest version and
    data it knows (snapshot or update)."""

    def __init__(self, ws_url: str, topic: str):
        self.ws_url = ws_url
        self.topic = topic
        self.ws = None
        self.version = None
        self.data = None

    async def open(self) -> dict:
        origin = self.ws_url.replace("ws://", "http://").split("/ws/")[0]
        self.ws = await websockets.connect(self.ws_url, origin=origin, open_timeout=10)
        await self.ws.send(json.dumps({"op": "subscribe", "topic": self.topic}))
        snapshot = await self.next()
        assert snapshot["type"] == "snapshot", snapshot
        self.version, self.data = snapshot["version"], snapshot["data"]
        return snapshot

    async def next(self, timeout: float = 10) -> dict:
        """The next message that is not a server ping (answered)."""
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            if message.get("type") == "ping":
                await self.ws.send(json.dumps({"op": "pong"}))
                continue
            return message

    async def next_update(self, timeout: float = 10) -> dict:
        message = await self.next(timeout)
        assert message.get("type") == "update", message
        self.version, self.data = message["version"], message["data"]
        return message

    async def is_open(self, timeout: float = 5) -> bool:
        """The socket still answers a ping."""
        try:
            await self.ws.send(json.dumps({"op": "ping"}))
            return (await self.next(timeout)) == {"type": "pong"}
        except (websockets.ConnectionClosed, TimeoutError):
            return False

    async def closed(self, timeout: float = 10) -> bool:
        """True once the server side is gone (the socket reports closed within `timeout`)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (left := deadline - loop.time()) > 0:
            try:
                await self.next(left)
            except websockets.ConnectionClosed:
                return True
            except TimeoutError:
                return False
        return False

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
