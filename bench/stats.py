"""Stats read speed at club-network scale: leaderboards and player stats with 10,000 players and
200,000 finished matches on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/artel .venv/bin/python bench/stats.py \
        [--players 10000] [--matches 200000] [--keep]

Creates its own database (``test_<name>_statsbench``, dropped at the end unless --keep), bulk-
creates users, matches with their sides and the stats rows (PlayerMatch with ratings replayed in
memory by the real rating system, Rating, PlayerStats) directly, then times each endpoint through
Django's test client (in-process: the figures are the app + database time, no network) and
counts its queries. Leaderboards are timed uncached (cache cleared before each run) and cached.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common  # noqa: E402

RUNS = 15
FAMILY_OF = {"pyramid_moscow": "pyramid", "pool_9": "pool", "snooker": "snooker"}


def setup(keep: bool):
    # Production-like: DEBUG off (no query log), persistent connections, plain HTTP test client.
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-stats-not-a-secret-" + "x" * 30)
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("DB_CONN_MAX_AGE", "60")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench/stats.py needs DATABASE_URL=postgres://... (PostgreSQL)")
    _common.django_setup()
    from django.conf import settings
    from django.db import connection

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        f"test_{settings.DATABASES['default']['NAME']}_statsbench"
    )
    connection.settings_dict["TEST"].update(settings.DATABASES["default"]["TEST"])
    t = time.perf_counter()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"database {name} created and migrated in {time.perf_counter() - t:.1f} s")
    return name


def populate(n_players: int, n_matches: int, seed: int = 7) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from games.models import Club, MatchSide
    from stats.models import PlayerMatch, PlayerStats, Rating
    from stats.ratings import OpenSkillRatings, display_rating
    from stats.services import stats_from_rows

    rng = random.Random(seed)
    User = get_user_model()
    t = time.perf_counter()
    club = Club.objects.create(name="Bench club")
    User.objects.bulk_create(
        [User(username=f"bench{i}", first_name=f"Player {i}") for i in range(n_players)],
        batch_size=5000,
    )
    ids = list(User.objects.order_by("id").values_list("id", flat=True))
    skill = {pid: rng.gauss(0, 1) for pid in ids}
    weights = [rng.paretovariate(1.3) for _ in ids]
    disciplines = list(FAMILY_OF)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    span = (datetime.now(UTC) - start).total_seconds()
    fmt = {"race_to": 2, "best_of": 3}
    systems = {f: OpenSkillRatings() for f in set(FAMILY_OF.values())}
    # A chronological schedule so the replay is in match order.
    stamps = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(n_matches))
    plans = []
    for at in stamps:
        a, b = rng.choices(ids, weights, k=2)
        while b == a:
            b = rng.choice(ids)
        discipline = rng.choice(disciplines)
        won = [0, 0]
        winners = []
        while max(won) < 2:
            p = 1 / (1 + 2.718281828 ** (skill[b] - skill[a]))
            w = 0 if rng.random() < p else 1
            won[w] += 1
            winners.append(w)
        plans.append((at, a, b, discipline, winners))

    # Rows go in with COPY (the ORM's bulk_create is far slower at this size); ids are assigned
    # here and the sequences moved past them afterwards.
    pm_fields = [f for f in PlayerMatch._meta.concrete_fields if f.name != "id"]
    pm_columns = ", ".join(f'"{f.column}"' for f in pm_fields)
    match_columns = (
        "id, discipline, format, club_id, visibility, status, winner_side, state, version, "
        "created_at, updated_at, finished_at"
    )
    fmt_json = json.dumps(fmt)
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY games_match ({match_columns}) FROM STDIN") as copy:
            for mid, (at, _a, _b, d, w) in enumerate(plans, start=1):
                winner = 0 if w.count(0) == 2 else 1
                state = {
                    "discipline": d, "format": fmt, "frames": [w.count(0), w.count(1)],
                    "winner": winner, "over": True, "high_run": None,
                    "frame_history": [
                        {"winner": x, "score": [0, 0], "how": None, "breaks": None} for x in w
                    ],
                }  # fmt: skip
                copy.write_row(
                    (mid, d, fmt_json, club.pk, "public", "finished", winner, json.dumps(state),
                     len(w), at - timedelta(minutes=40), at, at)
                )  # fmt: skip
        with raw.copy("COPY games_matchside (id, match_id, index, guest_name) FROM STDIN") as copy:
            for mid in range(1, len(plans) + 1):
                copy.write_row((2 * mid - 1, mid, 0, ""))
                copy.write_row((2 * mid, mid, 1, ""))
        through = MatchSide.players.through._meta.db_table
        with raw.copy(f"COPY {through} (matchside_id, user_id) FROM STDIN") as copy:
            for mid, (_at, a, b, _d, _w) in enumerate(plans, start=1):
                copy.write_row((2 * mid - 1, a))
                copy.write_row((2 * mid, b))
        with raw.copy(f"COPY stats_playermatch ({pm_columns}) FROM STDIN") as copy:
            for mid, (at, a, b, d, winners) in enumerate(plans, start=1):
                family = FAMILY_OF[d]
                system = systems[family]
                before = {p: (system.get(p).mu, system.get(p).sigma) for p in (a, b)}
                for w in winners:
                    system.update((a,), (b,), w)
                winner = 0 if winners.count(0) == 2 else 1
                for side, pid in ((0, a), (1, b)):
                    after = system.get(pid)
                    values = {
                        "player": pid, "match": mid, "family": family, "discipline": d,
                        "club": club.pk, "finished_at": at, "side": side,
                        "won": winner == side, "doubles": False, "against_guest": False,
                        "frames_won": winners.count(side), "frames_lost": winners.count(1 - side),
                        "frames_timed": 0, "frame_seconds": 0, "fouls": 0, "high_run": None,
                        "clean_frames": 0, "break_and_runs": 0,
                        "mu_before": before[pid][0], "sigma_before": before[pid][1],
                        "mu_after": after.mu, "sigma_after": after.sigma,
                        "rating_before": display_rating(*before[pid]),
                        "rating_after": display_rating(after.mu, after.sigma),
                        "rated_frames_after": after.frames,
                    }  # fmt: skip
                    copy.write_row(tuple(values[f.name] for f in pm_fields))
                if mid % 10000 == 0:
                    print(f"  {mid} matches written", end="\r", flush=True)
        for table, column in (("games_match", "id"), ("games_matchside", "id")):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                f"(SELECT MAX({column}) FROM {table}))"
            )
        print()
    with transaction.atomic():
        # Ratings and stats rows, summed like the service does.
        ratings = []
        for family, system in systems.items():
            counts = defaultdict(lambda: [0, 0])
            for pid, won in PlayerMatch.objects.filter(family=family).values_list(
                "player_id", "won"
            ):
                counts[pid][0] += 1
                counts[pid][1] += won
            for pid, r in system.ratings.items():
                ratings.append(
                    Rating(
                        player_id=pid, family=family, mu=r.mu, sigma=r.sigma,
                        display=display_rating(r.mu, r.sigma), frames=r.frames,
                        matches=counts[pid][0], wins=counts[pid][1],
                    )
                )  # fmt: skip
        Rating.objects.bulk_create(ratings, batch_size=5000)
        by_player = defaultdict(list)
        fields = (
            "player_id", "family", "finished_at", "won", "frames_won", "frames_lost",
            "frames_timed", "frame_seconds", "fouls", "high_run", "clean_frames", "break_and_runs",
        )  # fmt: skip
        for row in PlayerMatch.objects.order_by("finished_at", "match_id").values(*fields):
            by_player[row["player_id"]].append(row)
        stats = []
        for pid, rows in by_player.items():
            overall = stats_from_rows(rows)
            overall.player_id, overall.scope = pid, "overall"
            stats.append(overall)
            for family in set(FAMILY_OF.values()):
                fam_rows = [r for r in rows if r["family"] == family]
                if fam_rows:
                    s = stats_from_rows(fam_rows)
                    s.player_id, s.scope = pid, family
                    stats.append(s)
        PlayerStats.objects.bulk_create(stats, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    busiest = max(by_player, key=lambda p: len(by_player[p]))
    typical = sorted(by_player, key=lambda p: len(by_player[p]))[len(by_player) // 2]
    print(
        f"populated {n_players} players, {n_matches} matches, "
        f"{PlayerMatch.objects.count()} player rows, {len(ratings)} ratings in "
        f"{time.perf_counter() - t:.1f} s"
    )
    return {
        "club": club.pk,
        "busiest": busiest,
        "busiest_matches": len(by_player[busiest]),
        "typical": typical,
        "typical_matches": len(by_player[typical]),
        "rival": by_player[busiest][0]["player_id"],
    }


def measure(label: str, url: str, *, cached: bool = False) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    times, queries, status = [], 0, None
    if cached:
        client.get(url)
    for _ in range(RUNS):
        if not cached:
            cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            r = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
        queries, status = len(ctx.captured_queries), r.status_code
    times.sort()
    print(
        f"{label:<52} {status:>4} {statistics.median(times):>8.1f} "
        f"{times[int(len(times) * 0.9) - 1]:>8.1f} {queries:>8}"
    )


def main() -> None:
    parser = _common.parser(__doc__, first_line=True)
    parser.add_argument("--players", type=int, default=10_000)
    parser.add_argument("--matches", type=int, default=200_000)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    name = setup(args.keep)
    try:
        info = populate(args.players, args.matches)
        from django.contrib.auth import get_user_model

        rival = get_user_model().objects.filter(pk__gt=info["busiest"]).first().pk
        print(
            f"busiest player: {info['busiest_matches']} matches; "
            f"median player: {info['typical_matches']} matches"
        )
        print()
        print(f"{'request':<52} {'code':>4} {'p50 ms':>8} {'p90 ms':>8} {'queries':>8}")
        for period in ("all", "month", "week"):
            measure(
                f"leaderboard pool {period} (uncached)",
                f"/api/leaderboards/?discipline=pool&period={period}",
            )
        measure(
            "leaderboard pool all, club filter (uncached)",
            f"/api/leaderboards/?discipline=pool&club={info['club']}",
        )
        measure(
            "leaderboard pool all, page 100 (uncached)",
            "/api/leaderboards/?discipline=pool&page=100",
        )
        measure("leaderboard pool all (cached)", "/api/leaderboards/?discipline=pool", cached=True)
        measure("player stats, busiest player", f"/api/players/{info['busiest']}/stats/")
        measure("player stats, median player", f"/api/players/{info['typical']}/stats/")
        measure(
            "head-to-head, busiest player vs another",
            f"/api/players/{info['busiest']}/head-to-head/{rival}/",
        )
        measure(
            "match history page 1 (20), busiest player", f"/api/players/{info['busiest']}/matches/"
        )
        measure(
            "match history page 5 (100 per page)",
            f"/api/players/{info['busiest']}/matches/?page=5&page_size=100",
        )
    finally:
        if not args.keep:
            from django.db import connection

            connection.creation.destroy_test_db(name, verbosity=0)
            print(f"\ndatabase {name} dropped")


if __name__ == "__main__":
    main()
