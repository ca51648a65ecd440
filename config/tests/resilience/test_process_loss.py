"""Two daphne processes on Redis: losing one drops only its sockets; its clients reconnect to the
other and re-sync by snapshot without losing a score (issue 8)."""

import pytest
from channels.db import database_sync_to_async

from config.tests.resilience.conftest import Watcher, post_rack
from games.models import Match

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


async def test_killing_one_process_drops_only_its_sockets(cluster_of_two, live_match):
    topic = f"match:{live_match.pk}"
    on_a = [Watcher(cluster_of_two.ws_urls[0], topic) for _ in range(3)]
    on_b = [Watcher(cluster_of_two.ws_urls[1], topic) for _ in range(3)]
    for watcher in on_a + on_b:
        await watcher.open()

    cluster_of_two.kill(0)

    assert [await w.closed() for w in on_a] == [True, True, True]
    assert [await w.is_open() for w in on_b] == [True, True, True]
    for watcher in on_b:
        await watcher.close()


async def test_clients_of_a_lost_process_resync_on_the_other_without_losing_a_score(
    cluster_of_two, live_match, scorer
):
    server_a, server_b = cluster_of_two.urls
    topic = f"match:{live_match.pk}"
    on_a = [Watcher(cluster_of_two.ws_urls[0], topic) for _ in range(3)]
    on_b = [Watcher(cluster_of_two.ws_urls[1], topic) for _ in range(3)]
    for watcher in on_a + on_b:
        await watcher.open()
    first = await post_rack(server_a, scorer, live_match.pk, side=0, expected_version=0)
    for watcher in on_a + on_b:
        await watcher.next_update()

    cluster_of_two.kill(0)
    for watcher in on_a:
        assert await watcher.closed()
    # Scoring goes on through the surviving process while A's clients are away.
    during = [
        await post_rack(server_b, scorer, live_match.pk, side=1, expected_version=1),
        await post_rack(server_b, scorer, live_match.pk, side=1, expected_version=2),
    ]
    for watcher in on_b:
        await watcher.next_update()
        await watcher.next_update()
    # A's clients come back on B: the snapshot carries what they missed.
    resynced = [Watcher(cluster_of_two.ws_urls[1], topic) for _ in on_a]
    snapshots = [await w.open() for w in resynced]
    match = await database_sync_to_async(Match.objects.get)(pk=live_match.pk)

    assert first.status_code == 201
    assert [r.status_code for r in during] == [201, 201]
    assert {s["version"] for s in snapshots} == {3}
    assert {tuple(s["data"]["state"]["frames"]) for s in snapshots} == {(1, 2)}
    assert {(w.version, tuple(w.data["state"]["frames"])) for w in on_b} == {(3, (1, 2))}
    assert (match.version, match.state["frames"]) == (3, [1, 2])
    # Both groups stay live: the next event reaches every socket, on one version line.
    after = await post_rack(server_b, scorer, live_match.pk, side=0, expected_version=3)
    updates = [await w.next_update() for w in on_b + resynced]
    assert after.status_code == 201
    assert {(u["version"], tuple(u["data"]["state"]["frames"])) for u in updates} == {(4, (2, 2))}
    for watcher in on_b + resynced:
        await watcher.close()


async def test_a_restarted_process_serves_its_clients_again(cluster_of_two, live_match, scorer):
    server_a, server_b = cluster_of_two.urls
    topic = f"match:{live_match.pk}"
    watcher = Watcher(cluster_of_two.ws_urls[0], topic)
    await watcher.open()

    cluster_of_two.kill(0)
    assert await watcher.closed()
    await post_rack(server_b, scorer, live_match.pk, side=0, expected_version=0)
    await database_sync_to_async(cluster_of_two.restart)(0)
    back = Watcher(cluster_of_two.ws_urls[0], topic)
    snapshot = await back.open()
    await post_rack(server_b, scorer, live_match.pk, side=1, expected_version=1)
    update = await back.next_update()

    assert (snapshot["version"], snapshot["data"]["state"]["frames"]) == (1, [1, 0])
    assert (update["version"], update["data"]["state"]["frames"]) == (2, [1, 1])
    await back.close()
