"""REST API of live scoring (thin: input serializer → one service/selector call → JSON).

POST /api/matches/                     start a match                          201
GET  /api/matches/?status=&club=&mine= matches the requester may watch        200 (paginated)
GET  /api/matches/<id>/                the match, its state and version       200
GET  /api/matches/<id>/events/         the event log                          200
POST /api/matches/<id>/events/         append a scoring event                 201 / 200 (repeat)
POST /api/matches/<id>/undo/           void the latest effective event        201 / 200 (repeat)
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

from core.errors import NotAllowed, NotFound
from games.scoring import selectors, services
from games.scoring.serializers import (
    EventEnvelopeInput,
    MatchCreateInput,
    MatchListInput,
    PlayerSearchInput,
    UndoInput,
    event_data,
    match_data,
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
    match = result.match
    body = {
        "version": result.version,
        "state": result.state,
        "event": event_data(result.event),
        "status": match.status,
        "winner": match.winner_side,
        "match_version": match.version,
    }
    return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


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
        ],
    )
    def get(self, request):
        params = MatchListInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        qs = selectors.match_list(
            user=request.user,
            status=params.validated_data.get("status"),
            club_id=params.validated_data.get("club"),
            mine=params.validated_data["mine"],
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response([match_data(m, user=request.user) for m in page])

    @extend_schema(request=MatchCreateInput, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        data = MatchCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
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
        return Response({"version": match.version, "results": [event_data(e) for e in events]})

    @extend_schema(
        request=EventEnvelopeInput, responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT}
    )
    def post(self, request, match_id: int):
        envelope = EventEnvelopeInput(data=request.data)
        envelope.is_valid(raise_exception=True)
        result = services.match_event_append(
            match_id=match_id,
            actor=request.user,
            event=dict(request.data),
            expected_version=envelope.validated_data["expected_version"],
            client_event_id=envelope.validated_data["client_event_id"],
        )
        return _event_response(result)


class MatchUndoView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=UndoInput, responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT}
    )
    def post(self, request, match_id: int):
        data = UndoInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.match_undo(
            match_id=match_id,
            actor=request.user,
            expected_version=data.validated_data["expected_version"],
            client_event_id=data.validated_data["client_event_id"],
        )
        return _event_response(result)


class PlayerSearchView(APIView):
    """Find a registered player by name (the opponent picker of the Play screen)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("q", str)], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        params = PlayerSearchInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        users = selectors.player_search(query=params.validated_data["q"])
        return Response(
            {
                "results": [
                    {"id": u.pk, "display_name": u.display_name, "photo_url": u.photo_url}
                    for u in users
                ]
            }
        )


class MySessionView(APIView):
    """The open table session the requester plays in (the Play screen's default table)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        session = selectors.open_session_for(user=request.user)
        table = session.table if session else None
        return Response(
            {
                "session": session.pk if session else None,
                "table": (
                    {"id": table.pk, "number": table.number, "name": str(table), "kind": table.kind}
                    if table
                    else None
                ),
                "club": table.club_id if table else None,
                "me": {"id": request.user.pk, "display_name": request.user.display_name},
            }
        )
