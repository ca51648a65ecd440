"""Reads of the stats app: leaderboards, a player's stats, head-to-head, match history.

Every selector runs a constant number of queries whatever the page size (tested).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from games import rules
from games.models import Match
from stats import achievements
from stats.models import OVERALL, Achievement, Family, PlayerMatch, PlayerStats, Rating
from stats.ratings import (
    PROVISIONAL_FRAMES,
    PlayerRating,
    display_rating,
    match_win_probability,
    win_probability,
)

PERIODS = {"all": None, "month": timedelta(days=30), "week": timedelta(days=7)}
# "Trend" of the all-time board: the change over the last 30 days.
ALL_TIME_TREND = timedelta(days=30)
LEADERBOARD_TTL = 300
LEADERBOARD_VERSION_KEY = "stats:leaderboard-version:{}"
SPARKLINE_POINTS = 30


def family_of(value: str) -> str | None:
    """A family name, or the family of a discipline name; None if neither."""
    if value in Family.values:
        return value
    return rules.FAMILY.get(value)


# --- leaderboard cache ------------------------------------------------------------------------
def leaderboard_version(family: str) -> int:
    key = LEADERBOARD_VERSION_KEY.format(family)
    value = cache.get(key)
    if value is None:
        # Seeded with the clock, not 0: if the counter is evicted while cached boards survive,
        # the new keys still never match the old ones.
        cache.add(key, int(time.time() * 1000), timeout=None)
        value = cache.get(key)
    return int(value)


def leaderboard_bump_version(family: str) -> None:
    key = LEADERBOARD_VERSION_KEY.format(family)
    try:
        cache.incr(key)
    except ValueError:
        cache.add(key, int(time.time() * 1000), timeout=None)


def leaderboard_cache_key(family: str, period: str, club_id: int | None, page: int, size: int):
    version = leaderboard_version(family)
    return f"stats:leaderboard:{family}:{version}:{period}:{club_id or 0}:{page}:{size}"


# --- leaderboard --------------------------------------------------------------------------------
@dataclass
class LeaderboardPage:
    count: int
    entries: list[dict]


def leaderboard(
    *, family: str, period: str = "all", club_id: int | None = None, page: int = 1, size: int = 50
) -> LeaderboardPage:
    """Players of a family ranked by rating (highest first; ties by player id).

    ``period`` all: every rated player; month / week: players with a rated match in the last
    30 / 7 days, with that period's matches, win rate and rating change (trend). ``club_id``
    keeps players who played in that club (in the period) and counts only those matches.
    Four queries: the count, the page, the page's period figures, the page's users.
    """
    since = timezone.now() - PERIODS[period] if PERIODS[period] else None
    ratings = Rating.objects.filter(family=family)
    played = PlayerMatch.objects.filter(
        family=family, player=OuterRef("player"), mu_after__isnull=False
    )
    if since is not None:
        played = played.filter(finished_at__gte=since)
    if club_id is not None:
        played = played.filter(club_id=club_id)
    if since is not None or club_id is not None:
        ratings = ratings.filter(Exists(played))
    count = ratings.count()
    offset = (page - 1) * size
    page_rows = list(
        ratings.order_by("-display", "player_id").values(
            "player_id", "display", "mu", "sigma", "frames", "matches", "wins"
        )[offset : offset + size]
    )
    ids = [r["player_id"] for r in page_rows]
    base = PlayerMatch.objects.filter(family=family, player_id__in=ids, mu_after__isnull=False)
    if club_id is not None:
        base = base.filter(club_id=club_id)
    trend_since = since or timezone.now() - ALL_TIME_TREND
    figures = {
        r["player_id"]: r
        for r in base.values("player_id").annotate(
            n=Count("id", filter=Q(finished_at__gte=since) if since else Q()),
            w=Count("id", filter=Q(won=True, **({"finished_at__gte": since} if since else {}))),
            before=Sum("rating_before", filter=Q(finished_at__gte=trend_since)),
            after=Sum("rating_after", filter=Q(finished_at__gte=trend_since)),
        )
    }
    users = get_user_model().objects.in_bulk(ids)
    entries = []
    for i, r in enumerate(page_rows):
        fig = figures.get(r["player_id"], {})
        if since is None and club_id is None:
            matches, wins = r["matches"], r["wins"]
        else:
            matches, wins = fig.get("n", 0), fig.get("w", 0)
        trend = (fig.get("after") or 0) - (fig.get("before") or 0)
        entries.append(
            {
                "rank": offset + i + 1,
                "player": player_brief(users.get(r["player_id"])),
                "rating": r["display"],
                "provisional": r["frames"] < PROVISIONAL_FRAMES,
                "matches": matches,
                "wins": wins,
                "win_rate": round(wins / matches, 4) if matches else None,
                "trend": trend,
            }
        )
    return LeaderboardPage(count=count, entries=entries)


def player_brief(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "display_name": user.display_name, "photo_url": user.photo_url or ""}


# --- player stats -------------------------------------------------------------------------------
def stats_payload(row: PlayerStats | None) -> dict:
    row = row or PlayerStats()
    return {
        "matches": row.matches,
        "matches_won": row.matches_won,
        "win_rate": _r(row.win_rate),
        "frames": row.frames,
        "frames_won": row.frames_won,
        "frame_win_rate": _r(row.frame_win_rate),
        "current_streak": row.current_streak,
        "best_streak": row.best_streak,
        "avg_frame_seconds": row.avg_frame_seconds,
        "fouls": row.fouls,
        "fouls_per_frame": _r(row.fouls_per_frame),
        "high_run": row.high_run,
        "clean_frames": row.clean_frames,
        "break_and_runs": row.break_and_runs,
        "play_seconds": row.play_seconds,
        "last_match_at": row.last_match_at,
    }


def _r(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


def player_stats(*, player_id: int) -> dict:
    """Overall and per-family statistics, ratings with their sparkline, achievements.
    Five queries."""
    user = get_user_model().objects.filter(pk=player_id).first()
    if user is None:
        return None
    stats = {s.scope: s for s in PlayerStats.objects.filter(player_id=player_id)}
    ratings = {r.family: r for r in Rating.objects.filter(player_id=player_id)}
    history: dict[str, list] = defaultdict(list)
    recent = (
        PlayerMatch.objects.filter(player_id=player_id, rating_after__isnull=False)
        .order_by("-finished_at", "-match_id")
        .values_list("family", "finished_at", "rating_after")
    )
    for family, at, value in recent[: SPARKLINE_POINTS * len(Family.values)]:
        if len(history[family]) < SPARKLINE_POINTS:
            history[family].append({"at": at, "rating": value})
    families = {}
    for family in Family.values:
        rating = ratings.get(family)
        families[family] = {
            "label": str(Family(family).label),
            **stats_payload(stats.get(family)),
            "rating": rating_payload(rating),
            "rating_history": list(reversed(history.get(family, []))),
        }
    awards = [
        {**achievements.describe(a.code), "awarded_at": a.awarded_at, "match_id": a.match_id}
        for a in Achievement.objects.filter(player_id=player_id).order_by("awarded_at", "id")
    ]
    return {
        "player": player_brief(user),
        "overall": stats_payload(stats.get(OVERALL)),
        "families": families,
        "achievements": awards,
        "achievements_available": len(achievements.CATALOGUE),
    }


def rating_payload(rating: Rating | None) -> dict | None:
    if rating is None:
        return None
    return {
        "value": rating.display,
        "mu": round(rating.mu, 3),
        "sigma": round(rating.sigma, 3),
        "frames": rating.frames,
        "matches": rating.matches,
        "provisional": rating.frames < PROVISIONAL_FRAMES,
    }


# --- head-to-head -------------------------------------------------------------------------------
def head_to_head(*, player_id: int, other_id: int, viewer=None) -> dict | None:
    """Record of ``player`` against ``other`` (matches where they were on opposite sides), per
    family and overall, the last matches, and the win chances in each family."""
    users = get_user_model().objects.in_bulk([player_id, other_id])
    if player_id not in users or other_id not in users:
        return None
    rows = h2h_rows(player_id, other_id)
    per_family: dict[str, dict] = {}
    total = {"matches": 0, "wins": 0, "losses": 0, "frames_won": 0, "frames_lost": 0}
    for r in rows.values("family", "won", "frames_won", "frames_lost"):
        fam = per_family.setdefault(
            r["family"], {"matches": 0, "wins": 0, "losses": 0, "frames_won": 0, "frames_lost": 0}
        )
        for bucket in (fam, total):
            bucket["matches"] += 1
            bucket["wins" if r["won"] else "losses"] += 1
            bucket["frames_won"] += r["frames_won"]
            bucket["frames_lost"] += r["frames_lost"]
    last = visible_rows(rows, viewer, player_id).order_by("-finished_at", "-match_id")[:10]
    last = list(last.select_related("match"))
    ratings = defaultdict(dict)
    for r in Rating.objects.filter(player_id__in=[player_id, other_id]):
        ratings[r.family][r.player_id] = r
    chances = {}
    for family in Family.values:
        mine = ratings[family].get(player_id)
        theirs = ratings[family].get(other_id)
        chances[family] = round(win_probability([_pr(mine)], [_pr(theirs)]), 4)
    return {
        "player": player_brief(users[player_id]),
        "opponent": player_brief(users[other_id]),
        "overall": total,
        "families": per_family,
        "frame_win_probability": chances,
        "last_matches": [
            {
                "match_id": r.match_id,
                "discipline": r.discipline,
                "finished_at": r.finished_at,
                "won": r.won,
                "frames": [r.frames_won, r.frames_lost],
            }
            for r in last
        ],
    }


def _pr(rating: Rating | None) -> PlayerRating:
    return PlayerRating(mu=rating.mu, sigma=rating.sigma) if rating else PlayerRating()


def h2h_rows(player_id: int, other_id: int) -> QuerySet:
    opponent = PlayerMatch.objects.filter(match=OuterRef("match"), player_id=other_id).exclude(
        side=OuterRef("side")
    )
    return PlayerMatch.objects.filter(player_id=player_id).filter(Exists(opponent))


def visible_rows(rows: QuerySet, viewer, player_id: int) -> QuerySet:
    """Private matches are listed only to their players and staff."""
    if (
        viewer is not None
        and viewer.is_authenticated
        and (viewer.is_staff or viewer.pk == player_id)
    ):
        return rows
    if viewer is not None and viewer.is_authenticated:
        mine = PlayerMatch.objects.filter(match=OuterRef("match"), player_id=viewer.pk)
        return rows.filter(~Q(match__visibility=Match.Visibility.PRIVATE) | Exists(mine))
    return rows.exclude(match__visibility=Match.Visibility.PRIVATE)


# --- match history ------------------------------------------------------------------------------
def player_matches(*, player_id: int, viewer=None, family: str | None = None) -> QuerySet:
    """A player's finished matches, newest first, ready to paginate: 4 queries per page
    (count, rows with their match, the matches' sides, the sides' players)."""
    rows = PlayerMatch.objects.filter(player_id=player_id)
    if family:
        rows = rows.filter(family=family)
    return (
        visible_rows(rows, viewer, player_id)
        .select_related("match")
        .prefetch_related("match__sides__players")
        .order_by("-finished_at", "-match_id")
    )


def match_row_payload(row: PlayerMatch) -> dict:
    sides = sorted(row.match.sides.all(), key=lambda s: s.index)
    mine = sides[row.side] if len(sides) == 2 else None
    other = sides[1 - row.side] if len(sides) == 2 else None
    return {
        "match_id": row.match_id,
        "discipline": row.discipline,
        "family": row.family,
        "finished_at": row.finished_at,
        "won": row.won,
        "frames": [row.frames_won, row.frames_lost],
        "partners": _side_people(mine, exclude=row.player_id),
        "opponents": _side_people(other),
        "rating_before": row.rating_before,
        "rating_after": row.rating_after,
        "high_run": row.high_run,
        "fouls": row.fouls,
    }


def _side_people(side, exclude: int | None = None) -> list[dict]:
    if side is None:
        return []
    if side.guest_name:
        return [{"id": None, "display_name": side.guest_name, "guest": True}]
    return [
        {"id": p.pk, "display_name": p.display_name, "guest": False}
        for p in side.players.all()
        if p.pk != exclude
    ]


# --- win probability ----------------------------------------------------------------------------
def win_chances(*, family: str, side_a: list[int], side_b: list[int], race_to: int | None) -> dict:
    """P(side A wins a frame / the match) from the stored ratings (one query)."""
    ratings = {
        r.player_id: r for r in Rating.objects.filter(family=family, player_id__in=side_a + side_b)
    }
    a = [_pr(ratings.get(p)) for p in side_a]
    b = [_pr(ratings.get(p)) for p in side_b]
    frame = win_probability(a, b)
    return {
        "family": family,
        "frame": round(frame, 4),
        "match": round(match_win_probability(frame, race_to), 4) if race_to else None,
        "ratings": {
            str(p): display_rating(r.mu, r.sigma)
            for p, r in zip(side_a + side_b, a + b, strict=True)
        },
    }


def player_brief_by_id(player_id: int) -> dict | None:
    return player_brief(get_user_model().objects.filter(pk=player_id).first())
