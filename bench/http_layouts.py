"""HTTP throughput: `make serve`'s layout (nginx → gunicorn gthread workers) against today's one
daphne (the old compose `web`), in one run, on the same PostgreSQL + Redis data, DEBUG off. wrk
(Debian's package) drives each endpoint in turn; prints req/s, p50/p99, errors and the ratio.
(Not named bench/http.py: the scripts here run with bench/ first on the path, where that name
would shadow the standard library's `http` for every one of them.)

    .venv/bin/python bench/http_layouts.py                       # 3 rounds × 8 s per endpoint and layout
    .venv/bin/python bench/http_layouts.py --duration 8 --connections 32 --web-workers 2
    .venv/bin/python bench/http_layouts.py --only serve          # just the production layout
    .venv/bin/python bench/http_layouts.py --cost 2000           # CPU per request in this process, no server

`--cost N` runs each endpoint N times through Django's WSGI handler in this process (the same
settings as a gunicorn worker of `make serve`) and prints the CPU time (process time: the Python
a request costs, without the wait for PostgreSQL and Redis) and the wall time per request.

The database named by --database-url is created if missing, flushed, migrated and given the demo
club (`seed_demo --production`); the servers use --redis-url (pick a db number nobody else uses)
under their own key prefix. Both layouts are up at once but measured in turn (one wrk at a time),
alternating for --rounds rounds, and the median is printed: a noisy minute on a shared machine
then falls on both. The client (wrk, 2 threads) shares the cores, as it would on one box.
Measured 2026-12-04 19:29 UTC on this 2-CPU box, shared with other engineers' test suites (load
average 10-12), `bench/http_layouts.py --duration 5 --rounds 3` (medians of 3 alternating rounds, 0 errors):

    GET /api/clubs/1/ anonymous   one daphne 144 req/s, 5.23 ms CPU/req | make serve (2 × 8 threads)
                                  309 req/s, 2.47 ms CPU/req            | × 2.1 req/s, × 0.43 CPU
    GET /api/bookings/ signed in  one daphne 183 req/s, 4.57 ms CPU/req | make serve 300 req/s,
                                  2.83 ms CPU/req                       | × 1.6 req/s, × 0.62 CPU

Again at 19:44 UTC (load average 2-9), same command: floor read one daphne 134 req/s, 5.07 ms CPU/req
vs make serve 494 req/s, 1.96 ms (× 3.7 req/s, × 0.39 CPU); bookings 175 vs 453 req/s, 4.51 vs
2.46 ms CPU/req (× 2.6, × 0.56); p99 529/388 ms and 366/343 ms; 0 errors.

Under that load 4 sync workers answered 86-95 req/s to the 2 × 8 gthread layout's 262-486: requests
wait on PostgreSQL, and sync workers idle meanwhile. The issue's targets (≥ 1,000 and ≥ 600 req/s,
× 4) were not reached on the shared box.

"server CPU" is the CPU time every process of the layout (nginx included; PostgreSQL and Redis
not) used during the run, per request answered: what a request costs, however busy the box is.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common  # noqa: E402
from bench._common import (  # noqa: E402
    BASE_DIR,
    ServeLayout,
    server_env,
    start_daphne,
    stop_process,
)
from bench.load import manage, prepare_database  # noqa: E402

# What deploy/serve.py gives its gunicorn workers (one persistent connection, no health check).
WSGI_WORKER_ENV = {"DB_POOL_MAX_SIZE": "0", "DB_CONN_MAX_AGE": "600", "DB_CONN_HEALTH_CHECKS": "0"}
TOKEN_SNIPPET = (
    "from accounts.models import User; from rest_framework_simplejwt.tokens import RefreshToken; "
    "u = User.objects.filter(telegram_id__isnull=False).order_by('pk').first(); "
    "print(str(RefreshToken.for_user(u).access_token))"
)


def wrk(url: str, *, duration: int, connections: int, token: str | None) -> dict:
    argv = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "-H",
        "Host: localhost",
    ]
    if token:
        argv += ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run([*argv, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    errors += sum(int(x) for x in sock.groups()) if sock else 0
    return {
        "rps": rps,
        "requests": requests,
        "p50": lat.get("50", "?"),
        "p99": lat.get("99", "?"),
        "errors": errors,
    }


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pgids: set[int]) -> float:
    """CPU time (user + system) used so far by every live process in these process groups."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) in pgids:  # after ")": state, ppid, pgrp, ..., utime (11), stime (12)
            total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


def check(url: str, token: str | None) -> None:
    """One request must answer 200 before wrk counts anything."""
    argv = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: localhost"]
    if token:
        argv += ["-H", f"Authorization: Bearer {token}"]
    code = subprocess.run([*argv, url], capture_output=True, text=True).stdout  # noqa: S603
    if code != "200":
        raise SystemExit(f"{url} answered {code}, not 200")


def request_cost(env: dict, endpoints, n: int) -> None:
    os.environ.update(env)
    os.environ.update(WSGI_WORKER_ENV)
    _common.django_setup()
    from django.test import Client

    client = Client()
    for name, path, tok in endpoints:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {tok}"} if tok else {}
        for _ in range(50):  # warm: connections, caches, imports
            assert client.get(path, HTTP_HOST="localhost", **headers).status_code == 200
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(n):
            client.get(path, HTTP_HOST="localhost", **headers)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(
            f"  {name:<34} CPU {cpu / n * 1000:.2f} ms/request, wall {wall / n * 1000:.2f} ms "
            f"({n} requests, in process)"
        )


def main() -> None:
    p = _common.parser(
        __doc__,
        database_url="postgres://postgres@127.0.0.1:5432/artel_bench_http",
        database_url_help="PostgreSQL database (created, flushed, seeded)",
    )
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    p.add_argument("--duration", type=int, default=8, help="seconds of wrk per endpoint")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds per endpoint")
    p.add_argument("--web-workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--web-threads", type=int, default=8, help="1 = sync workers")
    p.add_argument("--only", choices=["daphne", "serve"], help="run one layout")
    p.add_argument("--cost", type=int, metavar="N", help="CPU per request in process (N each)")
    args = p.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")

    prefix = f"benchhttp{os.getpid()}"
    env = server_env(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        CACHE_PREFIX=prefix,
        CHANNELS_PREFIX=prefix,
        CELERY_TASK_ALWAYS_EAGER="0",
        LOG_LEVEL="WARNING",
        LOG_FORMAT="json",
        RATE_LIMITS_ENABLED="0",
        DB_POOL_MAX_SIZE="10",
    )
    info = prepare_database(env)
    token = manage(env, "shell", "-c", TOKEN_SNIPPET).strip().splitlines()[-1]
    endpoints = [
        (f"GET /api/clubs/{info['club']}/ anonymous", f"/api/clubs/{info['club']}/", None),
        ("GET /api/bookings/ signed in", "/api/bookings/", token),
    ]
    if args.cost:
        print(f"request cost: {args.cost} requests per endpoint, DEBUG off, PostgreSQL + Redis")
        request_cost(env, endpoints, args.cost)
        return
    print(
        f"HTTP bench: wrk -t2 -c{args.connections} -d{args.duration}s per endpoint, "
        f"{os.cpu_count()} CPUs, PostgreSQL + Redis, DEBUG off"
    )
    layouts = {
        "daphne": "one daphne (old `web`)",
        "serve": f"make serve (gunicorn {args.web_workers}×{args.web_threads} thr)",
    }
    if args.only:
        layouts = {args.only: layouts[args.only]}
    log_dir = BASE_DIR / "var" / "bench-http"
    log_dir.mkdir(parents=True, exist_ok=True)
    # Both layouts stay up and are measured in turn, round after round, so that a busy minute of
    # this shared machine falls on both alike; each figure is the median of its rounds.
    urls: dict[str, str] = {}
    daphne = serve = None
    try:
        # Each process of a layout leads its own process group (its children join it).
        pgids: dict[str, set[int]] = {}
        if "daphne" in layouts:
            urls["daphne"], daphne = start_daphne(env, extra_args=("--proxy-headers",))
            pgids["daphne"] = {daphne.pid}
        if "serve" in layouts:
            serve = ServeLayout(
                env, log_dir, WEB_WORKERS=str(args.web_workers), WEB_THREADS=str(args.web_threads)
            ).start()
            urls["serve"] = serve.urls[0]
            pgids["serve"] = set(serve.processes.values())
        runs: dict[tuple[str, str], list[dict]] = {}
        for name, path, tok in endpoints:
            for url in urls.values():
                check(url + path, tok)
                wrk(url + path, duration=2, connections=args.connections, token=tok)  # warm-up
            for _round in range(args.rounds):
                for key, url in urls.items():
                    before = cpu_seconds(pgids[key])
                    r = wrk(
                        url + path, duration=args.duration, connections=args.connections, token=tok
                    )
                    r["cpu_ms"] = (cpu_seconds(pgids[key]) - before) / max(1, r["requests"]) * 1000
                    runs.setdefault((name, key), []).append(r)
            for key in urls:
                rs = sorted(runs[(name, key)], key=lambda r: r["rps"])
                r = rs[len(rs) // 2]
                errors = sum(x["errors"] for x in rs)
                print(
                    f"  {layouts[key]:<36} {name:<34} {r['rps']:8.0f} req/s  p50 {r['p50']:>8}  "
                    f"p99 {r['p99']:>8}  errors {errors}  server CPU {r['cpu_ms']:.2f} ms/req  (rounds: "
                    + ", ".join(f"{x['rps']:.0f}" for x in runs[(name, key)]) + ")",
                    flush=True,
                )  # fmt: skip
    finally:
        if daphne is not None:
            stop_process(daphne)
        if serve is not None:
            serve.stop()
    if len(urls) == 2:
        print("ratio (make serve / one daphne), medians:")
        for name, _path, _tok in endpoints:
            a = sorted(x["rps"] for x in runs[(name, "daphne")])[args.rounds // 2]
            b = sorted(x["rps"] for x in runs[(name, "serve")])[args.rounds // 2]
            ca = sorted(x["cpu_ms"] for x in runs[(name, "daphne")])[args.rounds // 2]
            cb = sorted(x["cpu_ms"] for x in runs[(name, "serve")])[args.rounds // 2]
            print(f"  {name:<34} req/s × {b / a:.1f}   server CPU per request × {cb / ca:.2f}")


if __name__ == "__main__":
    main()
