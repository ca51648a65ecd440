"""Stats API: leaderboards, a player's statistics, head-to-head, match history, win chances.

Thin views: an input serializer, one selector call, its shape out (both in `stats.serializers`).
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import validated
from core.cache import CACHE_ERRORS, cache_get, cache_set
from core.errors import NotFound
from core.pagination import Pagination
from stats import selectors
from stats.serializers import (
    HeadToHeadSerializer,
    LeaderboardQuery,
    LeaderboardSerializer,
    MatchRowSerializer,
    PlayerMatchesQuery,
    PlayerStatsSerializer,
    WinProbabilityQuery,
    WinProbabilitySerializer,
    head_to_head_data,
    leaderboard_data,
    match_row_data,
    player_stats_data,
    win_chances_data,
)

MSG_PLAYER_NOT_FOUND = gettext_noop("No such player.")


class LeaderboardView(APIView):
    """`GET /api/leaderboards/?discipline=&period=all|month|week&club=` — cached until the next
    finished match of the family (and at most LEADERBOARD_TTL seconds, as periods slide)."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[LeaderboardQuery], responses=LeaderboardSerializer)
    def get(self, request):
        q = validated(LeaderboardQuery, request.query_params)
        family, period, club = q["discipline"], q["period"], q.get("club")
        page, size = q["page"], q["page_size"]
        try:
            key = selectors.leaderboard_cache_key(family, period, club, page, size)
        except CACHE_ERRORS:
            key = None  # the cache is away: serve from the database
        body = cache_get(key) if key else None
        if body is None:
            board = selectors.leaderboard(
                family=family, period=period, club_id=club, page=page, size=size
            )
            body = leaderboard_data(
                board, family=family, period=period, club=club, page=page, size=size
            )
            if key:
                cache_set(key, body, selectors.LEADERBOARD_TTL)
        return Response(body)


class PlayerStatsView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=PlayerStatsSerializer)
    def get(self, request, player_id: int):
        read = selectors.player_stats(player_id=player_id)
        if read is None:
            raise NotFound(_(MSG_PLAYER_NOT_FOUND), code="player_not_found")
        return Response(player_stats_data(read))


class HeadToHeadView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=HeadToHeadSerializer)
    def get(self, request, player_id: int, other_id: int):
        read = selectors.head_to_head(player_id=player_id, other_id=other_id, viewer=request.user)
        if read is None:
            raise NotFound(_(MSG_PLAYER_NOT_FOUND), code="player_not_found")
        return Response(head_to_head_data(read))


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
        q = validated(PlayerMatchesQuery, request.query_params)
        if not selectors.player_exists(player_id):
            raise NotFound(_(MSG_PLAYER_NOT_FOUND), code="player_not_found")
        rows = selectors.player_matches(
            player_id=player_id, viewer=request.user, family=q.get("discipline")
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response([match_row_data(r) for r in page])


class WinProbabilityView(APIView):
    """`GET /api/ratings/win-probability/?discipline=pool_9&side_a=1&side_b=2,3&race_to=5` —
    the chance that side A wins a frame and the match (the match start screen shows it)."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[WinProbabilityQuery], responses=WinProbabilitySerializer)
    def get(self, request):
        q = validated(WinProbabilityQuery, request.query_params)
        chances = selectors.win_chances(
            family=q["discipline"],
            side_a=q["side_a"],
            side_b=q["side_b"],
            race_to=q.get("race_to"),
        )
        return Response(win_chances_data(chances))
