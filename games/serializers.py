"""JSON shapes of the club floor (the API, the `club:<id>` topic, the `me` sections) and its inputs.

The shapes take what `games.selectors` read (models, `TableState`, `TableSlots`, bills) and run no
query of their own; the floor's and the slots' shapes are cached as they are by the selectors.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from core.api import InputSerializer
from games.billing import Bill
from games.models import Booking, Club, Table, TableSession

# --- input ----------------------------------------------------------------------------------


class ClubLocalDateTimeField(serializers.DateTimeField):
    """An ISO datetime; without an offset it is club-local wall time (resolved by the service)."""

    def enforce_timezone(self, value):
        return value


# Malformed input of any kind (wrong type, out of range, missing) is 400 `invalid_request`.
class FloorInput(InputSerializer):
    error_code = "invalid_request"


class BookingCreateIn(FloorInput):
    table = serializers.IntegerField(min_value=1, max_value=2**53)
    start = ClubLocalDateTimeField()
    end = ClubLocalDateTimeField()


class BookingListQueryIn(FloorInput):
    all = serializers.BooleanField(required=False, default=False, help_text="include past ones")


class CheckInIn(FloorInput):
    code = serializers.CharField(max_length=64, trim_whitespace=True)


class SessionItemAddIn(FloorInput):
    item = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=50, default=1)
    request_id = serializers.CharField(max_length=64, required=False, allow_blank=True)


class SlotsQueryIn(FloorInput):
    date = serializers.DateField(required=False, help_text="club-local day")


# --- clubs ----------------------------------------------------------------------------------

CLUB_FIELDS = (
    "id",
    "name",
    "address",
    "timezone",
    "slot_minutes",
    "min_booking_minutes",
    "max_booking_minutes",
    "booking_horizon_days",
    "max_active_bookings",
    "cancel_deadline_minutes",
    "no_show_grace_minutes",
    "hold_window_minutes",
)


class ClubOut(serializers.ModelSerializer):
    """The schema of a club; the data itself is `club_data` (read on every floor request, where
    building a ModelSerializer's fields costs more than the cached floor)."""

    class Meta:
        model = Club
        fields = list(CLUB_FIELDS)


def club_data(club: Club) -> dict:
    """A club's public settings (the API's `ClubOut`)."""
    return {field: getattr(club, field) for field in CLUB_FIELDS}


def club_detail_data(club: Club, *, floor: dict) -> dict:
    """A club with its floor version and its (cached) floor: `GET /api/clubs/<id>/`."""
    return {**club_data(club), "version": club.floor_version, "floor": floor}


# --- the floor ------------------------------------------------------------------------------


def _iso(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat() if value else None


def _table_brief(table: Table) -> dict:
    return {"id": table.id, "number": table.number, "name": str(table)}


def _player_names(players) -> list[str]:
    return [p.first_name or p.username for p in players]


def floor_data(*, club: Club, now: datetime, tables: list) -> dict:
    """The live floor (`selectors.floor_tables`: a `TableState` a table). Personal data is limited
    to players' first names (the `club:<id>` topic is public)."""
    tz = club.tz
    return {
        "club": {"id": club.id, "name": club.name, "timezone": club.timezone},
        "now": _iso(now, tz),
        "tables": [_floor_table_data(state, tz) for state in tables],
    }


def _floor_table_data(state, tz: ZoneInfo) -> dict:
    t, following, session = state.table, state.next_booking, state.session
    return {
        "id": t.id,
        "number": t.number,
        "name": str(t),
        "kind": t.kind,
        "x": t.x,
        "y": t.y,
        "rotation": t.rotation,
        "status": state.status,
        "reserved_until": _iso(state.reserved_until, tz),
        "next_booking": (
            {"start": _iso(following.start, tz), "end": _iso(following.end, tz)}
            if following
            else None
        ),
        "session": (
            {
                "started_at": _iso(session.started_at, tz),
                "players": _player_names(session.player_list),
            }
            if session
            else None
        ),
    }


# --- slots ----------------------------------------------------------------------------------


def table_slots_data(*, table: Table, day: date, slots) -> dict:
    """A table's slots on a club-local day (`selectors.table_slots`): `GET .../slots/`."""
    club = table.club
    tz = club.tz
    opening = slots.opening
    return {
        "table": table.id,
        "date": day.isoformat(),
        "slot_minutes": club.slot_minutes,
        "min_minutes": club.min_booking_minutes,
        "max_minutes": club.max_booking_minutes,
        "opens": _iso(opening.starts, tz) if opening else None,
        "closes": _iso(opening.ends, tz) if opening else None,
        "slots": [
            {
                "start": _iso(s.start, tz),
                "end": _iso(s.end, tz),
                "free": s.free,
                "bookable_minutes": s.bookable_minutes,
                "available": s.available,
            }
            for s in slots.slots
        ],
    }


# --- bills, bookings, sessions --------------------------------------------------------------


def _bill_lines_data(lines) -> list[dict]:
    """Bill lines: the `games.billing` ones of a running bill or the stored `SessionBillLine`s."""
    return [
        {
            "tariff": line.tariff_name,
            "minutes": line.minutes,
            "price_per_hour": line.price_per_hour,
            "amount": line.amount,
        }
        for line in lines
    ]


def bill_data(bill: Bill) -> dict:
    return {
        "minutes": bill.minutes,
        "total": bill.total,
        "subtotal": bill.subtotal,
        "adjustment": bill.adjustment,
        "lines": _bill_lines_data(bill.lines),
    }


def _stored_bill_data(session: TableSession) -> dict:
    return {
        "minutes": session.minutes,
        "total": session.amount,
        "subtotal": session.amount - session.adjustment,
        "adjustment": session.adjustment,
        "lines": _bill_lines_data(session.bill_lines.all()),
    }


def booking_data(booking: Booking, *, now: datetime | None = None) -> dict:
    """A player's booking (`table` and `table.club` loaded with it)."""
    now = now or timezone.now()
    club = booking.table.club
    tz = club.tz
    deadline = booking.start - timedelta(minutes=club.cancel_deadline_minutes)
    return {
        "id": booking.id,
        "table": _table_brief(booking.table),
        "club": club.id,
        "start": _iso(booking.start, tz),
        "end": _iso(booking.end, tz),
        "status": booking.status,
        "can_cancel": booking.status == Booking.Status.CONFIRMED and now <= deadline,
        "cancel_until": _iso(deadline, tz),
        "deposit": {
            "amount": booking.deposit_amount,
            "status": booking.deposit_status,
            "due_at": _iso(booking.deposit_due_at, tz),
        }
        if booking.deposit_status != Booking.Deposit.NONE
        else None,
    }


def money_data(
    session: TableSession,
    *,
    totals,
    paused: bool,
    paused_minutes: int,
    items,
    payments,
    shares,
    share_paid: dict[int, int],
) -> dict:
    """The whole bill of a session (issue 18): table time, items, discount, what is paid and
    owed, the split shares and the payments. `totals` is a `games.billing.Totals`, or None while
    no tariff covers the running session."""
    tz = session.table.club.tz
    total = totals.total if totals is not None else None
    return {
        "time": totals.time if totals is not None else None,
        "items_total": totals.items if totals is not None else None,
        "discount": totals.discount if totals is not None else 0,
        "discount_reason": session.discount_reason,
        "total": total,
        "paid_amount": session.paid_amount,
        "owed": (max(0, total - session.paid_amount) if total is not None else None)
        if not session.paid
        else 0,
        "paused": paused,
        "paused_minutes": paused_minutes,
        "items": [
            {
                "id": i.id,
                "name": i.name,
                "category": i.category,
                "price": i.price,
                "quantity": i.quantity,
                "amount": i.amount,
                "added_by": i.added_by.display_name if i.added_by_id else None,
                "added_at": _iso(i.added_at, tz),
            }
            for i in items
        ],
        "shares": [
            {
                "id": sh.id,
                "player": sh.player_id,
                "label": sh.label,
                "amount": sh.amount,
                "paid": share_paid.get(sh.id, 0),
                "left": max(0, sh.amount - share_paid.get(sh.id, 0)),
                "mode": sh.mode,
            }
            for sh in shares
        ],
        "payments": [
            {
                "id": p.id,
                "method": p.method,
                "kind": p.kind,
                "amount": p.amount,
                "change": p.change,
                "at": _iso(p.created_at, tz),
            }
            for p in payments
        ],
    }


def catalogue_item_data(item) -> dict:
    return {
        "id": item.id,
        "name": item.name,
        "category": item.category,
        "price": item.price,
        "available": item.is_available,
    }


def session_data(
    session: TableSession, *, running_bill: Bill | None, money: dict | None = None
) -> dict:
    """A session with its bill: the stored lines once closed; while open, `running_bill`
    (`selectors.session_running_bill`; None when no tariff covers it)."""
    club = session.table.club
    tz = club.tz
    if session.ended_at is None:
        bill = bill_data(running_bill) if running_bill is not None else None
    else:
        bill = _stored_bill_data(session)
    players = getattr(session, "player_list", None)
    if players is None:
        players = list(session.players.all())
    return {
        "id": session.id,
        "table": _table_brief(session.table),
        "club": club.id,
        "booking": session.booking_id,
        "started_at": _iso(session.started_at, tz),
        "ended_at": _iso(session.ended_at, tz),
        "open": session.ended_at is None,
        "players": _player_names(players),
        "bill": bill,
        "paid": session.paid,
        "money": money,
    }


def current_session_data(view: dict | None, *, bills: list[dict] = ()) -> dict:
    """`GET /api/sessions/current/`: the player's open session (`selectors.session_view`), or
    `null`; `bills`: their recent closed bills (owed ones, to pay their share; just paid ones)."""
    return {"session": view, "bills": list(bills)}


def bookings_data(bookings, *, now: datetime) -> dict:
    """`GET /api/bookings/`: the bookings as `results`."""
    return {"results": [booking_data(b, now=now) for b in bookings]}


# --- response schemas (documentation only: the data are the shapes above) --------------------

# An object's JSON as built by a shape above (documented loosely in the schema).
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
