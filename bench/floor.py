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

import asyncio
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common  # noqa: E402
from bench._common import ms, percentile, spread  # noqa: E402
from bench.ws_fanout import Fanout, rss_bytes  # noqa: E402

DB_NAME = "bench_floor.sqlite3"
SECRET = "bench-floor-secret-key-not-for-production-0123456789"


def setup_django(redis: bool) -> None:
    _common.setup_django(DB_NAME, secret_key=SECRET, keep_redis=redis, seed=True)


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

    # All sockets come from one IP: lift the per-IP handshake limit (core.ratelimit).
    env = _common.server_env(**_common.ONE_IP_SOCKETS)
    results, round_trips, commit_offsets = [], [], []
    with _common.server(env) as (base, proc):
        ws_url = base.replace("http://", "ws://") + "/ws/"
        async with httpx.AsyncClient(timeout=30) as client:
            # Warm up: the floor, the API and a socket once, so "idle" includes loaded code.
            await client.get(f"{base}/api/clubs/{club.id}/")
            async with Fanout(ws_url, f"club:{club.id}", 5):
                pass
            await asyncio.sleep(0.5)
            rss_idle = rss_bytes(proc.pid)

            async with Fanout(
                ws_url,
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

    lasts = [r.last for r in results if r.last is not None]
    missed = sum(r.missed for r in results)
    print(
        f"sockets: {args.sockets} on club:{club.id}, bookings: {len(results)}, "
        f"layer: {'redis (commit in this process)' if args.redis else 'in-memory (HTTP booking)'}"
    )
    print(f"connect + subscribe all: {fan.connect_seconds:.2f} s")
    if round_trips:
        print(f"booking HTTP round trip: median {ms(statistics.median(round_trips))}")
    origin = "commit" if args.redis else "booking request sent (≥ commit)"
    print(f"{origin} → last socket: {spread(lasts)}")
    firsts = [r.first for r in results if r.first is not None]
    if firsts:
        print(f"{origin} → first socket: p50 {ms(percentile(firsts, 50))}")
    print(f"missed receipts: {missed}")
    print(_common.rss_per_socket(rss_idle, rss_loaded, args.sockets))


if __name__ == "__main__":
    parser = _common.parser(__doc__, sockets=1000, redis=True)
    parser.add_argument("--bookings", type=int, default=50)
    parser.add_argument(
        "--connect-concurrency", type=int, default=200, help="handshakes in flight at once"
    )
    arguments = parser.parse_args()
    setup_django(arguments.redis)
    asyncio.run(run(arguments))
