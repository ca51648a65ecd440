"""Live-scoring fan-out: 1,000 sockets watching one match, score POST → last socket received.

Creates a fresh SQLite database (migrated, two players, one straight-pool match to 1000 points),
starts the servers itself on loopback, opens N WebSocket connections subscribed to `match:<id>`,
then POSTs E scoring events one after another (`POST /api/matches/<id>/events/` with a JWT, each
waiting until every socket got its update) and prints, over the E events:

* score POST sent → last socket received: p50 / p99 / max (and → first socket, and the POST's
  own round trip);
* lost updates (a socket never received version v) and out-of-order updates (a socket received
  a version not greater than the previous one), both must be 0; snapshots re-sent mid-run.

Two topologies (both run by default):

* `single`: one daphne, in-memory channel layer (the embedded mode of `make run`);
* `redis`: two daphne processes sharing a private redis-server (bench.cluster); half of the
  sockets on each, the POSTs alternate between them, so every update crosses Redis.

    .venv/bin/python bench/scoring.py                       # both, 1000 sockets, 200 events
    .venv/bin/python bench/scoring.py --only single --sockets 200 --events 50
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import websockets  # noqa: E402

from bench import _common  # noqa: E402
from bench._common import app_env, ms, percentile, spread  # noqa: E402
from bench.cluster import Cluster, RedisServer  # noqa: E402
from bench.ws_fanout import raise_fd_limit  # noqa: E402

SECRET = "bench-scoring-secret-key-not-for-production-0123456789"


def setup_django() -> tuple[str, int, object]:
    """A fresh database with one live match; returns (its DATABASE_URL, the match id, a function
    minting a JWT of its scorer: access tokens live 15 minutes, less than a full run)."""
    database_url = _common.setup_django("bench_scoring.sqlite3", secret_key=SECRET)
    from django.contrib.auth import get_user_model
    from rest_framework_simplejwt.tokens import AccessToken

    from games.scoring.services import match_create

    User = get_user_model()
    ann = User.objects.create(username="bench-ann", first_name="Ann")
    ivan = User.objects.create(username="bench-ivan", first_name="Ivan")
    match = match_create(
        creator=ann,
        discipline="straight_pool",
        format={"points_to": 1000},
        sides=[{"players": [ann.pk]}, {"players": [ivan.pk]}],
    )
    return database_url, match.pk, lambda: str(AccessToken.for_user(ann))


class Watchers:
    """N sockets subscribed to one topic, each recording the versions of the updates it got."""

    def __init__(self, ws_urls: list[str], topic: str, n: int, timeout: float = 60):
        self.ws_urls, self.topic, self.n, self.timeout = ws_urls, topic, n, timeout
        self.sockets, self.readers = [], []
        self.versions: list[list[int]] = [[] for _ in range(n)]
        self.snapshots = [0] * n
        self.connect_retries = 0
        self.waiting: tuple[int, float, list[float], asyncio.Event] | None = None

    async def __aenter__(self):
        raise_fd_limit(self.n + 100)
        gate = asyncio.Semaphore(100)
        ready = [asyncio.Event() for _ in range(self.n)]

        async def open_one(i):
            url = self.ws_urls[i % len(self.ws_urls)]
            origin = _common.ws_origin(url)
            async with gate:
                for attempt in range(6):
                    try:
                        ws = await websockets.connect(
                            url, origin=origin, max_queue=None, ping_interval=None, open_timeout=30
                        )
                        break
                    except (
                        OSError,
                        websockets.InvalidHandshake,
                        websockets.InvalidMessage,
                        TimeoutError,
                    ):
                        # A burst of handshakes can overflow the listen backlog: try again.
                        self.connect_retries += 1
                        if attempt == 5:
                            raise
                        await asyncio.sleep(0.2 * 2**attempt)
                self.sockets.append(ws)
                self.readers.append(asyncio.create_task(self._read(i, ws, ready[i])))
                await ws.send(json.dumps({"op": "subscribe", "topic": self.topic}))
                await asyncio.wait_for(ready[i].wait(), self.timeout)

        started = time.perf_counter()
        await asyncio.gather(*(open_one(i) for i in range(self.n)))
        self.connect_seconds = time.perf_counter() - started
        return self

    async def __aexit__(self, *exc):
        for task in self.readers:
            task.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)

    async def _read(self, i, ws, ready):
        try:
            async for raw in ws:
                now = time.perf_counter()
                msg = json.loads(raw)
                kind = msg.get("type")
                if kind == "ping":
                    await ws.send('{"op": "pong"}')
                elif kind == "error":
                    print(f"server error: {msg}", file=sys.stderr)
                elif msg.get("topic") == self.topic and kind == "snapshot":
                    self.snapshots[i] += 1
                    ready.set()
                elif msg.get("topic") == self.topic and kind == "update":
                    self.versions[i].append(msg["version"])
                    waiting = self.waiting
                    if waiting is not None and msg["version"] == waiting[0]:
                        waiting[2].append(now - waiting[1])
                        if len(waiting[2]) >= self.n:
                            waiting[3].set()
        except websockets.ConnectionClosed:
            pass

    async def measure(self, version: int, trigger) -> tuple[list[float], float]:
        latencies: list[float] = []
        done = asyncio.Event()
        started = time.perf_counter()
        self.waiting = (version, started, latencies, done)
        await trigger()
        round_trip = time.perf_counter() - started
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), self.timeout)
        self.waiting = None
        return sorted(latencies), round_trip


async def run_topology(name: str, urls: list[str], match_id: int, token, args) -> None:
    import httpx

    ws_urls = [u.replace("http://", "ws://") + "/ws/" for u in urls]
    headers = {"Authorization": f"Bearer {token()}"}
    async with httpx.AsyncClient(timeout=30) as client:
        current = (await client.get(f"{urls[0]}/api/matches/{match_id}/")).json()["version"]
        async with Watchers(ws_urls, f"match:{match_id}", args.sockets) as watchers:
            await asyncio.sleep(0.5)
            lasts, firsts, trips, incomplete = [], [], [], 0
            first_version = current + 1
            for k in range(args.events):
                if k % 50 == 0:
                    headers["Authorization"] = f"Bearer {token()}"
                url = urls[k % len(urls)]
                expected = current

                async def post(url=url, expected=expected):
                    r = await client.post(
                        f"{url}/api/matches/{match_id}/events/",
                        json={
                            "type": "pot",
                            "side": 0,
                            "count": 1,
                            "expected_version": expected,
                            "client_event_id": str(uuid.uuid4()),
                        },
                        headers=headers,
                    )
                    if r.status_code != 201:
                        raise RuntimeError(f"score refused: {r.status_code} {r.text}")

                latencies, trip = await watchers.measure(current + 1, post)
                current += 1
                trips.append(trip)
                if len(latencies) < args.sockets:
                    incomplete += 1
                else:
                    lasts.append(latencies[-1])
                if latencies:
                    firsts.append(latencies[0])
            await asyncio.sleep(1.0)  # stragglers
            wanted = set(range(first_version, current + 1))
            lost = sum(len(wanted - set(v)) for v in watchers.versions)
            out_of_order = sum(
                sum(1 for a, b in zip(v, v[1:], strict=False) if b <= a) for v in watchers.versions
            )
            resnapshots = sum(max(0, s - 1) for s in watchers.snapshots)
    print(
        f"\n== {name}: {len(urls)} daphne process(es), {args.sockets} sockets, {args.events} events"
    )
    print(
        f"connect + subscribe all sockets: {watchers.connect_seconds:.2f} s "
        f"({watchers.connect_retries} handshake retries)"
    )
    print(
        f"score POST round trip: median {ms(statistics.median(trips))}, p99 {ms(percentile(trips, 99))}"
    )
    print(f"score POST sent → last socket: {spread(lasts)}")
    print(f"score POST sent → first socket: p50 {ms(percentile(firsts, 50) if firsts else None)}")
    print(
        f"lost updates: {lost}, out-of-order updates: {out_of_order}, "
        f"events not received by every socket in time: {incomplete}, re-snapshots: {resnapshots}"
    )


async def main(args, database_url: str, match_id: int, token) -> None:
    overrides = {
        **_common.ONE_IP_SOCKETS,
        # One scorer posts 200 events in a few minutes: the per-user write limit would refuse it.
        "RATE_LIMITS_ENABLED": "0",
        "SECRET_KEY": SECRET,
        "THROTTLE_API_USER": "1000000/m",
    }
    if args.only in (None, "single"):
        with Cluster(
            app_env(database_url=database_url, **overrides), size=1, log_dir=args.log_dir
        ) as cluster:
            await run_topology("single (in-memory layer)", cluster.urls, match_id, token, args)
    if args.only in (None, "redis"):
        with RedisServer() as redis:
            env = app_env(database_url=database_url, redis_url=redis.url(1), **overrides)
            with Cluster(env, size=2, log_dir=args.log_dir) as cluster:
                await run_topology("redis (two daphnes)", cluster.urls, match_id, token, args)


if __name__ == "__main__":
    parser = _common.parser(__doc__, sockets=1000, log_dir=True)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--only", choices=["single", "redis"])
    arguments = parser.parse_args()
    asyncio.run(main(arguments, *setup_django()))
