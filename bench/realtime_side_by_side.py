"""Live updates side by side with the peer (../shared/bench-peer): same load client, one run.

For every layout × N × rate: the peer (FastAPI + Redis pub/sub, uvicorn) and then this project's
score POST (`/api/matches/<id>/events/`) under the same `loadgen.py`: N sockets watching one match,
M score events at RATE/s (open loop); latency = POST sent → socket received. Layouts:

    one   one daphne, embedded mode (SQLite, in-memory layer) | one peer uvicorn
    two   two daphne behind Redis (PostgreSQL), sockets split over both, POSTs to the first |
          two peer uvicorns behind Redis

`--storm` then runs the reconnect storm: two daphne behind Redis, N watchers split over both, score
events at 5/s, one process killed (SIGKILL); every socket it held reconnects to the survivor at
once and re-subscribes. It prints how many sockets re-synced, whether any update was lost after
the re-sync, and the survivor's snapshot loads (`artel_ws_snapshot_loads_total`) against the
distinct versions the re-synced snapshots carried.

    python bench/realtime_side_by_side.py --peer-venv PEERVENV [--layouts one two] [-n 1000 5000]
        [--rates 5 20 50] [-m 200] [--rounds 1] [--storm | --storm-only] [--profile DIR]
        [--combos one:1000:20 two:1000:50 ...] [--out results.jsonl]

PEERVENV: a venv with the peer's packages (see ../shared/bench-peer/README.md). The machine is
shared and noisy: compare the ratios of one run, not figures of different runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common  # noqa: E402

# shared/bench-peer beside the checkout (or BENCH_PEER_DIR, e.g. for a worktree elsewhere).
PEER_DIR = Path(
    os.environ.get("BENCH_PEER_DIR") or _common.BASE_DIR.parent / "shared" / "bench-peer"
).resolve()
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/5")
SECRET = "side-by-side-secret-key-0123456789-abcdefghijklmnop"
PAYLOAD = '{"type":"pot","side":0,"count":1,"expected_version":{prev},"client_event_id":"{uuid}"}'


def product_env(database_url: str, redis_url: str | None, prefix: str) -> dict:
    env = _common.server_env(
        keep_redis=False,
        DEBUG="0",
        SECRET_KEY=SECRET,
        DATABASE_URL=database_url,
        RATE_LIMITS_ENABLED="0",
        WS_CONNECT_RATE="1000000/m",
        LOG_LEVEL="WARNING",
        EMBEDDED_BEAT="0",
    )
    if redis_url:
        env.update(
            REDIS_URL=redis_url,
            CACHE_PREFIX=prefix,
            CHANNELS_PREFIX=prefix,
            CELERY_BROKER_URL="memory://",
            CELERY_TASK_ALWAYS_EAGER="1",
        )
    return env


def fresh_postgres(name: str) -> str:
    import psycopg  # noqa: PLC0415 - only the two-process layout needs it

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES}/{name}"


def make_matches(env: dict, count: int) -> tuple[list[int], str]:
    out = (
        subprocess.run(  # noqa: S603
            [_common.PY, str(PEER_DIR / "product_matches.py"), str(count)],
            cwd=_common.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()
    )
    return [int(x) for x in out[-2].split()], out[-1]


def start_peers(venv: Path, count: int) -> list[tuple[int, subprocess.Popen]]:
    peers = []
    for _ in range(count):
        port = _common.free_port()
        proc = subprocess.Popen(  # noqa: S603
            [
                str(venv / "bin" / "uvicorn"),
                "peer_fastapi:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--ws-ping-interval",
                "30",
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=PEER_DIR,
            env={**os.environ, "PEER_REDIS_URL": REDIS},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        peers.append((port, proc))
    for port, _proc in peers:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
    return peers


def start_daphnes(env: dict, count: int) -> list[tuple[int, subprocess.Popen]]:
    started = [_common.spawn_daphne(env) for _ in range(count)]
    for url, proc in started:
        _common.wait_healthy(url, proc, timeout=60)
    return [(int(url.rsplit(":", 1)[1]), proc) for url, proc in started]


def loadgen(venv: Path, args: list[str], hard_timeout: float) -> dict | None:
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl") as out:
        proc = subprocess.run(  # noqa: S603
            [
                str(venv / "bin" / "python"),
                str(PEER_DIR / "loadgen.py"),
                *args,
                "--hard-timeout",
                str(hard_timeout),
                "--json-out",
                out.name,
            ],
            capture_output=True,
            text=True,
            timeout=hard_timeout + 60,
        )
        lines = [line for line in out.read().splitlines() if line.strip()]
    if not lines:
        print(f"  loadgen gave no result: {proc.stderr.strip()[-300:]}", flush=True)
        return None
    return json.loads(lines[-1])


def summary(res: dict) -> str:
    lat = res["latency_ms"]
    return (
        f"{res['delivered']}/{res['expected_deliveries']} lost={res['lost']} "
        f"ooo={res['out_of_order']} dup={res['duplicates']} post_err={res['post_errors']} | "
        f"p50={lat['p50']} p99={lat['p99']} max={lat['max']} ms | "
        f"POST p50={res['post_latency_ms']['p50']} ms | upd/s={res['updates_per_s_sustained']}"
        + (
            f" | KiB/socket={res['server_memory']['kib_per_socket']}"
            if "server_memory" in res
            else ""
        )
    )


def ratio(a, b) -> str:
    return f"{a / b:.2f}x" if a and b else "n/a"


def run_pair(args, layout: str, n: int, rate: float, peer_ports, product_ports, pids, match, token):
    m = args.m
    hard = 90 + 40 * n / 1000 + (m / rate if rate else m * 0.5)
    peer_pids = [p.pid for _port, p in peer_ports]
    common = ["-n", str(n), "-m", str(m), "--rate", str(rate), "--connect-concurrency", "200"]
    peer = loadgen(
        args.peer_venv,
        [
            *common,
            *sum((["--ws-url", f"ws://127.0.0.1:{port}/ws/"] for port, _ in peer_ports), []),
            "--post-url",
            f"http://127.0.0.1:{peer_ports[0][0]}/publish/{{topic}}",
            "--topic",
            f"match:{os.getpid()}{time.monotonic_ns() % 10**9}",
            *sum((["--server-pid", str(pid)] for pid in peer_pids), []),
            "--label",
            f"peer-{layout}-N{n}-r{rate}",
        ],
        hard,
    )
    first = product_ports[0][0]
    spy = None
    if args.profile:  # py-spy (from the peer venv) on the first daphne while its run lasts
        args.profile.mkdir(parents=True, exist_ok=True)
        spy = subprocess.Popen(  # noqa: S603
            [
                str(args.peer_venv / "bin" / "py-spy"),
                "record",
                "-p",
                str(pids[0]),
                "-r",
                "100",
                "-f",
                "raw",
                "-o",
                str(args.profile / f"{layout}-N{n}-r{rate}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    product = loadgen(
        args.peer_venv,
        [
            *common,
            *sum((["--ws-url", f"ws://127.0.0.1:{port}/ws/"] for port, _ in product_ports), []),
            "--ws-header",
            f"Origin: http://127.0.0.1:{first}",
            "--post-url",
            f"http://127.0.0.1:{first}/api/matches/{match}/events/",
            "--topic",
            f"match:{match}",
            "--header",
            f"Authorization: Bearer {token}",
            "--header",
            "Content-Type: application/json",
            "--payload",
            PAYLOAD,
            "--seq-path",
            "version",
            "--version-path",
            "version",
            "--ack-substr",
            '"snapshot"',
            *sum((["--server-pid", str(pid)] for pid in pids), []),
            "--label",
            f"product-{layout}-N{n}-r{rate}",
        ],
        hard,
    )
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=30)
    if peer is None or product is None:
        return
    for res in (peer, product):
        res["layout"] = layout
        if args.out:
            with open(args.out, "a") as f:
                f.write(json.dumps(res) + "\n")
    print(f"  peer    {summary(peer)}")
    print(f"  product {summary(product)}")
    print(
        f"  ratio product/peer: p50 {ratio(product['latency_ms']['p50'], peer['latency_ms']['p50'])}, "
        f"p99 {ratio(product['latency_ms']['p99'], peer['latency_ms']['p99'])}, "
        f"POST p50 {ratio(product['post_latency_ms']['p50'], peer['post_latency_ms']['p50'])}",
        flush=True,
    )


def post_score(port: int, match: int, token: str, version: int) -> int:
    body = json.dumps(
        {
            "type": "pot",
            "side": 0,
            "count": 1,
            "expected_version": version,
            "client_event_id": str(uuid.uuid4()),
        }
    ).encode()
    req = urllib.request.Request(  # noqa: S310
        f"http://127.0.0.1:{port}/api/matches/{match}/events/",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:  # noqa: S310
        return json.loads(r.read())["version"]


def warm_up(port: int, match: int, token: str, count: int) -> None:
    """A few score POSTs on a spare match, one after the other: a fresh daphne's first requests
    pay Django's lazy set-up (URLconf, DRF, JWT), which would make the first measured POSTs
    overlap and, with `expected_version`, fail from there on (409)."""
    version = 0
    with urllib.request.urlopen(  # noqa: S310
        f"http://127.0.0.1:{port}/api/matches/{match}/", timeout=30
    ) as r:
        version = json.loads(r.read())["version"]
    for _ in range(count):
        version = post_score(port, match, token, version)


def run_layout(args, layout: str, combos: list[tuple[int, float]]):
    procs = 1 if layout == "one" else 2
    prefix = f"sbs{os.getpid()}{layout}"
    if layout == "one":
        db = Path(tempfile.mkdtemp(prefix="artel-sbs-")) / "perf.sqlite3"
        env = product_env(f"sqlite:///{db}", None, prefix)
    else:
        env = product_env(fresh_postgres(f"artel_sbs{os.getpid()}"), REDIS, prefix)
    matches, token = make_matches(env, len(combos) * args.rounds + 1)
    spare = matches.pop()
    peers = start_peers(args.peer_venv, procs)
    products = start_daphnes(env, procs)
    try:
        for port, _proc in products:
            warm_up(port, spare, token, args.warm_up)
        k = 0
        for _round in range(args.rounds):
            for n, rate in combos:
                print(f"[{layout}: {procs} process(es)] N={n} rate={rate}/s M={args.m}", flush=True)
                run_pair(
                    args,
                    layout,
                    n,
                    rate,
                    peers,
                    products,
                    [p.pid for _port, p in products],
                    matches[k],
                    token,
                )
                k += 1
    finally:
        for _port, proc in peers + products:
            _common.stop_process(proc)


# --- the reconnect storm ---------------------------------------------------------------------------


def snapshot_loads(port: int) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:  # noqa: S310
        text = r.read().decode()
    found = re.findall(r'^artel_ws_snapshot_loads_total\{kind="match"\} ([0-9.e+]+)$', text, re.M)
    return float(found[0]) if found else 0.0


async def storm_client(n: int, ports: list[int], topic: str, survivor: int, ready: Path, go: Path):
    """Runs under the peer venv (aiohttp): n sockets over `ports`; after `go` appears every socket
    whose server died reconnects to `survivor`. Prints a JSON line of what it saw."""
    import aiohttp  # noqa: PLC0415 - the storm client runs in the peer's venv

    origin = f"http://127.0.0.1:{survivor}"
    resynced_versions: list[int] = []
    results = {"connected": 0, "resynced": 0, "lost_after_resync": 0, "out_of_order": 0}
    last_seen: dict[int, int] = {}
    stop = asyncio.Event()

    async def watch(i: int, session):
        port = ports[i % len(ports)]
        resynced = False
        while not stop.is_set():
            try:
                async with session.ws_connect(
                    f"ws://127.0.0.1:{port}/ws/", headers={"Origin": origin}, heartbeat=None
                ) as ws:
                    await ws.send_str(json.dumps({"op": "subscribe", "topic": topic}))
                    async for msg in ws:
                        if msg.type != aiohttp.WSMsgType.TEXT:
                            break
                        body = json.loads(msg.data)
                        if body.get("type") == "snapshot":
                            if resynced:
                                resynced_versions.append(body["version"])
                                results["resynced"] += 1
                            else:
                                results["connected"] += 1
                            last_seen[i] = body["version"]
                        elif body.get("type") == "update":
                            v = body["version"]
                            if v != last_seen.get(i, v - 1) + 1:
                                if v <= last_seen.get(i, 0):
                                    results["out_of_order"] += 1
                                elif resynced:
                                    results["lost_after_resync"] += 1
                            last_seen[i] = max(v, last_seen.get(i, 0))
                        if stop.is_set():
                            break
            except (aiohttp.ClientError, OSError):
                pass
            if stop.is_set():
                break
            port, resynced = survivor, True  # the storm: straight back, no back-off
            await asyncio.sleep(0)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        tasks = [asyncio.create_task(watch(i, session)) for i in range(n)]
        while results["connected"] < n:
            await asyncio.sleep(0.1)
        ready.write_text("ok")
        while not go.exists():
            await asyncio.sleep(0.1)
        go.unlink()
        stop.set()
        await asyncio.sleep(0.5)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    results["final_versions"] = sorted(set(last_seen.values()))[-3:]
    results["resynced_versions"] = sorted(set(resynced_versions))
    print(json.dumps(results), flush=True)


def run_storm(args, n: int):
    prefix = f"sbs{os.getpid()}storm"
    env = product_env(fresh_postgres(f"artel_sbs{os.getpid()}s"), REDIS, prefix)
    (match,), token = make_matches(env, 1)
    products = start_daphnes(env, 2)
    (survivor, _), (victim_port, victim) = products
    scratch = Path(tempfile.mkdtemp(prefix="artel-storm-"))
    ready, go = scratch / "ready", scratch / "go"
    client = subprocess.Popen(  # noqa: S603
        [
            str(args.peer_venv / "bin" / "python"),
            __file__,
            "--storm-client",
            str(n),
            str(survivor),
            str(victim_port),
            f"match:{match}",
            str(ready),
            str(go),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    version = 0

    def score():
        nonlocal version
        body = json.dumps(
            {
                "type": "pot",
                "side": 0,
                "count": 1,
                "expected_version": version,
                "client_event_id": str(uuid.uuid4()),
            }
        ).encode()
        req = urllib.request.Request(  # noqa: S310
            f"http://127.0.0.1:{survivor}/api/matches/{match}/events/",
            data=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310
                version = json.loads(r.read())["version"]
        except OSError as exc:
            print(f"  score POST failed: {exc}")

    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            if time.monotonic() > deadline or client.poll() is not None:
                print("[storm] the watchers did not all connect in 120 s")
                return
            time.sleep(0.1)
        for _ in range(5):
            score()
            time.sleep(0.2)
        before = snapshot_loads(survivor)
        os.killpg(victim.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        while time.monotonic() - killed_at < 6:  # score at 5/s through the storm
            score()
            time.sleep(0.2)
        after = snapshot_loads(survivor)
        go.write_text("go")
        out, _ = client.communicate(timeout=60)
        seen = json.loads(out.strip().splitlines()[-1])
        print(f"[storm] N={n} watchers over two daphne, one killed (SIGKILL) with {n // 2} sockets")
        print(
            f"  re-synced {seen['resynced']}/{n // 2} sockets on the survivor; lost after re-sync "
            f"{seen['lost_after_resync']}, out of order {seen['out_of_order']}; final version "
            f"{version}, sockets end at {seen['final_versions']}"
        )
        print(
            f"  survivor's snapshot loads during the storm: {after - before:.0f} for "
            f"{len(seen['resynced_versions'])} distinct snapshot versions "
            f"{seen['resynced_versions'][:10]} (one topic)",
            flush=True,
        )
    finally:
        if client.poll() is None:
            client.kill()
        for _port, proc in products:
            _common.stop_process(proc)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--storm-client":
        n, survivor, victim = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        topic, ready, go = sys.argv[5], Path(sys.argv[6]), Path(sys.argv[7])
        asyncio.run(storm_client(n, [survivor, victim], topic, survivor, ready, go))
        return
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--peer-venv", type=Path, required=True)
    p.add_argument("--layouts", nargs="+", default=["one", "two"], choices=["one", "two"])
    p.add_argument("-n", nargs="+", type=int, default=[1000, 5000])
    p.add_argument("--rates", nargs="+", type=float, default=[5, 20, 50])
    p.add_argument(
        "--combos",
        nargs="+",
        default=[],
        help="layout:N:rate triples instead of the full matrix (e.g. one:1000:20)",
    )
    p.add_argument("-m", type=int, default=200, help="score events per run")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--warm-up", type=int, default=20, help="sequential POSTs per process first")
    p.add_argument("--profile", type=Path, help="py-spy raw profiles of the first daphne here")
    p.add_argument("--storm", action="store_true", help="also run the reconnect storm")
    p.add_argument("--storm-n", type=int, default=1000)
    p.add_argument("--storm-only", action="store_true", help="only the reconnect storm")
    p.add_argument("--out", help="append every loadgen result (JSON lines) to this file")
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    plan: dict[str, list[tuple[int, float]]] = {}
    if args.combos:
        for combo in args.combos:
            layout, n, rate = combo.split(":")
            plan.setdefault(layout, []).append((int(n), float(rate)))
    else:
        for layout in args.layouts:
            plan[layout] = [(n, rate) for n in args.n for rate in args.rates]
    for layout, combos in plan.items():
        if not args.storm_only:
            run_layout(args, layout, combos)
    if args.storm or args.storm_only:
        run_storm(args, args.storm_n)


if __name__ == "__main__":
    main()
