"""A Redis restart under two daphne processes: the app reconnects by itself (no process restart);
while Redis is down /readyz says so, and scoring still commits (the database is the truth)."""

import asyncio

import httpx
import pytest
from channels.db import database_sync_to_async

from config.tests.resilience.conftest import Watcher, post_rack
from games.models import Match

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


async def wait_ready(base_url: str, timeout: float = 20) -> httpx.Response:
    """Poll /readyz until it answers 200 (or give up and return the last answer)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with httpx.AsyncClient(timeout=15) as client:
        while True:
            try:
                response = await client.get(f"{base_url}/readyz")
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code == 200 or loop.time() > deadline:
                return response
            await asyncio.sleep(0.3)


async def open_watcher(ws_url: str, topic: str, timeout: float = 20) -> Watcher:
    """Connect like the Mini App's client: retry with a pause until the server takes the socket."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        watcher = Watcher(ws_url, topic)
        try:
            await watcher.open()
            return watcher
        except Exception:
            await watcher.close()
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.5)


async def test_readyz_names_redis_components_while_redis_is_down(cluster_of_two, private_redis):
    server_a, _ = cluster_of_two.urls

    private_redis.stop()
    async with httpx.AsyncClient(timeout=10) as client:
        down = await client.get(f"{server_a}/readyz")
    private_redis.start()
    up = await wait_ready(server_a)

    assert down.status_code == 503
    assert down.headers["content-type"].startswith("application/json")
    assert set(down.json()["failing"]) == {"cache", "channel_layer"}
    assert up.status_code == 200


async def test_after_a_redis_restart_an_update_reaches_sockets_on_both_processes(
    cluster_of_two, private_redis, live_match, scorer
):
    server_a, server_b = cluster_of_two.urls
    topic = f"match:{live_match.pk}"
    before = await open_watcher(cluster_of_two.ws_urls[1], topic)
    await post_rack(server_a, scorer, live_match.pk, side=0, expected_version=0)
    await before.next_update()

    private_redis.stop()
    during = await post_rack(server_a, scorer, live_match.pk, side=1, expected_version=1)
    private_redis.start()
    assert (await wait_ready(server_a)).status_code == 200
    assert (await wait_ready(server_b)).status_code == 200
    # Clients whose sockets did not survive reconnect (as the Mini App's client does).
    watchers = []
    for ws_url in cluster_of_two.ws_urls:
        watchers.append(await open_watcher(ws_url, topic))
    after = await post_rack(server_a, scorer, live_match.pk, side=0, expected_version=2)
    updates = [await w.next_update() for w in watchers]
    match = await database_sync_to_async(Match.objects.get)(pk=live_match.pk)

    assert during.status_code == 201
    assert after.status_code == 201
    assert [w.version for w in watchers] == [3, 3]
    assert [u["data"]["state"]["frames"] for u in updates] == [[2, 1], [2, 1]]
    assert (match.version, match.state["frames"]) == (3, [2, 1])
    await before.close()
    for watcher in watchers:
        await watcher.close()
