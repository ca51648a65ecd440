"""JSON shapes of the stats app (leaderboards, a player's stats, head-to-head, match history, win
chances) and the inputs of its API.

The shapes take what `stats.selectors` read (models and the small records defined there) and run
no query of their own.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework import serializers

from core.api import InputSerializer
from games.rules import DISCIPLINES
from stats import achievements, selectors
from stats.models import OVERALL, Family, PlayerMatch, PlayerStats, Rating
from stats.ratings import PROVISIONAL_FRAMES

MSG_UNKNOWN_DISCIPLINE = gettext_noop("Unknown discipline or family.")
FAMILY_OR_DISCIPLINE = [*Family.values, *DISCIPLINES]


# --- input ----------------------------------------------------------------------------------


class FamilyField(serializers.ChoiceField):
    """A family or a discipline name; the validated value is the family."""

    def __init__(self, **kwargs):
        super().__init__(choices=FAMILY_OR_DISCIPLINE, **kwargs)

    def to_internal_value(self, data):
        family = selectors.family_of(super().to_internal_value(data))
        if family is None:
            raise serializers.ValidationError(_(MSG_UNKNOWN_DISCIPLINE), code="unknown_discipline")
        return family


class LeaderboardQuery(InputSerializer):
    discipline = FamilyField(default="pyramid")
    period = serializers.ChoiceField(choices=list(selectors.PERIODS), default="all")
    club = serializers.IntegerField(required=False, min_value=1)
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100, default=50)


class PlayerMatchesQuery(InputSerializer):
    discipline = FamilyField(required=False)


def _id_list(value: str) -> list[int]:
    try:
        ids = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise serializers.ValidationError(_("A comma-separated list of player ids.")) from None
    if not 1 <= len(ids) <= 2 or len(set(ids)) != len(ids):
        raise serializers.ValidationError(_("A side has one or two players."))
    return ids


class WinProbabilityQuery(InputSerializer):
    discipline = FamilyField()
    side_a = serializers.CharField()
    side_b = serializers.CharField()
    race_to = serializers.IntegerField(required=False, min_value=1, max_value=50)

    def validate_side_a(self, value):
        return _id_list(value)

    def validate_side_b(self, value):
        return _id_list(value)

    def validate(self, attrs):
        if set(attrs["side_a"]) & set(attrs["side_b"]):
            raise serializers.ValidationError(_("A player cannot be on both sides."))
        return attrs


# --- shapes ---------------------------------------------------------------------------------


def player_brief_data(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "display_name": user.display_name, "photo_url": user.photo_url or ""}


def _r(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


def leaderboard_entry_data(row) -> dict:
    """One `stats.selectors.LeaderboardRow`."""
    matches, wins = row.matches, row.wins
    return {
        "rank": row.rank,
        "player": player_brief_data(row.player),
        "rating": row.rating,
        "provisional": row.frames < PROVISIONAL_FRAMES,
        "matches": matches,
        "wins": wins,
        "win_rate": round(wins / matches, 4) if matches else None,
        "trend": row.trend,
    }


def leaderboard_data(
    board, *, family: str, period: str, club: int | None, page: int, size: int
) -> dict:
    """`GET /api/leaderboards/` (`board`: a `stats.selectors.LeaderboardPage`)."""
    return {
        "family": family,
        "period": period,
        "club": club,
        "count": board.count,
        "page": page,
        "page_size": size,
        "results": [leaderboard_entry_data(row) for row in board.rows],
    }


def stats_data(row: PlayerStats | None) -> dict:
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


def rating_data(rating: Rating | None) -> dict | None:
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


def player_stats_data(read) -> dict:
    """`GET /api/players/<id>/stats/` (`read`: a `stats.selectors.PlayerStatsRead`)."""
    families = {}
    for family in Family.values:
        families[family] = {
            "label": str(Family(family).label),
            **stats_data(read.stats.get(family)),
            "rating": rating_data(read.ratings.get(family)),
            "rating_history": [
                {"at": at, "rating": value} for at, value in read.history.get(family, [])
            ],
        }
    return {
        "player": player_brief_data(read.player),
        "overall": stats_data(read.stats.get(OVERALL)),
        "families": families,
        "achievements": [
            {**achievements.describe(a.code), "awarded_at": a.awarded_at, "match_id": a.match_id}
            for a in read.achievements
        ],
        "achievements_available": len(achievements.CATALOGUE),
    }


def head_to_head_data(read) -> dict:
    """`GET /api/players/<id>/head-to-head/<other>/` (a `stats.selectors.HeadToHead`)."""
    return {
        "player": player_brief_data(read.player),
        "opponent": player_brief_data(read.opponent),
        "overall": read.overall,
        "families": read.families,
        "frame_win_probability": {
            family: round(chance, 4) for family, chance in read.frame_win_probability.items()
        },
        "last_matches": [
            {
                "match_id": r.match_id,
                "discipline": r.discipline,
                "finished_at": r.finished_at,
                "won": r.won,
                "frames": [r.frames_won, r.frames_lost],
            }
            for r in read.last_matches
        ],
    }


def match_row_data(row: PlayerMatch) -> dict:
    """One row of a player's match history (`stats.selectors.player_matches`)."""
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


def win_chances_data(chances) -> dict:
    """`GET /api/ratings/win-probability/` (a `stats.selectors.WinChances`)."""
    return {
        "family": chances.family,
        "frame": round(chances.frame, 4),
        "match": round(chances.match, 4) if chances.match is not None else None,
        "ratings": {str(player): value for player, value in chances.ratings.items()},
    }


# --- response schemas (documentation: the shapes above build the payloads) -------------------


class PlayerBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    photo_url = serializers.CharField()


class LeaderboardEntrySerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    player = PlayerBriefSerializer()
    rating = serializers.IntegerField()
    provisional = serializers.BooleanField()
    matches = serializers.IntegerField()
    wins = serializers.IntegerField()
    win_rate = serializers.FloatField(allow_null=True)
    trend = serializers.IntegerField(help_text="Rating change over the period (all: 30 days).")


class LeaderboardSerializer(serializers.Serializer):
    family = serializers.CharField()
    period = serializers.CharField()
    club = serializers.IntegerField(allow_null=True)
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    results = LeaderboardEntrySerializer(many=True)


class PlayerStatsSerializer(serializers.Serializer):
    player = PlayerBriefSerializer()
    overall = serializers.DictField()
    families = serializers.DictField(
        help_text="Per family: stats, `rating` {value, mu, sigma, frames, matches, provisional} "
        "or null, `rating_history` [{at, rating}]."
    )
    achievements = serializers.ListField(child=serializers.DictField())
    achievements_available = serializers.IntegerField()


class HeadToHeadSerializer(serializers.Serializer):
    player = PlayerBriefSerializer()
    opponent = PlayerBriefSerializer()
    overall = serializers.DictField()
    families = serializers.DictField()
    frame_win_probability = serializers.DictField(child=serializers.FloatField())
    last_matches = serializers.ListField(child=serializers.DictField())


class MatchRowSerializer(serializers.Serializer):
    match_id = serializers.IntegerField()
    discipline = serializers.CharField()
    family = serializers.CharField()
    finished_at = serializers.DateTimeField()
    won = serializers.BooleanField()
    frames = serializers.ListField(child=serializers.IntegerField())
    partners = serializers.ListField(child=serializers.DictField())
    opponents = serializers.ListField(child=serializers.DictField())
    rating_before = serializers.IntegerField(allow_null=True)
    rating_after = serializers.IntegerField(allow_null=True)
    high_run = serializers.IntegerField(allow_null=True)
    fouls = serializers.IntegerField()


class WinProbabilitySerializer(serializers.Serializer):
    family = serializers.CharField()
    frame = serializers.FloatField()
    match = serializers.FloatField(allow_null=True)
    ratings = serializers.DictField(child=serializers.IntegerField())
