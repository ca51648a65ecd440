"""WebSocket fan-out measurement: N sockets on one topic, time from a trigger to the last receipt.

Reusable from other bench scripts (bench/floor.py, the scoring bench)::

    from bench.ws_fanout import Fanout, percentile, rss_bytes

    async with Fanout(url="ws://127.0.0.1:8765/ws/", topic="club:1", n=1000) as fan:
        # fan.connect_seconds: time to open and subscribe all sockets (each got its snapshot)
        for _ in range(20):
            result = await fan.measure(trigger)     # trigger: sync or async callable, no args
            print(result.last, result.p50, result.p99)

    class Fanout(url: str, topic: str, n: int, *, origin: str | None = None,
                 tickets: Callable[[int], Awaitable[str | None] | str | None] | None = None,
                 match: Callable[[dict], bool] | None = None,
                 connect_concurrency: int = 200, timeout: float = 30.0)
        url      the /ws/ URL of a running server (ws:// or wss://)
        topic    the topic every socket subscribes to
        n        how many sockets
        origin   Origin header (the server's AllowedHostsOriginValidator needs one); default: the
                 URL's host over http(s)
        tickets  for private topics: tickets(i) returns a one-time ticket for socket i (from
                 POST /api/realtime/ticket/); None = anonymous
        match    which message counts as the awaited one; default: any `update` of `topic`
        timeout  seconds a measurement (or the connect phase) may take before it gives up

    await Fanout.measure(trigger) -> FanoutResult
        Starts the clock, calls trigger() (awaiting it if it returns an awaitable), then waits
        until every socket received a matching message (or `timeout`). Messages received
        before the clock started are ignored.

    FanoutResult: n, received (sockets that got it), trigger_seconds (how long trigger() took),
        latencies (seconds from the trigger's start to each receipt, sorted), first, p50, p99,
        last (= time to the last socket; None when a socket missed it), missed (= n - received).

    percentile(values, q) -> float   nearest-rank percentile (q in 0..100) of a non-empty list
    The server must allow n handshakes from one IP: start it with WS_CONNECT_RATE=1000000/m
    (core.ratelimit closes sockets over the per-IP limit with 4429).

    rss_bytes(pid) -> int            resident memory of a process (Linux /proc), for memory/socket
    raise_fd_limit(n)                lift RLIMIT_NOFILE so this process can hold n sockets

Run directly, it measures the realtime layer on its own: a daphne (in-memory layer, single
process) serving the test topic `widget:1`, N sockets, K publishes through HTTP:

    .venv/bin/python bench/ws_fanout.py --sockets 1000 --rounds 20
"""

from __future__ import annotations

import asyncio
import inspect
import json
import resource
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common  # noqa: E402
from bench._common import ms, percentile, spread  # noqa: E402

__all__ = ["Fanout", "FanoutResult", "percentile", "raise_fd_limit", "rss_bytes"]


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def raise_fd_limit(n: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, n + 256))
    if wanted > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


@dataclass
class FanoutResult:
    n: int
    trigger_seconds: float
    latencies: list[float] = field(default_factory=list)

    @property
    def received(self) -> int:
        return len(self.latencies)

    @property
    def missed(self) -> int:
        return self.n - self.received

    @property
    def first(self) -> float | None:
        return self.latencies[0] if self.latencies else None

    @property
    def last(self) -> float | None:
        return self.latencies[-1] if self.latencies and not self.missed else None

    @property
    def p50(self) -> float | None:
        return percentile(self.latencies, 50) if self.latencies else None

    @property
    def p99(self) -> float | None:
        return percentile(self.latencies, 99) if self.latencies else None


class Fanout:
    def __init__(
        self,
        url: str,
        topic: str,
        n: int,
        *,
        origin: str | None = None,
        tickets: Callable[[int], Awaitable[str | None] | str | None] | None = None,
        match: Callable[[dict], bool] | None = None,
        connect_concurrency: int = 200,
        timeout: float = 30.0,
    ):
        self.url = url
        self.topic = topic
        self.n = n
        parsed = urlparse(url)
        scheme = "https" if parsed.scheme == "wss" else "http"
        self.origin = origin or f"{scheme}://{parsed.netloc}"
        self.tickets = tickets
        self.match = match or (lambda m: m.get("type") == "update" and m.get("topic") == topic)
        self.connect_concurrency = connect_concurrency
        self.timeout = timeout
        self.sockets: list = []
        self.readers: list[asyncio.Task] = []
        self.connect_seconds: float | None = None
        self._armed: tuple[float, list[float], asyncio.Event] | None = None

    async def __aenter__(self) -> Fanout:
        raise_fd_limit(self.n)
        started = time.perf_counter()
        gate = asyncio.Semaphore(self.connect_concurrency)
        snapshots = [asyncio.Event() for _ in range(self.n)]

        async def open_one(i: int) -> None:
            async with gate:
                url = self.url
                if self.tickets is not None:
                    ticket = self.tickets(i)
                    if inspect.isawaitable(ticket):
                        ticket = await ticket
                    if ticket:
                        url = f"{url}?ticket={ticket}"
                ws = await websockets.connect(
                    url, origin=self.origin, max_queue=None, ping_interval=None, open_timeout=30
                )
                self.sockets.append(ws)
                self.readers.append(asyncio.create_task(self._read(ws, snapshots[i])))
                await ws.send(json.dumps({"op": "subscribe", "topic": self.topic}))
                await asyncio.wait_for(snapshots[i].wait(), self.timeout)

        try:
            await asyncio.wait_for(
                asyncio.gather(*(open_one(i) for i in range(self.n))), self.timeout * 4
            )
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        self.connect_seconds = time.perf_counter() - started
        return self

    async def __aexit__(self, *exc) -> None:
        for task in self.readers:
            task.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        self.sockets.clear()
        self.readers.clear()

    async def _read(self, ws, snapshot: asyncio.Event) -> None:
        try:
            async for raw in ws:
                now = time.perf_counter()
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "ping":
                    await ws.send('{"op": "pong"}')
                elif kind == "snapshot" and message.get("topic") == self.topic:
                    snapshot.set()
                elif kind == "error":
                    print(f"server error: {message}", file=sys.stderr)
                    snapshot.set()
                armed = self._armed
                if armed is not None and self.match(message):
                    started, latencies, done = armed
                    latencies.append(now - started)
                    if len(latencies) >= self.n:
                        done.set()
        except websockets.ConnectionClosed:
            pass

    async def measure(self, trigger: Callable[[], object]) -> FanoutResult:
        latencies: list[float] = []
        done = asyncio.Event()
        started = time.perf_counter()
        self._armed = (started, latencies, done)
        outcome = trigger()
        if inspect.isawaitable(outcome):
            await outcome
        trigger_seconds = time.perf_counter() - started
        try:
            await asyncio.wait_for(done.wait(), self.timeout)
        except TimeoutError:
            pass
        finally:
            self._armed = None
        return FanoutResult(n=self.n, trigger_seconds=trigger_seconds, latencies=sorted(latencies))


# --- stand-alone run -------------------------------------------------------------------------------


async def _main(args) -> None:
    import httpx

    env = _common.server_env(
        keep_redis=args.redis,
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{_common.VAR_DIR / 'bench_ws_fanout.sqlite3'}",
        LOG_LEVEL="WARNING",
        # All sockets come from one IP: lift the per-IP handshake limit (core.ratelimit).
        **_common.ONE_IP_SOCKETS,
    )
    with _common.server(env, application="realtime.tests.live_asgi:application") as (base, proc):
        ws_url = base.replace("http://", "ws://") + "/ws/"
        async with httpx.AsyncClient(timeout=60) as client:
            rss_idle = rss_bytes(proc.pid)

            async with Fanout(ws_url, "widget:1", args.sockets) as fan:
                rss_loaded = rss_bytes(proc.pid)
                results = []
                for version in range(6, 6 + args.rounds):

                    async def trigger(version=version):
                        await client.post(
                            f"{base}/__test__/publish",
                            json={"topic": "widget:1", "version": version, "data": {"v": version}},
                        )

                    results.append(await fan.measure(trigger))

    lasts = [r.last for r in results if r.last is not None]
    missed = sum(r.missed for r in results)
    print(
        f"sockets: {args.sockets}, rounds: {args.rounds}, layer: {'redis' if args.redis else 'in-memory'}"
    )
    print(f"connect + subscribe all: {fan.connect_seconds:.2f} s")
    print(
        f"trigger (HTTP publish) median: {ms(statistics.median(r.trigger_seconds for r in results))}"
    )
    print(f"time to last socket: {spread(lasts)}")
    print(
        f"per-socket receipt (all rounds): p50 {ms(percentile([x for r in results for x in r.latencies], 50))}"
    )
    print(f"missed receipts: {missed}")
    print(_common.rss_per_socket(rss_idle, rss_loaded, args.sockets))


if __name__ == "__main__":
    parser = _common.parser(__doc__, sockets=1000, redis=True)
    parser.add_argument("--rounds", type=int, default=20)
    asyncio.run(_main(parser.parse_args()))
