"""REST API of the club floor: clubs, live floor, slots, bookings, check-in, the current session.

Thin views: an input serializer, one service or selector call, an output shape (all three in
`games.serializers`; the floor and the slots come shaped from the selectors' cache).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import validated
from core.errors import NotFound
from games import selectors, services
from games.errors import TableNotFound
from games.models import Club, Table
from games.serializers import (
    AnyObject,
    BookingCreateIn,
    BookingListQueryIn,
    CheckInIn,
    ClubOut,
    CurrentSessionOut,
    ObjectList,
    SessionItemAddIn,
    SlotsQueryIn,
    TableSlotsOut,
    booking_data,
    bookings_data,
    catalogue_item_data,
    club_data,
    club_detail_data,
    current_session_data,
)


class ClubListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=ClubOut(many=True))
    def get(self, request):
        return Response([club_data(club) for club in selectors.clubs_list()])


class ClubDetailApi(APIView):
    """A club with its floor: every table with its live status (same data as `club:<id>`)."""

    permission_classes = [AllowAny]

    @extend_schema(responses=AnyObject)
    def get(self, request, club_id: int):
        club = Club.objects.filter(pk=club_id).first()
        if club is None:
            raise NotFound(_("Club not found."))
        return Response(club_detail_data(club, floor=selectors.floor_cached(club=club)))


class TableSlotsApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, description="club-local day")],
        responses=TableSlotsOut,
    )
    def get(self, request, table_id: int):
        query = validated(SlotsQueryIn, request.query_params)
        table = Table.objects.select_related("club").filter(pk=table_id).first()
        if table is None:
            raise TableNotFound()
        day = query.get("date") or timezone.now().astimezone(table.club.tz).date()
        return Response(selectors.table_slots_cached(table=table, day=day))


class BookingListCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("all", OpenApiTypes.BOOL, description="include past ones")],
        responses=ObjectList,
    )
    def get(self, request):
        include_past = validated(BookingListQueryIn, request.query_params)["all"]
        now = timezone.now()
        bookings = selectors.bookings_of(user=request.user, include_past=include_past, now=now)
        if include_past:
            bookings = bookings.order_by("-start", "-id")[:100]
        return Response(bookings_data(bookings, now=now))

    @extend_schema(request=BookingCreateIn, responses={201: AnyObject})
    def post(self, request):
        data = validated(BookingCreateIn, request.data)
        booking = services.booking_create(
            player=request.user,
            table_id=data["table"],
            start=data["start"],
            end=data["end"],
        )
        return Response(booking_data(booking), status=status.HTTP_201_CREATED)


class BookingCancelApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=AnyObject)
    def post(self, request, booking_id: int):
        booking = services.booking_cancel(booking_id=booking_id, actor=request.user)
        return Response(booking_data(booking))


class TableCheckInApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=CheckInIn, responses={200: AnyObject, 201: AnyObject})
    def post(self, request, table_id: int):
        data = validated(CheckInIn, request.data)
        session, created = services.table_check_in(
            table_id=table_id, user=request.user, code=data["code"]
        )
        return Response(
            selectors.session_view(session, viewer=request.user),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class CurrentSessionApi(APIView):
    """The player's open session with its running bill (`session` is null when none)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CurrentSessionOut)
    def get(self, request):
        user = request.user
        session = selectors.open_sessions_of(user=user).first()
        bills = [
            selectors.session_view(s, viewer=user) for s in selectors.recent_bills_of(user=user)
        ]
        view = selectors.session_view(session, viewer=user) if session else None
        return Response(current_session_data(view, bills=bills))


class ClubCatalogueApi(APIView):
    """What the club sells to the table (available items only)."""

    permission_classes = [AllowAny]

    @extend_schema(responses=ObjectList)
    def get(self, request, club_id: int):
        items = selectors.catalogue_of(club_id=club_id)
        return Response({"results": [catalogue_item_data(i) for i in items]})


class SessionItemsApi(APIView):
    """The player orders to the table: an item onto the bill of the session they are in."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=SessionItemAddIn, responses={201: AnyObject, 200: AnyObject})
    def post(self, request, session_id: int):
        data = validated(SessionItemAddIn, request.data)
        services.session_add_item(
            session_id=session_id,
            item_id=data["item"],
            quantity=data["quantity"],
            actor=request.user,
            request_id=f"u{request.user.pk}:{data['request_id']}"
            if data.get("request_id")
            else None,
        )
        session = selectors.session_of_player(session_id=session_id, user=request.user)
        return Response(
            selectors.session_view(session, viewer=request.user), status=status.HTTP_201_CREATED
        )


class SessionDetailApi(APIView):
    """A session's whole bill, for a player who was at it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=AnyObject)
    def get(self, request, session_id: int):
        session = selectors.session_of_player(session_id=session_id, user=request.user)
        return Response(selectors.session_view(session, viewer=request.user))
