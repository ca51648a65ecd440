"""Floor fan-out: 1,000 sockets on `club:1`, time from a booking's commit to the last socket.

Starts its own daphne on loopback over a fresh SQLite database (the demo club from seed_demo),
opens N WebSocket connections subscribed to `club:<id>`, then makes K bookings one after another
and measures, for each, how long until every socket received the floor update. Also the RSS of
the daphne process before and after the sockets connected (memory per socket).

Two ways to make the booking:

* default (embedded mode: in-memory channel layer, one daphne): `POST /api/bookings/` with a JWT.
  The commit happens inside that request, so the clock starts when the request is sent: the
  figures are an upper bound of commit → last socket (the HTTP round trip is printed too).
* `--redis` (production layer): the booking is committed by this process through
  `games.services.booking_create`; the update crosses Redis to daphne. The clock starts at the
  commit itself (an on_commit hook registered first), so the figures are exactly commit → last.

    .venv/bin/python bench/floor.py --sockets 1000 --bookings 50
    REDIS_URL=redis://127.0.0.1:6379/1 .venv/bin/python bench/floor.py --redis
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.ws_fanout import Fanout, _free_port, _stop, percentile, rss_bytes  # noqa: E402

DB_PATH = BASE_DIR / "var" / "bench_floor.sqlite3"
SECRET = "bench-floor-secret-key-not-for-production-0123456789"


def _ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:.1f} ms"


def setup_django(redis: bool) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB_PATH}{suffix}").unlink(missing_ok=True)
    os.environ.update(
        {
            "DEBUG": "1",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": f"sqlite:///{DB_PATH}",
            "LOG_LEVEL": "WARNING",
            "CELERY_TASK_ALWAYS_EAGER": "1",
        }
    )
    if not redis:
        os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


def booking_plan(club, count: int):
    """(table id, start, end) for `count` bookings that never collide: 19:00–20:00 on the
    coming days, one table after another (all inside opening hours and the horizon)."""
    from django.utils import timezone

    from games.models import Booking, Table

    tables = list(Table.objects.filter(club=club, in_service=True).order_by("number"))
    taken = set(Booking.objects.values_list("table_id", "start"))
    local_now = timezone.now().astimezone(club.tz)
    plan = []
    day = 1
    while len(plan) < count:
        start = datetime.combine(
            (local_now + timedelta(days=day)).date(), datetime.min.time(), tzinfo=club.tz
        ).replace(hour=19)
        for table in tables:
            if (table.id, start) not in taken and len(plan) < count:
                plan.append((table.id, start, start + timedelta(hours=1)))
        day += 1
        if day > club.booking_horizon_days:
            raise SystemExit("not enough free evening slots within the booking horizon")
    return plan


def make_players(count: int):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    return [
        User.objects.get_or_create(username=f"bench{i}", defaults={"first_name": f"Bench{i}"})[0]
        for i in range(count)
    ]


async def run(args) -> None:
    import httpx
    from asgiref.sync import sync_to_async
    from django.db import transaction
    from rest_framework_simplejwt.tokens import AccessToken

    from games import services
    from games.models import Club

    club = await sync_to_async(Club.objects.first)()
    plan = await sync_to_async(booking_plan)(club, args.bookings)
    players = await sync_to_async(make_players)(args.bookings)

    port = _free_port()
    env = dict(os.environ)
    env.update(
        {
            # All sockets come from one IP: lift the per-IP handshake limit (core.ratelimit).
            "WS_CONNECT_RATE": "1000000/m",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
        }
    )
    daphne = str(Path(sys.executable).with_name("daphne"))
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [daphne, "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    results, round_trips, commit_offsets = [], [], []
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            for _ in range(150):
                try:
                    if (await client.get(f"{base}/healthz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    await asyncio.sleep(0.2)
            else:
                raise RuntimeError(f"daphne did not start: {proc.stderr.read().decode()[-2000:]}")
            # Warm up: the floor, the API and a socket once, so "idle" includes loaded code.
            await client.get(f"{base}/api/clubs/{club.id}/")
            async with Fanout(f"ws://127.0.0.1:{port}/ws/", f"club:{club.id}", 5):
                pass
            await asyncio.sleep(0.5)
            rss_idle = rss_bytes(proc.pid)

            async with Fanout(
                f"ws://127.0.0.1:{port}/ws/",
                f"club:{club.id}",
                args.sockets,
                timeout=60,
                connect_concurrency=args.connect_concurrency,
            ) as fan:
                await asyncio.sleep(0.5)
                rss_loaded = rss_bytes(proc.pid)
                for i, (table_id, start, end) in enumerate(plan):
                    player = players[i]
                    if args.redis:

                        def commit_booking(player=player, table_id=table_id, start=start, end=end):
                            # Registered first, so it runs at the commit, before the broadcast.
                            began = time.perf_counter()
                            with transaction.atomic():
                                transaction.on_commit(
                                    lambda: commit_offsets.append(time.perf_counter() - began)
                                )
                                services.booking_create(
                                    player=player, table_id=table_id, start=start, end=end
                                )

                        trigger = sync_to_async(commit_booking)
                    else:
                        token = str(await sync_to_async(AccessToken.for_user)(player))

                        async def trigger(token=token, table_id=table_id, start=start, end=end):
                            began = time.perf_counter()
                            response = await client.post(
                                f"{base}/api/bookings/",
                                json={
                                    "table": table_id,
                                    "start": start.isoformat(),
                                    "end": end.isoformat(),
                                },
                                headers={"Authorization": f"Bearer {token}"},
                            )
                            round_trips.append(time.perf_counter() - began)
                            if response.status_code != 201:
                                raise RuntimeError(f"booking refused: {response.text}")

                    result = await fan.measure(trigger)
                    if args.redis and commit_offsets:
                        # The clock started before the transaction: count from its commit.
                        offset = commit_offsets[-1]
                        result.latencies = [x - offset for x in result.latencies]
                    results.append(result)
    finally:
        _stop(proc)

    lasts = [r.last for r in results if r.last is not None]
    missed = sum(r.missed for r in results)
    print(
        f"sockets: {args.sockets} on club:{club.id}, bookings: {len(results)}, "
        f"layer: {'redis (commit in this process)' if args.redis else 'in-memory (HTTP booking)'}"
    )
    print(f"connect + subscribe all: {fan.connect_seconds:.2f} s")
    if round_trips:
        print(f"booking HTTP round trip: median {_ms(statistics.median(round_trips))}")
    origin = "commit" if args.redis else "booking request sent (≥ commit)"
    print(
        f"{origin} → last socket: p50 {_ms(percentile(lasts, 50) if lasts else None)}, "
        f"p99 {_ms(percentile(lasts, 99) if lasts else None)}, "
        f"max {_ms(max(lasts) if lasts else None)}"
    )
    firsts = [r.first for r in results if r.first is not None]
    if firsts:
        print(f"{origin} → first socket: p50 {_ms(percentile(firsts, 50))}")
    print(f"missed receipts: {missed}")
    per_socket = (rss_loaded - rss_idle) / args.sockets
    print(
        f"daphne RSS: idle {rss_idle / 2**20:.1f} MiB, with {args.sockets} sockets "
        f"{rss_loaded / 2**20:.1f} MiB, ≈ {per_socket / 1024:.1f} KiB per socket"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--bookings", type=int, default=50)
    parser.add_argument("--redis", action="store_true", help="use REDIS_URL's channel layer")
    parser.add_argument(
        "--connect-concurrency", type=int, default=200, help="handshakes in flight at once"
    )
    arguments = parser.parse_args()
    setup_django(arguments.redis)
    asyncio.run(run(arguments))
