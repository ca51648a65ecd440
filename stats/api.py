"""Stats API: leaderboards, a player's statistics, head-to-head, match history, win chances.

Thin views: an input serializer, one selector call, the selector's ready payload out.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.cache import CACHE_ERRORS, cache_get, cache_set
from core.errors import NotFound
from core.pagination import Pagination
from games.rules import DISCIPLINES
from stats import selectors
from stats.errors import StatsError
from stats.models import Family

MSG_PLAYER_NOT_FOUND = gettext_noop("No such player.")
MSG_UNKNOWN_DISCIPLINE = gettext_noop("Unknown discipline or family.")
FAMILY_OR_DISCIPLINE = [*Family.values, *DISCIPLINES]


# --- response shapes (documentation: the selectors build the payloads) ----------------------
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


def _family(value: str) -> str:
    family = selectors.family_of(value)
    if family is None:
        raise StatsError(_(MSG_UNKNOWN_DISCIPLINE), code="unknown_discipline")
    return family


class LeaderboardQuery(serializers.Serializer):
    discipline = serializers.ChoiceField(choices=FAMILY_OR_DISCIPLINE, default="pyramid")
    period = serializers.ChoiceField(choices=list(selectors.PERIODS), default="all")
    club = serializers.IntegerField(required=False, min_value=1)
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100, default=50)


class LeaderboardView(APIView):
    """`GET /api/leaderboards/?discipline=&period=all|month|week&club=` — cached until the next
    finished match of the family (and at most LEADERBOARD_TTL seconds, as periods slide)."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[LeaderboardQuery], responses=LeaderboardSerializer)
    def get(self, request):
        q = LeaderboardQuery(data=request.query_params)
        q.is_valid(raise_exception=True)
        family = _family(q.validated_data["discipline"])
        period, club = q.validated_data["period"], q.validated_data.get("club")
        page, size = q.validated_data["page"], q.validated_data["page_size"]
        try:
            key = selectors.leaderboard_cache_key(family, period, club, page, size)
        except CACHE_ERRORS:
            key = None  # the cache is away: serve from the database
        body = cache_get(key) if key else None
        if body is None:
            board = selectors.leaderboard(
                family=family, period=period, club_id=club, page=page, size=size
            )
            body = {
                "family": family,
                "period": period,
                "club": club,
                "count": board.count,
                "page": page,
                "page_size": size,
                "results": board.entries,
            }
            if key:
                cache_set(key, body, selectors.LEADERBOARD_TTL)
        return Response(body)


class PlayerStatsView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=PlayerStatsSerializer)
    def get(self, request, player_id: int):
        data = selectors.player_stats(player_id=player_id)
        if data is None:
            raise NotFound(_(MSG_PLAYER_NOT_FOUND), code="player_not_found")
        return Response(data)


class HeadToHeadView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=HeadToHeadSerializer)
    def get(self, request, player_id: int, other_id: int):
        data = selectors.head_to_head(player_id=player_id, other_id=other_id, viewer=request.user)
        if data is None:
            raise NotFound(_(MSG_PLAYER_NOT_FOUND), code="player_not_found")
        return Response(data)


class PlayerMatchesQuery(serializers.Serializer):
    discipline = serializers.ChoiceField(choices=FAMILY_OR_DISCIPLINE, required=False)


class PlayerMatchesView(APIView):
    """A player's finished matches, newest first, paginated (`page`, `page_size`)."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            PlayerMatchesQuery,
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses=MatchRowSerializer(many=True),
    )
    def get(self, request, player_id: int):
        q = PlayerMatchesQuery(data=request.query_params)
        q.is_valid(raise_exception=True)
        if selectors.player_brief_by_id(player_id) is None:
            raise NotFound(_(MSG_PLAYER_NOT_FOUND), code="player_not_found")
        discipline = q.validated_data.get("discipline")
        rows = selectors.player_matches(
            player_id=player_id,
            viewer=request.user,
            family=_family(discipline) if discipline else None,
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response([selectors.match_row_payload(r) for r in page])


def _id_list(value: str) -> list[int]:
    try:
        ids = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise serializers.ValidationError(_("A comma-separated list of player ids.")) from None
    if not 1 <= len(ids) <= 2 or len(set(ids)) != len(ids):
        raise serializers.ValidationError(_("A side has one or two players."))
    return ids


class WinProbabilityQuery(serializers.Serializer):
    discipline = serializers.ChoiceField(choices=FAMILY_OR_DISCIPLINE)
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


class WinProbabilityView(APIView):
    """`GET /api/ratings/win-probability/?discipline=pool_9&side_a=1&side_b=2,3&race_to=5` —
    the chance that side A wins a frame and the match (the match start screen shows it)."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[WinProbabilityQuery], responses=WinProbabilitySerializer)
    def get(self, request):
        q = WinProbabilityQuery(data=request.query_params)
        q.is_valid(raise_exception=True)
        d = q.validated_data
        return Response(
            selectors.win_chances(
                family=_family(d["discipline"]),
                side_a=d["side_a"],
                side_b=d["side_b"],
                race_to=d.get("race_to"),
            )
        )
