"""REST API of the club floor: clubs, live floor, slots, bookings, check-in, the current session.

Thin views: an input serializer, one service or selector call, an output shape from selectors.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import DomainError, NotFound
from games import selectors, services
from games.errors import TableNotFound
from games.models import Club, Table

# --- serializers --------------------------------------------------------------------------


class ClubLocalDateTimeField(serializers.DateTimeField):
    """An ISO datetime; without an offset it is club-local wall time (resolved by the service)."""

    def enforce_timezone(self, value):
        return value


class BookingCreateIn(serializers.Serializer):
    table = serializers.IntegerField(min_value=1, max_value=2**53)
    start = ClubLocalDateTimeField()
    end = ClubLocalDateTimeField()


class CheckInIn(serializers.Serializer):
    code = serializers.CharField(max_length=64, trim_whitespace=True)


class SlotsQueryIn(serializers.Serializer):
    date = serializers.DateField(required=False)


class ClubOut(serializers.ModelSerializer):
    """The schema of a club; the data itself is `selectors.club_data` (read on every floor
    request, where building a ModelSerializer's fields costs more than the cached floor)."""

    class Meta:
        model = Club
        fields = list(selectors.CLUB_FIELDS)


# An object's JSON as built by a selector (documented loosely in the schema).
AnyObject = inline_serializer("Object", fields={"id": serializers.IntegerField()})
ObjectList = inline_serializer(
    "ObjectList", fields={"results": serializers.ListField(child=serializers.DictField())}
)
TableSlotsOut = inline_serializer(
    "TableSlots",
    fields={
        "table": serializers.IntegerField(),
        "date": serializers.DateField(),
        "slot_minutes": serializers.IntegerField(),
        "slots": serializers.ListField(child=serializers.DictField()),
    },
)
CurrentSessionOut = inline_serializer(
    "CurrentSession", fields={"session": serializers.DictField(allow_null=True)}
)


def _validated(serializer: serializers.Serializer) -> dict:
    """Malformed input of any kind (wrong type, out of range, missing) is 400 `invalid_request`."""
    if serializer.is_valid():
        return serializer.validated_data
    errors = serializer.errors
    field, messages = next(iter(errors.items()))
    message = messages[0] if isinstance(messages, list) and messages else messages
    detail = str(message) if field in ("non_field_errors", "detail") else f"{field}: {message}"
    raise DomainError(detail, code="invalid_request", errors=errors)


# --- views --------------------------------------------------------------------------------


class ClubListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=ClubOut(many=True))
    def get(self, request):
        return Response([selectors.club_data(club) for club in selectors.clubs_list()])


class ClubDetailApi(APIView):
    """A club with its floor: every table with its live status (same data as `club:<id>`)."""

    permission_classes = [AllowAny]

    @extend_schema(responses=AnyObject)
    def get(self, request, club_id: int):
        club = Club.objects.filter(pk=club_id).first()
        if club is None:
            raise NotFound(_("Club not found."))
        return Response(
            {
                **selectors.club_data(club),
                "version": club.floor_version,
                "floor": selectors.floor_cached(club=club),
            }
        )


class TableSlotsApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, description="club-local day")],
        responses=TableSlotsOut,
    )
    def get(self, request, table_id: int):
        query = _validated(SlotsQueryIn(data=request.query_params))
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
        include_past = request.query_params.get("all") in ("1", "true", "yes")
        now = timezone.now()
        bookings = selectors.bookings_of(user=request.user, include_past=include_past, now=now)
        if include_past:
            bookings = bookings.order_by("-start", "-id")[:100]
        return Response({"results": [selectors.booking_data(b, now=now) for b in bookings]})

    @extend_schema(request=BookingCreateIn, responses={201: AnyObject})
    def post(self, request):
        data = _validated(BookingCreateIn(data=request.data))
        booking = services.booking_create(
            player=request.user,
            table_id=data["table"],
            start=data["start"],
            end=data["end"],
        )
        return Response(selectors.booking_data(booking), status=status.HTTP_201_CREATED)


class BookingCancelApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=AnyObject)
    def post(self, request, booking_id: int):
        booking = services.booking_cancel(booking_id=booking_id, actor=request.user)
        return Response(selectors.booking_data(booking))


class TableCheckInApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=CheckInIn, responses={200: AnyObject, 201: AnyObject})
    def post(self, request, table_id: int):
        data = _validated(CheckInIn(data=request.data))
        session, created = services.table_check_in(
            table_id=table_id, user=request.user, code=data["code"]
        )
        return Response(
            selectors.session_data(session),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class CurrentSessionApi(APIView):
    """The player's open session with its running bill (`session` is null when none)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CurrentSessionOut)
    def get(self, request):
        session = selectors.open_sessions_of(user=request.user).first()
        return Response({"session": selectors.session_data(session) if session else None})
