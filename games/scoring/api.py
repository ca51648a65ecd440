"""REST API of live scoring (thin: input serializer → one service/selector call → its shape; the
inputs and the shapes are in `games.scoring.serializers`).

POST /api/matches/                     start a match                          201
GET  /api/matches/?status=&club=&mine=&result=
                                       matches the requester may watch        200 (paginated)
GET  /api/matches/<id>/                the match, its state and version       200
GET  /api/matches/<id>/events/         the event log                          200
POST /api/matches/<id>/events/         append a scoring event                 201 / 200 (repeat)
POST /api/matches/<id>/undo/           void the latest effective event        201 / 200 (repeat)
                                       (a finished match: 409 reopen_needs_agreement until
                                       the other side's undo agrees, or staff)
POST /api/matches/<id>/confirm/        the other side confirms the result     200 (also repeat)
POST /api/matches/<id>/dispute/        the other side disputes it {reason}    200 (also repeat)
GET  /api/players/?q=                  find a registered player by name       200
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import validated
from core.errors import NotAllowed, NotFound
from games.scoring import results, selectors, services
from games.scoring.serializers import (
    EventEnvelopeInput,
    MatchCreateInput,
    MatchListInput,
    PlayerSearchInput,
    ResultInput,
    UndoInput,
    event_result_data,
    events_data,
    match_data,
    play_context_data,
    player_search_data,
)


def _visible_match(request, match_id: int):
    match = selectors.match_get(match_id=match_id)
    if match is None:
        raise NotFound(_(services.MSG_NOT_FOUND))
    if not selectors.match_can_view(match=match, user=request.user):
        # A private match is not acknowledged to strangers beyond "you may not".
        raise NotAllowed(_("You may not watch this match."))
    return match


def _event_response(result: services.EventResult) -> Response:
    return Response(
        event_result_data(result),
        status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
    )


class MatchListCreateView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    serializer_class = MatchCreateInput

    @extend_schema(
        operation_id="matches_list",
        responses=OpenApiTypes.OBJECT,
        parameters=[
            OpenApiParameter("status", str, enum=["live", "finished", "abandoned"]),
            OpenApiParameter("club", int),
            OpenApiParameter("mine", bool),
            OpenApiParameter("result", str, enum=["pending", "confirmed", "disputed", "void"]),
        ],
    )
    def get(self, request):
        params = validated(MatchListInput, request.query_params)
        qs = selectors.match_list(
            user=request.user,
            status=params.get("status"),
            club_id=params.get("club"),
            mine=params["mine"],
            result=params.get("result"),
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response([match_data(m, user=request.user) for m in page])

    @extend_schema(request=MatchCreateInput, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        v = validated(MatchCreateInput, request.data)
        match = services.match_create(
            creator=request.user,
            discipline=v["discipline"],
            format=v["format"],
            sides=v["sides"],
            table_id=v.get("table"),
            visibility=v["visibility"],
        )
        return Response(match_data(match, user=request.user), status=status.HTTP_201_CREATED)


class MatchDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, match_id: int):
        match = _visible_match(request, match_id)
        return Response(match_data(match, user=request.user))


class MatchEventsView(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(operation_id="matches_events_list", responses=OpenApiTypes.OBJECT)
    def get(self, request, match_id: int):
        match = _visible_match(request, match_id)
        events = selectors.match_events(match=match)
        return Response(events_data(match, events))

    @extend_schema(
        request=EventEnvelopeInput, responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT}
    )
    def post(self, request, match_id: int):
        envelope = validated(EventEnvelopeInput, request.data)
        result = services.match_event_append(
            match_id=match_id,
            actor=request.user,
            event=dict(request.data),
            expected_version=envelope["expected_version"],
            client_event_id=envelope["client_event_id"],
        )
        return _event_response(result)


class MatchUndoView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=UndoInput, responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT}
    )
    def post(self, request, match_id: int):
        data = validated(UndoInput, request.data)
        result = services.match_undo(
            match_id=match_id,
            actor=request.user,
            expected_version=data["expected_version"],
            client_event_id=data["client_event_id"],
        )
        return _event_response(result)


class MatchConfirmView(APIView):
    """The other side (a player of the side that did not finish-score it) confirms the result."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=ResultInput, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, match_id: int):
        validated(ResultInput, request.data)
        _visible_match(request, match_id)
        results.match_result_confirm(match_id=match_id, actor=request.user)
        return Response(match_data(selectors.match_get(match_id=match_id), user=request.user))


class MatchDisputeView(APIView):
    """The other side disputes the result: it goes to the staff queue."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=ResultInput, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, match_id: int):
        data = validated(ResultInput, request.data)
        _visible_match(request, match_id)
        results.match_result_dispute(match_id=match_id, actor=request.user, reason=data["reason"])
        return Response(match_data(selectors.match_get(match_id=match_id), user=request.user))


class PlayerSearchView(APIView):
    """Find a registered player by name (the opponent picker of the Play screen)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("q", str)], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        users = selectors.player_search(
            query=validated(PlayerSearchInput, request.query_params)["q"]
        )
        return Response(player_search_data(users))


class MySessionView(APIView):
    """The open table session the requester plays in (the Play screen's default table)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        session = selectors.open_session_for(user=request.user)
        return Response(play_context_data(session, user=request.user))
