"""Read queries of the club floor: opening hours, live table status, slots, bills, check-in codes.

`floor_tables` is the one place the live status of tables is computed; the API, the `club:<id>`
topic snapshot, the broadcasts and the admin all use it, shaped by `games.serializers.floor_data`
(`floor_state`). It runs a fixed number of queries whatever the number of tables.

Reads of the floor and of a table's slots are what a thousand open Mini Apps do most, so the API
and the topic snapshot read their JSON through the cache (`floor_cached`, `table_slots_cached`),
keyed by the club's `floor_version`: every write that changes the floor bumps it (and stores the
fresh floor on commit), so a write is seen at once; what changes with the clock alone (a slot
passing, "booked soon") is at most `FLOOR_CACHE_SECONDS` old. The cached entries and the `me`
sections are the selectors that return JSON: a query here, its shape in `games.serializers`.
"""

from __future__ import annotations

import hashlib
import hmac
import time as time_module
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from core.cache import cache_get, cache_set
from games import serializers
from games.billing import (
    Bill,
    BillingPolicy,
    Discount,
    NoTariffError,
    Stretch,
    TariffWindow,
    Totals,
    bill_stretches,
    bill_totals,
)
from games.errors import SessionNotFound
from games.models import (
    Booking,
    CatalogueItem,
    Club,
    Match,
    OpeningHours,
    Payment,
    SessionItem,
    Shift,
    Table,
    TableSession,
    Tariff,
)

# --- opening hours ------------------------------------------------------------------------


@dataclass(frozen=True)
class Opening:
    """One opening of the club in absolute time; `starts` is on `day` (club-local)."""

    day: date
    starts: datetime
    ends: datetime


def _aware(day: date, t: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, t, tzinfo=tz)


def club_hours(club: Club) -> dict[int, OpeningHours]:
    return {h.weekday: h for h in club.opening_hours.all()}


def opening_on(
    club: Club, day: date, hours: dict[int, OpeningHours] | None = None
) -> Opening | None:
    """The opening that starts on the club-local `day` (it may end after midnight), or None."""
    hours = club_hours(club) if hours is None else hours
    h = hours.get(day.weekday())
    if h is None or h.closed:
        return None
    tz = club.tz
    starts = _aware(day, h.opens, tz)
    # closes <= opens: the club closes after midnight (equal: open round the clock).
    end_day = day if h.closes > h.opens else day + timedelta(days=1)
    ends = _aware(end_day, h.closes, tz)
    return Opening(day=day, starts=starts, ends=ends)


def opening_containing(
    club: Club, start: datetime, end: datetime, hours: dict[int, OpeningHours] | None = None
) -> Opening | None:
    """The opening that holds all of [start, end), if any (yesterday's may run past midnight)."""
    hours = club_hours(club) if hours is None else hours
    local_day = start.astimezone(club.tz).date()
    for day in (local_day - timedelta(days=1), local_day):
        opening = opening_on(club, day, hours)
        if opening and opening.starts <= start and end <= opening.ends:
            return opening
    return None


# --- tariffs and bills --------------------------------------------------------------------


def tariff_windows(*, club_id: int, table_kind: str) -> list[TariffWindow]:
    return [
        TariffWindow(
            id=t.id,
            name=t.name,
            price_per_hour=t.price_per_hour,
            weekdays=frozenset(t.weekdays),
            start=t.start_time,
            end=t.end_time,
            priority=t.priority,
        )
        for t in Tariff.objects.filter(club_id=club_id, table_kind=table_kind, is_active=True)
    ]


def billing_policy(club: Club) -> BillingPolicy:
    return BillingPolicy(minimum_charge=club.minimum_charge, rounding=club.rounding)


def session_bill(
    session: TableSession,
    *,
    now: datetime | None = None,
    windows: list[TariffWindow] | None = None,
) -> Bill:
    """The table time of a session up to its end (or `now` while it is open): each stretch at
    its table's tariffs, pauses left out. `windows` are the current table's tariffs if the caller
    has them. Raises NoTariffError."""
    table = session.table
    club = table.club
    end = session.ended_at or (now or timezone.now())
    if windows is None:
        windows = tariff_windows(club_id=club.id, table_kind=table.kind)
    by_kind = {table.kind: windows}
    stretches = []
    start = session.started_at
    for stretch in session.stretches.select_related("table").order_by("started_at"):
        kind = stretch.table.kind
        if kind not in by_kind:
            by_kind[kind] = tariff_windows(club_id=club.id, table_kind=kind)
        stretches.append(
            Stretch(stretch.started_at, stretch.ended_at, by_kind[kind], stretch.table_id)
        )
        start = stretch.ended_at
    stretches.append(Stretch(start, max(end, start), windows, table.id))
    pauses = [(p.started_at, p.ended_at or max(end, p.started_at)) for p in session.pauses.all()]
    return bill_stretches(stretches, pauses, club.tz, billing_policy(club))


def booking_price(*, table: Table, start: datetime, end: datetime) -> int:
    """What a booking would cost at the table's tariffs (for a percent deposit)."""
    club = table.club
    windows = tariff_windows(club_id=club.id, table_kind=table.kind)
    return bill_stretches([Stretch(start, end, windows, table.id)], [], club.tz).total


def session_live_items(session: TableSession) -> QuerySet[SessionItem]:
    """The items on a session's bill that were not taken off."""
    return session.items.filter(removed_at__isnull=True).select_related("added_by")


def session_totals(session: TableSession, *, time_total: int | None = None, now=None) -> Totals:
    """Time + items - discount of a session (the stored time once closed)."""
    if time_total is None:
        time_total = (
            session.time_amount if session.ended_at else session_bill(session, now=now).total
        )
    return bill_totals(
        time_total=time_total,
        item_amounts=[i.amount for i in session_live_items(session)],
        discount=Discount(percent=session.discount_percent, amount=session.discount_amount),
    )


def session_is_paused(session: TableSession) -> bool:
    return session.pauses.filter(ended_at__isnull=True).exists()


def session_participants(session: TableSession) -> list:
    """Everyone who was at the session (present now or earlier), in the order they joined."""
    seen: dict[int, object] = {}
    for presence in session.presence.select_related("player").order_by("joined_at", "id"):
        seen.setdefault(presence.player_id, presence.player)
    for player in session.players.order_by("id"):
        seen.setdefault(player.pk, player)
    return list(seen.values())


def session_presence_seconds(session: TableSession, *, end: datetime) -> dict[int, int]:
    """Seconds each participant was in the session (no presence row: from the start)."""
    seconds: dict[int, int] = {}
    rows = list(session.presence.all())
    with_rows = {r.player_id for r in rows}
    for r in rows:
        left = r.left_at or end
        seconds[r.player_id] = seconds.get(r.player_id, 0) + max(
            0, int((left - r.joined_at).total_seconds())
        )
    for player_id in session.players.values_list("pk", flat=True):
        if player_id not in with_rows:
            seconds[player_id] = max(0, int((end - session.started_at).total_seconds()))
    return seconds


def session_losses(session: TableSession) -> dict[int, int]:
    """How many of the session's finished matches each registered player lost."""
    losses: dict[int, int] = {}
    matches = Match.objects.filter(
        session=session, status=Match.Status.FINISHED, winner_side__isnull=False
    ).prefetch_related("sides__players")
    for match in matches:
        for side in match.sides.all():
            if side.index != match.winner_side:
                for player in side.players.all():
                    losses[player.pk] = losses.get(player.pk, 0) + 1
    return losses


def session_participant_ids(session: TableSession) -> list[int]:
    ids = set(session.players.values_list("pk", flat=True))
    ids |= set(session.presence.values_list("player_id", flat=True))
    return sorted(ids)


def share_paid(share) -> int:
    """What has been paid on a share (payments less refunds)."""
    return sum(p.signed for p in Payment.objects.filter(share=share))


def session_payments(session: TableSession) -> QuerySet[Payment]:
    return session.payments.order_by("created_at", "id")


def till_state(*, club_id: int, now: datetime | None = None) -> dict:
    """The staff's `till:<club>` topic: each open session's bill (time so far, items, discount,
    paid), and the closed bills still owed today's shift sees."""
    now = now or timezone.now()
    sessions = (
        TableSession.objects.filter(table__club_id=club_id, ended_at__isnull=True)
        .select_related("table", "table__club")
        .order_by("table__number")
    )
    return {"sessions": [session_view(s, now=now) for s in sessions]}


def session_view(session: TableSession, *, now: datetime | None = None, viewer=None) -> dict:
    """A session with its whole bill, as the player and the staff see it (JSON); `my_share` is
    the viewer's share once the bill is split."""
    now = now or timezone.now()
    running = session_running_bill(session, now=now)
    if session.ended_at is None:
        totals = session_totals(session, time_total=running.total) if running else None
        paused_minutes = running.paused_minutes if running else 0
    else:
        totals = Totals(
            time=session.time_amount,
            items=session.items_amount,
            discount=session.discount,
            total=session.amount,
        )
        paused_minutes = session.paused_minutes
    shares = list(session.shares.all())
    paid: dict[int, int] = {}
    for p in Payment.objects.filter(share__in=shares):
        paid[p.share_id] = paid.get(p.share_id, 0) + p.signed
    money = serializers.money_data(
        session,
        totals=totals,
        paused=session_is_paused(session),
        paused_minutes=paused_minutes,
        items=session_live_items(session),
        payments=session_payments(session),
        shares=shares,
        share_paid=paid,
    )
    viewer_id = getattr(viewer, "pk", None)
    money["my_share"] = next((sh for sh in money["shares"] if sh["player"] == viewer_id), None)
    return serializers.session_data(session, running_bill=running, money=money)


def catalogue_of(*, club_id: int, available_only: bool = True) -> QuerySet[CatalogueItem]:
    qs = CatalogueItem.objects.filter(club_id=club_id)
    if available_only:
        qs = qs.filter(is_available=True)
    return qs.order_by("category", "position", "name")


def open_shift(*, club_id: int) -> Shift | None:
    return Shift.objects.filter(club_id=club_id, closed_at__isnull=True).first()


def shift_report(shift: Shift, *, now: datetime | None = None) -> dict:
    """A shift's figures: revenue by method, by table, by item, discounts, refunds, owed bills,
    and the cash difference (the drawer's count against opening cash + cash in - cash out)."""
    now = now or timezone.now()
    end = shift.closed_at or now
    payments = list(
        Payment.objects.filter(shift=shift).select_related("session__table").order_by("created_at")
    )
    by_method: dict[str, int] = {}
    refunds = 0
    for p in payments:
        if p.method == Payment.Method.DEPOSIT:
            continue  # a deposit credited to a bill was counted when it was paid
        by_method[p.method] = by_method.get(p.method, 0) + p.signed
        if p.kind == Payment.Kind.REFUND:
            refunds += p.amount
    cash_in = by_method.get(Payment.Method.CASH, 0)
    sessions = list(
        TableSession.objects.filter(
            table__club_id=shift.club_id, ended_at__gte=shift.opened_at, ended_at__lt=end
        ).select_related("table")
    )
    by_table: dict[str, int] = {}
    for session in sessions:
        by_table[str(session.table)] = by_table.get(str(session.table), 0) + session.time_amount
    by_item: dict[str, dict] = {}
    for item in SessionItem.objects.filter(session__in=sessions, removed_at__isnull=True):
        row = by_item.setdefault(item.name, {"quantity": 0, "amount": 0})
        row["quantity"] += item.quantity
        row["amount"] += item.amount
    expected = shift.opening_cash + cash_in
    return {
        "shift": shift,
        "by_method": dict(sorted(by_method.items())),
        "revenue": sum(by_method.values()),
        "by_table": dict(sorted(by_table.items())),
        "by_item": dict(sorted(by_item.items())),
        "discounts": sum(s.discount for s in sessions),
        "refunds": refunds,
        "owed": [s for s in sessions if s.owed > 0],
        "owed_total": sum(s.owed for s in sessions),
        "expected_cash": expected,
        "counted_cash": shift.counted_cash,
        "cash_difference": None if shift.counted_cash is None else shift.counted_cash - expected,
    }


# --- check-in codes -----------------------------------------------------------------------


# A table's code changes every CHECKIN_CODE_SECONDS; the current and the previous one are accepted
# (a code lives one to two periods), so a photo of yesterday's code opens nothing today. The codes
# are shown on the club's check-in screen (`checkin_screen_url`), not printed.
RECENT_STEPS = 60  # how far back an old code is still recognised as "expired" (not "wrong")


def checkin_step(at: datetime | None = None) -> int:
    """The check-in code period `at` falls in."""
    return int((at or timezone.now()).timestamp() // settings.CHECKIN_CODE_SECONDS)


def checkin_code(table: Table, *, step: int | None = None) -> str:
    """The table's check-in code for a period (now by default): an HMAC of its id and the period,
    keyed by the table's own secret.

    16 hex characters (64 bits): short enough for a QR deep link (`startapp` allows 64 chars
    of [A-Za-z0-9_-]); rotating `checkin_secret` retires every code at once.
    """
    step = checkin_step() if step is None else step
    key = f"{settings.SECRET_KEY}:{table.checkin_secret}".encode()
    return hmac.new(key, f"table:{table.pk}:{step}".encode(), hashlib.sha256).hexdigest()[:16]


CODE_OK, CODE_EXPIRED, CODE_BAD = "ok", "expired", "bad"


def checkin_code_check(table: Table, code: str, *, now: datetime | None = None) -> str:
    """ "ok" for the current or the previous period's code, "expired" for an older one of the last
    RECENT_STEPS periods (someone scanned an old photo, or waited too long), else "bad"."""
    given = str(code).strip().lower()
    step = checkin_step(now)
    for back in range(RECENT_STEPS + 1):
        if hmac.compare_digest(checkin_code(table, step=step - back), given):
            return CODE_OK if back <= 1 else CODE_EXPIRED
    return CODE_BAD


def checkin_code_valid(table: Table, code: str, *, now: datetime | None = None) -> bool:
    return checkin_code_check(table, code, now=now) == CODE_OK


def checkin_link(table: Table, *, step: int | None = None) -> str:
    """The link the table's current QR code encodes: the Mini App deep link, or the web check-in
    page."""
    code = checkin_code(table, step=step)
    bot = settings.TELEGRAM_BOT_USERNAME.lstrip("@")
    if bot:
        short = quote(settings.TELEGRAM_MINIAPP_SHORT_NAME)
        return f"https://t.me/{quote(bot)}/{short}?startapp=t{table.pk}_{code}"
    return f"{settings.SITE_URL}/check-in/{table.pk}/{code}"


def checkin_screen_key(club: Club) -> str:
    """The key in the club's check-in screen link: whoever has it sees the live codes, so it is
    set up on the club's own screens only (rotating `screen_secret` retires it)."""
    key = f"{settings.SECRET_KEY}:{club.screen_secret}".encode()
    return hmac.new(key, f"screen:{club.pk}".encode(), hashlib.sha256).hexdigest()[:32]


def checkin_screen_key_valid(club: Club, key: str) -> bool:
    return hmac.compare_digest(checkin_screen_key(club), str(key or ""))


def checkin_screen_url(club: Club, *, table: Table | None = None) -> str:
    """The check-in screen of the club (every table's live code; or one table's, for a screen at
    that table)."""
    url = f"{settings.SITE_URL}/tv/{club.pk}/check-in/?key={checkin_screen_key(club)}"
    return f"{url}&table={table.number}" if table is not None else url


# --- the floor ----------------------------------------------------------------------------

FREE, BUSY, RESERVED, OUT_OF_SERVICE = "free", "busy", "reserved", "out_of_service"


def clubs_list() -> QuerySet[Club]:
    return Club.objects.all()


def club_get(*, club_id: int) -> Club:
    return Club.objects.get(pk=club_id)


@dataclass(frozen=True)
class TableState:
    """A table on the live floor: its status, until when it is held, the next booking, the
    running session (with `player_list`)."""

    table: Table
    status: str
    reserved_until: datetime | None
    next_booking: Booking | None
    session: TableSession | None


def floor_tables(*, club: Club, now: datetime) -> list[TableState]:
    """Every table of `club` with its live status, in number order.

    Queries: tables, upcoming bookings, open sessions, their players — the same for 12 or 50
    tables.
    """
    tables = list(Table.objects.filter(club=club).order_by("number"))
    horizon = now + timedelta(days=1)
    upcoming: dict[int, list[Booking]] = {}
    for b in Booking.objects.filter(
        table__club=club, status__in=Booking.ACTIVE, end__gt=now, start__lt=horizon
    ).order_by("start"):
        upcoming.setdefault(b.table_id, []).append(b)
    open_sessions = {
        s.table_id: s
        for s in TableSession.objects.filter(table__club=club, ended_at__isnull=True)
        .select_related("booking")
        .prefetch_related(Prefetch("players", to_attr="player_list"))
    }
    hold = timedelta(minutes=club.hold_window_minutes)
    out = []
    for t in tables:
        session = open_sessions.get(t.id)
        bookings = upcoming.get(t.id, [])
        # The booking that holds the table now (or soon): confirmed, starting within the hold window.
        holding = next(
            (b for b in bookings if b.status == Booking.Status.CONFIRMED and b.start - hold <= now),
            None,
        )
        following = next(
            (b for b in bookings if b.start > now and (session is None or b != session.booking)),
            None,
        )
        if not t.in_service:
            status = OUT_OF_SERVICE
        elif session is not None:
            status = BUSY
        elif holding is not None:
            status = RESERVED
        else:
            status = FREE
        out.append(
            TableState(
                table=t,
                status=status,
                reserved_until=holding.end if holding and status == RESERVED else None,
                next_booking=following,
                session=session,
            )
        )
    return out


def floor_state(
    *, club_id: int | None = None, club: Club | None = None, now: datetime | None = None
) -> dict:
    """The live floor of a club as the `club:<id>` topic carries it (`serializers.floor_data` of
    `floor_tables`): what the floor cache holds and the services publish.

    Queries: club, tables, upcoming bookings, open sessions, their players — the same for 12 or
    50 tables. Raises Club.DoesNotExist.
    """
    now = now or timezone.now()
    if club is None:
        club = Club.objects.get(pk=club_id)
    return serializers.floor_data(club=club, now=now, tables=floor_tables(club=club, now=now))


def _clock_bucket() -> int:
    """The current FLOOR_CACHE_SECONDS-long stretch of time: part of every floor/slots cache key,
    so an entry is never read after its stretch, whatever the cache backend's expiry does."""
    return int(time_module.time() // max(1, settings.FLOOR_CACHE_SECONDS))


def _floor_key(club_id: int, version: int) -> str:
    return f"games:floor:{club_id}:{version}:{_clock_bucket()}"


def floor_cached(*, club: Club) -> dict:
    """`floor_state` of `club` at its `floor_version`, from the cache when fresh enough."""
    key = _floor_key(club.pk, club.floor_version)
    data = cache_get(key)
    if data is None:
        data = floor_state(club=club)
        cache_set(key, data, settings.FLOOR_CACHE_SECONDS)
    return data


def floor_cache_store(*, club_id: int, version: int, data: dict) -> None:
    """Keep the floor a write has just published (called on commit) for the readers to come."""
    cache_set(_floor_key(club_id, version), data, settings.FLOOR_CACHE_SECONDS)


# --- slots --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    free: bool
    #: The longest booking that may start here (free consecutive slots, up to the club's maximum
    #: and the closing time).
    bookable_minutes: int
    #: Free, and at least the club's shortest booking fits.
    available: bool


@dataclass(frozen=True)
class TableSlots:
    opening: Opening | None
    slots: list[Slot]


def table_slots_cached(*, table: Table, day: date) -> dict:
    """The slots' JSON (`serializers.table_slots_data` of `table_slots`) through the cache, keyed
    by the club's `floor_version` (bookings bump it).

    `table.club` must be loaded with the table (select_related) so the version is current.
    """
    key = f"games:slots:{table.pk}:{day.isoformat()}:{table.club.floor_version}:{_clock_bucket()}"
    data = cache_get(key)
    if data is None:
        data = serializers.table_slots_data(
            table=table, day=day, slots=table_slots(table=table, day=day)
        )
        cache_set(key, data, settings.FLOOR_CACHE_SECONDS)
    return data


def table_slots(*, table: Table, day: date, now: datetime | None = None) -> TableSlots:
    """The slots of the opening that starts on `day` (club-local) with their availability."""
    now = now or timezone.now()
    club = table.club
    tz = club.tz
    step = timedelta(minutes=club.slot_minutes)
    opening = opening_on(club, day)
    if opening is None:
        return TableSlots(opening=None, slots=[])
    busy = list(
        Booking.objects.filter(
            table=table, status__in=Booking.ACTIVE, start__lt=opening.ends, end__gt=opening.starts
        ).values_list("start", "end")
    )
    horizon = now + timedelta(days=club.booking_horizon_days)
    # Slots are aligned to the step counted from club-local midnight (as the booking rule is).
    starts = opening.starts
    local = starts.astimezone(tz)
    offset = (local.hour * 60 + local.minute) % club.slot_minutes
    if offset or local.second or local.microsecond:
        starts = (
            starts
            + timedelta(minutes=club.slot_minutes - offset)
            - timedelta(seconds=local.second, microseconds=local.microsecond)
        )
    spans = []
    t = starts
    while t + step <= opening.ends:
        end = t + step
        free = (
            table.in_service and now <= t <= horizon and not any(s < end and e > t for s, e in busy)
        )
        spans.append((t, end, free))
        t = end
    # bookable_minutes: scan backwards, counting free consecutive slots.
    slots: list[Slot] = []
    run = 0
    for start, end, free in reversed(spans):
        run = run + club.slot_minutes if free else 0
        bookable = min(run, club.max_booking_minutes)
        slots.append(
            Slot(
                start=start,
                end=end,
                free=free,
                bookable_minutes=bookable,
                available=free and bookable >= club.min_booking_minutes,
            )
        )
    slots.reverse()
    return TableSlots(opening=opening, slots=slots)


# --- bookings and sessions of a player ----------------------------------------------------


def bookings_of(*, user, include_past: bool = False, now: datetime | None = None) -> QuerySet:
    now = now or timezone.now()
    qs = Booking.objects.filter(player=user).select_related("table", "table__club")
    if not include_past:
        qs = qs.filter(status__in=Booking.ACTIVE, end__gt=now)
    return qs.order_by("start", "id")


def open_sessions_of(*, user) -> QuerySet[TableSession]:
    return (
        TableSession.objects.filter(players=user, ended_at__isnull=True)
        .select_related("table", "table__club", "booking")
        .prefetch_related(Prefetch("players", to_attr="player_list"))
        .order_by("started_at")
    )


def session_of_player(*, session_id: int, user) -> TableSession:
    """A session the player is or was at. Raises SessionNotFound (also for someone else's)."""
    session = (
        TableSession.objects.filter(Q(players=user) | Q(presence__player=user), pk=session_id)
        .select_related("table", "table__club", "booking")
        .distinct()
        .first()
    )
    if session is None:
        raise SessionNotFound()
    return session


def recent_bills_of(*, user, now: datetime | None = None) -> QuerySet[TableSession]:
    """The player's closed bills of the last day still owed, and those paid in the last hour
    (so the Mini App shows "paid" after paying)."""
    now = now or timezone.now()
    return (
        TableSession.objects.filter(
            Q(players=user) | Q(presence__player=user),
            Q(paid=False) | Q(paid_at__gte=now - timedelta(hours=1)),
            ended_at__gte=now - timedelta(days=1),
            amount__gt=0,
        )
        .distinct()
        .select_related("table", "table__club", "booking")
        .order_by("-ended_at")[:5]
    )


def session_running_bill(session: TableSession, *, now: datetime | None = None) -> Bill | None:
    """The bill of an open session so far; None once it is closed (its bill is stored) or when no
    tariff covers it."""
    if session.ended_at is not None:
        return None
    try:
        return session_bill(session, now=now or timezone.now())
    except NoTariffError:
        return None


def me_bookings_section(user) -> list[dict]:
    """The `bookings` section of the `me` topic: the player's active bookings."""
    if not getattr(user, "is_authenticated", False):
        return []
    now = timezone.now()
    return [serializers.booking_data(b, now=now) for b in bookings_of(user=user, now=now)]


def me_sessions_section(user) -> list[dict]:
    """The `sessions` section of the `me` topic: the player's open sessions, running bills."""
    if not getattr(user, "is_authenticated", False):
        return []
    now = timezone.now()
    return [session_view(s, now=now) for s in open_sessions_of(user=user)]


# --- the staff's day ----------------------------------------------------------------------


def today_overview(*, club: Club, now: datetime | None = None) -> dict:
    """The admin's Today page: floor, today's bookings timeline, open sessions, revenue."""
    now = now or timezone.now()
    tz = club.tz
    local_today = now.astimezone(tz).date()
    hours = club_hours(club)
    # "Today" is the opening under way (it may have started yesterday) or today's opening.
    opening = opening_containing(club, now, now, hours) or opening_on(club, local_today, hours)
    day_start = opening.starts if opening else _aware(local_today, time(0), tz)
    day_end = opening.ends if opening else day_start + timedelta(days=1)
    floor = floor_state(club=club, now=now)
    bookings = list(
        Booking.objects.filter(table__club=club, start__lt=day_end, end__gt=day_start)
        .select_related("table", "player")
        .order_by("table__number", "start")
    )
    span = (day_end - day_start).total_seconds() or 1
    timeline: dict[int, list[dict]] = {}
    for b in bookings:
        left = max(0.0, (b.start - day_start).total_seconds() / span * 100)
        right = min(100.0, (b.end - day_start).total_seconds() / span * 100)
        timeline.setdefault(b.table_id, []).append(
            {"booking": b, "left": round(left, 2), "width": round(right - left, 2)}
        )
    open_sessions = list(
        TableSession.objects.filter(table__club=club, ended_at__isnull=True)
        .select_related("table", "table__club", "booking")
        .prefetch_related(Prefetch("players", to_attr="player_list"))
        .order_by("table__number")
    )
    windows: dict[str, list[TariffWindow]] = {}
    running = []

    for s in open_sessions:
        if s.table.kind not in windows:
            windows[s.table.kind] = tariff_windows(club_id=club.id, table_kind=s.table.kind)
        try:
            bill = session_bill(s, now=now, windows=windows[s.table.kind])
            total = bill.total
        except NoTariffError:
            total = None
        running.append({"session": s, "total": total})
    revenue = (
        TableSession.objects.filter(
            table__club=club, ended_at__gte=day_start, ended_at__lt=day_end
        ).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    hour_marks = []
    mark = day_start.astimezone(tz).replace(minute=0, second=0, microsecond=0)
    while mark < day_end:
        if mark >= day_start:
            hour_marks.append(
                {
                    "label": f"{mark:%H}",
                    "left": round((mark - day_start).total_seconds() / span * 100, 2),
                }
            )
        mark = (mark + timedelta(hours=1)).astimezone(tz)
    return {
        "club": club,
        "now": now,
        "day_start": day_start,
        "day_end": day_end,
        "floor": floor,
        "rows": [{"table": t, "bookings": timeline.get(t["id"], [])} for t in floor["tables"]],
        "hour_marks": hour_marks,
        "now_left": round(min(100.0, max(0.0, (now - day_start).total_seconds() / span * 100)), 2),
        "open_sessions": running,
        "running_total": sum(r["total"] or 0 for r in running),
        "revenue": revenue,
        "bookings_count": sum(1 for b in bookings if b.status in Booking.ACTIVE),
        "till": till_state(club_id=club.id, now=now),
        "shift": open_shift(club_id=club.id),
    }
