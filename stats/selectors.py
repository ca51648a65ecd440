"""Reads of the stats app: leaderboards, a player's stats, head-to-head, match history.

Every selector runs a constant number of queries whatever the page size (tested). They return
models, querysets and the small records below; their JSON shapes are in `stats.serializers`.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from games import rules
from games.models import Match
from stats.models import Achievement, Family, PlayerMatch, PlayerStats, Rating
from stats.ratings import (
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
@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    player: Any  # the user, None if gone
    rating: int
    frames: int
    #: In the period (and the club) asked for; all time: the rating row's own counts.
    matches: int
    wins: int
    #: The rating change over the period (all time: the last 30 days).
    trend: int


@dataclass(frozen=True)
class LeaderboardPage:
    count: int
    rows: list[LeaderboardRow]


def leaderboard(
    *, family: str, period: str = "all", club_id: int | None = None, page: int = 1, size: int = 50
) -> LeaderboardPage:
    """Players of a family ranked by rating (highest first; ties by player id).

    ``period`` all: every rated player; month / week: players with a rated match in the last
    30 / 7 days, with that period's matches, wins and rating change (trend). ``club_id``
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
    rows = []
    for i, r in enumerate(page_rows):
        fig = figures.get(r["player_id"], {})
        if since is None and club_id is None:
            matches, wins = r["matches"], r["wins"]
        else:
            matches, wins = fig.get("n", 0), fig.get("w", 0)
        rows.append(
            LeaderboardRow(
                rank=offset + i + 1,
                player=users.get(r["player_id"]),
                rating=r["display"],
                frames=r["frames"],
                matches=matches,
                wins=wins,
                trend=(fig.get("after") or 0) - (fig.get("before") or 0),
            )
        )
    return LeaderboardPage(count=count, rows=rows)


# --- player stats -------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlayerStatsRead:
    player: Any
    #: scope (a family or OVERALL) → its row; scopes never played are missing.
    stats: dict[str, PlayerStats]
    ratings: dict[str, Rating]
    #: family → its last SPARKLINE_POINTS (finished_at, rating after), oldest first.
    history: dict[str, list[tuple[datetime, int]]]
    achievements: list[Achievement]


def player_stats(*, player_id: int) -> PlayerStatsRead | None:
    """Overall and per-family statistics, ratings with their sparkline, achievements.
    Five queries. None when there is no such player."""
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
            history[family].append((at, value))
    return PlayerStatsRead(
        player=user,
        stats=stats,
        ratings=ratings,
        history={family: list(reversed(points)) for family, points in history.items()},
        achievements=list(
            Achievement.objects.filter(player_id=player_id).order_by("awarded_at", "id")
        ),
    )


# --- head-to-head -------------------------------------------------------------------------------
@dataclass(frozen=True)
class HeadToHead:
    player: Any
    opponent: Any
    #: {"matches", "wins", "losses", "frames_won", "frames_lost"}: overall and per family played.
    overall: dict[str, int]
    families: dict[str, dict[str, int]]
    #: family → P(player wins a frame against opponent).
    frame_win_probability: dict[str, float]
    #: The last ten matches between them the viewer may see, newest first (with `.match`).
    last_matches: list[PlayerMatch]


def head_to_head(*, player_id: int, other_id: int, viewer=None) -> HeadToHead | None:
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
        chances[family] = win_probability([_pr(mine)], [_pr(theirs)])
    return HeadToHead(
        player=users[player_id],
        opponent=users[other_id],
        overall=total,
        families=per_family,
        frame_win_probability=chances,
        last_matches=last,
    )


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


# --- win probability ----------------------------------------------------------------------------
@dataclass(frozen=True)
class WinChances:
    family: str
    #: P(side A wins a frame), P(side A wins the match) (None without a race length).
    frame: float
    match: float | None
    #: player id → displayed rating, side A's players then side B's.
    ratings: dict[int, int]


def win_chances(
    *, family: str, side_a: list[int], side_b: list[int], race_to: int | None
) -> WinChances:
    """P(side A wins a frame / the match) from the stored ratings (one query)."""
    ratings = {
        r.player_id: r for r in Rating.objects.filter(family=family, player_id__in=side_a + side_b)
    }
    a = [_pr(ratings.get(p)) for p in side_a]
    b = [_pr(ratings.get(p)) for p in side_b]
    frame = win_probability(a, b)
    return WinChances(
        family=family,
        frame=frame,
        match=match_win_probability(frame, race_to) if race_to else None,
        ratings={
            p: display_rating(r.mu, r.sigma) for p, r in zip(side_a + side_b, a + b, strict=True)
        },
    )


def player_exists(player_id: int) -> bool:
    return get_user_model().objects.filter(pk=player_id).exists()
