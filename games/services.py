"""Domain operations of the club floor: bookings, check-in, table sessions and their bills.

Every function is one transaction. Locks are always taken in the same order — player row,
table row, booking / session row, and the club row last (its `floor_version` bump) — so two
operations never wait on each other in a cycle. Every change that alters the floor bumps
`Club.floor_version` with F() under the club row lock and publishes the whole floor with that
version; `realtime.broadcast.publish` sends it only after the commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.metrics import BOOKINGS, REVENUE_KOPECKS, SESSIONS_OPEN
from games import selectors
from games.billing import NoTariffError
from games.errors import (
    BadCode,
    BookingLimit,
    BookingNotFound,
    CodeExpired,
    InThePast,
    InvalidLength,
    Misaligned,
    NoTariff,
    NotCancellable,
    OutsideOpeningHours,
    ReservedForOther,
    SessionClosed,
    SessionNotFound,
    SessionStillOpen,
    SlotTaken,
    TableBusy,
    TableNotFound,
    TableOutOfService,
    TooFarAhead,
    TooLateToCancel,
)
from games.models import Booking, CheckInAttempt, Club, SessionBillLine, Table, TableSession
from games.models.club import new_checkin_secret
from games.topics import ClubTopic
from realtime import broadcast

logger = structlog.get_logger(__name__)


def _err(cls, **params):
    return cls(str(cls.default_detail) % params if params else None)


# --- broadcasting ---------------------------------------------------------------------------


def _floor_changed(club_id: int, *, now: datetime | None = None) -> int:
    """Bump the club's floor version and publish the floor (sent after commit). Returns it.

    Must be called inside the transaction that changed the floor, after the change.
    """
    Club.objects.filter(pk=club_id).update(floor_version=F("floor_version") + 1)
    club = Club.objects.select_for_update().get(pk=club_id)
    data = selectors.floor_state(club=club, now=now)
    broadcast.publish(ClubTopic.name(club_id), version=club.floor_version, data=data)
    if now is None or abs(timezone.now() - now).total_seconds() < 1:
        # (a floor as of another moment — a test's, a replay's — is not the one readers want)
        version = club.floor_version
        transaction.on_commit(
            lambda: selectors.floor_cache_store(club_id=club_id, version=version, data=data)
        )
    return club.floor_version


def _me_changed(user_ids, *sections: str) -> None:
    """Push the player's fresh `me` sections ("bookings", "sessions") after commit."""
    User = get_user_model()
    builders = {
        "bookings": selectors.me_bookings_section,
        "sessions": selectors.me_sessions_section,
    }
    for user in User.objects.filter(pk__in=set(user_ids)):
        broadcast.publish_to_user(user.pk, data={name: builders[name](user) for name in sections})


def _count_open_sessions() -> None:
    SESSIONS_OPEN.set(TableSession.objects.filter(ended_at__isnull=True).count())


def _as_club_time(value: datetime, club: Club) -> datetime:
    """Naive datetimes from clients are club-local wall time."""
    if timezone.is_naive(value):
        return value.replace(tzinfo=club.tz)
    return value


# --- bookings -------------------------------------------------------------------------------


def booking_validate(*, club: Club, start: datetime, end: datetime, now: datetime) -> None:
    """Check a requested time against the club's hours and booking policy (no locks needed)."""
    if end <= start:
        raise _err(InvalidLength, min=club.min_booking_minutes, max=club.max_booking_minutes)
    step = club.slot_minutes
    local = start.astimezone(club.tz)
    length = end - start
    if (
        (local.hour * 60 + local.minute) % step
        or local.second
        or local.microsecond
        or length % timedelta(minutes=step)
    ):
        raise _err(Misaligned, step=step)
    if start < now:
        raise _err(InThePast)
    if start > now + timedelta(days=club.booking_horizon_days):
        raise _err(TooFarAhead, days=club.booking_horizon_days)
    minutes = length // timedelta(minutes=1)
    if not club.min_booking_minutes <= minutes <= club.max_booking_minutes:
        raise _err(InvalidLength, min=club.min_booking_minutes, max=club.max_booking_minutes)
    if selectors.opening_containing(club, start, end) is None:
        raise _err(OutsideOpeningHours)


def booking_create(
    *, player, table_id: int, start: datetime, end: datetime, now: datetime | None = None
) -> Booking:
    """Book a table for [start, end) (naive times are club-local).

    Raises TableNotFound, InvalidLength, Misaligned, InThePast, TooFarAhead,
    OutsideOpeningHours, TableOutOfService, BookingLimit, SlotTaken.
    """
    now = now or timezone.now()
    table = Table.objects.select_related("club").filter(pk=table_id).first()
    if table is None:
        raise TableNotFound()
    club = table.club
    start, end = _as_club_time(start, club), _as_club_time(end, club)
    booking_validate(club=club, start=start, end=end, now=now)
    User = get_user_model()
    with transaction.atomic():
        # One player's bookings serialise (the limit), and one table's bookings serialise (the
        # overlap check). On SQLite the IMMEDIATE transaction already serialises every writer.
        User.objects.select_for_update().filter(pk=player.pk).first()
        table = Table.objects.select_for_update().get(pk=table.pk)
        if not table.in_service:
            raise _err(TableOutOfService)
        active = Booking.objects.filter(
            player=player, status=Booking.Status.CONFIRMED, end__gt=now
        ).count()
        if active >= club.max_active_bookings:
            raise _err(BookingLimit, limit=club.max_active_bookings)
        if Booking.objects.filter(
            table=table, status__in=Booking.ACTIVE, start__lt=end, end__gt=start
        ).exists():
            raise _err(SlotTaken)
        try:
            # PostgreSQL's exclusion constraint is the last word if anything slipped past.
            with transaction.atomic():
                booking = Booking.objects.create(
                    table=table, player=player, start=start, end=end, status_changed_at=now
                )
        except IntegrityError as exc:
            if "booking_no_overlap_per_table" in str(exc):
                raise _err(SlotTaken) from exc
            raise
        _floor_changed(club.id, now=now)
        _me_changed([player.pk], "bookings")
        transaction.on_commit(lambda: BOOKINGS.labels(action="created").inc())
    logger.info("booking_created", booking=booking.id, table=table.id, player=player.pk)
    return booking


def _locked_booking(booking_id: int) -> Booking:
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("table", "table__club")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None:
        raise BookingNotFound()
    return booking


def booking_cancel(
    *, booking_id: int, actor, by_staff: bool = False, now: datetime | None = None
) -> Booking:
    """Cancel a confirmed booking. A player may cancel only their own, before the deadline;
    staff (`by_staff`) may cancel any at any time.

    Raises BookingNotFound (also for someone else's booking), NotCancellable, TooLateToCancel.
    """
    now = now or timezone.now()
    with transaction.atomic():
        booking = _locked_booking(booking_id)
        if not by_staff and booking.player_id != actor.pk:
            raise BookingNotFound()
        if booking.status != Booking.Status.CONFIRMED:
            raise _err(NotCancellable)
        club = booking.table.club
        if not by_staff and now > booking.start - timedelta(minutes=club.cancel_deadline_minutes):
            raise _err(TooLateToCancel, minutes=club.cancel_deadline_minutes)
        booking.status = Booking.Status.CANCELLED
        booking.status_changed_at = now
        booking.save(update_fields=["status", "status_changed_at"])
        _floor_changed(club.id, now=now)
        _me_changed([booking.player_id], "bookings")
        transaction.on_commit(lambda: BOOKINGS.labels(action="cancelled").inc())
    return booking


def booking_mark_no_show(*, booking_id: int, now: datetime | None = None) -> Booking:
    """Staff: the player did not come. Frees the table. Raises BookingNotFound, NotCancellable."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _locked_booking(booking_id)
        if booking.status != Booking.Status.CONFIRMED:
            raise _err(NotCancellable)
        booking.status = Booking.Status.NO_SHOW
        booking.status_changed_at = now
        booking.save(update_fields=["status", "status_changed_at"])
        _floor_changed(booking.table.club_id, now=now)
        _me_changed([booking.player_id], "bookings")
        transaction.on_commit(lambda: BOOKINGS.labels(action="no_show").inc())
    return booking


def bookings_sweep_no_shows(*, now: datetime | None = None) -> int:
    """Mark confirmed bookings `no_show` once the club's grace period after their start is over
    (periodic task). One transaction per club; returns how many were marked."""
    now = now or timezone.now()
    marked = 0
    for club in Club.objects.all():
        cutoff = now - timedelta(minutes=club.no_show_grace_minutes)
        with transaction.atomic():
            late = list(
                Booking.objects.select_for_update()
                .filter(table__club=club, status=Booking.Status.CONFIRMED, start__lte=cutoff)
                .order_by("id")
            )
            if not late:
                continue
            Booking.objects.filter(pk__in=[b.pk for b in late]).update(
                status=Booking.Status.NO_SHOW, status_changed_at=now
            )
            _floor_changed(club.id, now=now)
            _me_changed([b.player_id for b in late], "bookings")
            count = len(late)
            transaction.on_commit(lambda count=count: BOOKINGS.labels(action="no_show").inc(count))
        marked += len(late)
        logger.info("bookings_no_show", club=club.id, count=len(late))
    return marked


def floor_tick(*, now: datetime | None = None, period: timedelta = timedelta(minutes=1)) -> int:
    """Publish the floor of every club whose statuses changed with the clock alone in the last
    `period` (a booking entered the hold window, so its table turned reserved, or a booking
    ended). Periodic, every `period`; returns how many floors were published."""
    now = now or timezone.now()
    published = 0
    for club in Club.objects.all():
        hold = timedelta(minutes=club.hold_window_minutes)
        active = Booking.objects.filter(table__club=club, status__in=Booking.ACTIVE)
        entering = active.filter(start__gt=now - period + hold, start__lte=now + hold)
        ending = active.filter(end__gt=now - period, end__lte=now)
        if entering.exists() or ending.exists():
            with transaction.atomic():
                _floor_changed(club.id, now=now)
            published += 1
    return published


# --- table sessions -------------------------------------------------------------------------


def _open_session(
    *, table: Table, players, opened_by, booking: Booking | None, now: datetime
) -> TableSession:
    """Insert the open session (the table row is locked by the caller)."""
    if TableSession.objects.filter(table=table, ended_at__isnull=True).exists():
        raise _err(TableBusy)
    try:
        with transaction.atomic():
            session = TableSession.objects.create(
                table=table, started_at=now, opened_by=opened_by, booking=booking
            )
    except IntegrityError as exc:
        if "table_session_one_open_per_table" in str(exc) or "UNIQUE" in str(exc).upper():
            raise _err(TableBusy) from exc
        raise
    player_ids = [p.pk for p in players]
    if player_ids:
        session.players.add(*player_ids)
    if booking is not None:
        booking.status = Booking.Status.CHECKED_IN
        booking.status_changed_at = now
        booking.save(update_fields=["status", "status_changed_at"])
    _floor_changed(table.club_id, now=now)
    _me_changed(player_ids, "bookings", "sessions")
    transaction.on_commit(_count_open_sessions)
    return session


def session_open(
    *,
    table_id: int,
    opened_by,
    players=(),
    booking_id: int | None = None,
    now: datetime | None = None,
) -> TableSession:
    """Staff: open a session at a table, optionally for a booking (which becomes checked in,
    and whose player joins the session). Raises TableNotFound, BookingNotFound,
    TableOutOfService, TableBusy, NotCancellable (booking not confirmed)."""
    now = now or timezone.now()
    with transaction.atomic():
        table = Table.objects.select_for_update().filter(pk=table_id).first()
        if table is None:
            raise TableNotFound()
        if not table.in_service:
            raise _err(TableOutOfService)
        booking = None
        players = list(players)
        if booking_id is not None:
            booking = Booking.objects.select_for_update().filter(pk=booking_id, table=table).first()
            if booking is None:
                raise BookingNotFound()
            if booking.status != Booking.Status.CONFIRMED:
                raise _err(NotCancellable)
            if all(p.pk != booking.player_id for p in players):
                players.append(booking.player)
        session = _open_session(
            table=table, players=players, opened_by=opened_by, booking=booking, now=now
        )
        if booking is not None:
            transaction.on_commit(lambda: BOOKINGS.labels(action="checked_in").inc())
    return session


def booking_check_in(*, booking_id: int, actor, now: datetime | None = None) -> TableSession:
    """Staff: the booked player arrived: open the session for the booking."""
    booking = Booking.objects.filter(pk=booking_id).only("table_id").first()
    if booking is None:
        raise BookingNotFound()
    return session_open(table_id=booking.table_id, opened_by=actor, booking_id=booking_id, now=now)


def club_rotate_screen_key(*, club_id: int) -> Club:
    """A new check-in screen link for the club: the old one (if it leaked) shows nothing any more."""
    with transaction.atomic():
        club = Club.objects.select_for_update().get(pk=club_id)
        club.screen_secret = new_checkin_secret()
        club.save(update_fields=["screen_secret"])
    return club


def table_check_in(
    *, table_id: int, user, code: str, now: datetime | None = None
) -> tuple[TableSession, bool]:
    """A player scanned the table's QR code (on the club's check-in screen): open a session.

    The code must be the table's current one (it rotates, so an old photo opens nothing). The
    table must be free, or held by the player's own booking (now or within the club's hold
    window), which becomes checked in. Scanning again while their session runs returns it.
    Every scan is logged (CheckInAttempt), a refused one too. Returns (session, created). Raises
    TableNotFound, BadCode, CodeExpired, TableOutOfService, TableBusy, ReservedForOther.
    """
    now = now or timezone.now()
    try:
        return _check_in(table_id=table_id, user=user, code=code, now=now)
    except (BadCode, CodeExpired, TableOutOfService, TableBusy, ReservedForOther) as refusal:
        # The refused scan's own transaction rolled back: the log row is written on its own.
        outcome = {
            BadCode: CheckInAttempt.Outcome.BAD_CODE,
            CodeExpired: CheckInAttempt.Outcome.EXPIRED,
        }.get(type(refusal), CheckInAttempt.Outcome.REFUSED)
        CheckInAttempt.objects.create(
            table_id=table_id, user=user, at=now, outcome=outcome, detail=refusal.code
        )
        raise


def _check_in(*, table_id: int, user, code: str, now: datetime) -> tuple[TableSession, bool]:
    with transaction.atomic():
        table = Table.objects.select_for_update().select_related("club").filter(pk=table_id).first()
        if table is None:
            raise TableNotFound()
        verdict = selectors.checkin_code_check(table, code, now=now)
        if verdict == selectors.CODE_EXPIRED:
            raise _err(CodeExpired)
        if verdict != selectors.CODE_OK:
            raise _err(BadCode)
        if not table.in_service:
            raise _err(TableOutOfService)
        running = TableSession.objects.filter(table=table, ended_at__isnull=True).first()
        if running is not None:
            if running.players.filter(pk=user.pk).exists():
                return running, False
            raise _err(TableBusy)
        hold = timedelta(minutes=table.club.hold_window_minutes)
        holding = list(
            Booking.objects.select_for_update()
            .filter(
                table=table,
                status=Booking.Status.CONFIRMED,
                start__lte=now + hold,
                end__gt=now,
            )
            .order_by("start")
        )
        mine = next((b for b in holding if b.player_id == user.pk), None)
        others = [b for b in holding if b.player_id != user.pk]
        if others and (mine is None or others[0].start < mine.start):
            raise _err(ReservedForOther)
        session = _open_session(table=table, players=[user], opened_by=user, booking=mine, now=now)
        CheckInAttempt.objects.create(
            table=table,
            user=user,
            at=now,
            outcome=CheckInAttempt.Outcome.CHECKED_IN,
            detail="booking" if mine else "walk_in",
        )
        action = "checked_in" if mine else "walk_in"
        transaction.on_commit(lambda: BOOKINGS.labels(action=action).inc())
    return session, True


def session_close(*, session_id: int, closed_by, now: datetime | None = None) -> TableSession:
    """Close a session and bill it with games.billing; the bill lines are stored.

    Raises SessionNotFound, SessionClosed, NoTariff (a minute no tariff covers).
    """
    now = now or timezone.now()
    with transaction.atomic():
        session = (
            TableSession.objects.select_for_update(of=("self",))
            .select_related("table", "table__club")
            .filter(pk=session_id)
            .first()
        )
        if session is None:
            raise SessionNotFound()
        if session.ended_at is not None:
            raise _err(SessionClosed)
        session.ended_at = max(now, session.started_at)
        try:
            bill = selectors.session_bill(session)
        except NoTariffError as exc:
            raise _err(NoTariff, when=f"{exc.local_time:%a %Y-%m-%d %H:%M}") from exc
        session.closed_by = closed_by
        session.minutes = bill.minutes
        session.amount = bill.total
        session.adjustment = bill.adjustment
        session.save(update_fields=["ended_at", "closed_by", "minutes", "amount", "adjustment"])
        SessionBillLine.objects.bulk_create(
            SessionBillLine(
                session=session,
                tariff_id=line.tariff_id,
                tariff_name=line.tariff_name,
                price_per_hour=line.price_per_hour,
                minutes=line.minutes,
                amount=line.amount,
                position=i,
            )
            for i, line in enumerate(bill.lines)
        )
        _release_rest_of_booking(session)
        _floor_changed(session.table.club_id, now=now)
        _me_changed(session.players.values_list("pk", flat=True), "sessions", "bookings")
        amount = bill.total
        transaction.on_commit(lambda: REVENUE_KOPECKS.inc(amount))
        transaction.on_commit(_count_open_sessions)
    logger.info("session_closed", session=session.id, amount=session.amount)
    return session


def _release_rest_of_booking(session: TableSession) -> None:
    """Players who leave early free the rest of their booked time for others: the checked-in
    booking is shortened to the slot boundary after the session's end."""
    if session.booking_id is None:
        return
    booking = Booking.objects.select_for_update().get(pk=session.booking_id)
    if booking.status != Booking.Status.CHECKED_IN or booking.end <= session.ended_at:
        return
    club = session.table.club
    step = club.slot_minutes
    local = session.ended_at.astimezone(club.tz)
    past = timedelta(
        minutes=(local.hour * 60 + local.minute) % step,
        seconds=local.second,
        microseconds=local.microsecond,
    )
    boundary = session.ended_at - past + (timedelta(minutes=step) if past else timedelta(0))
    new_end = max(boundary, booking.start + timedelta(minutes=step))
    if new_end < booking.end:
        booking.end = new_end
        booking.save(update_fields=["end"])


def session_mark_paid(*, session_id: int, now: datetime | None = None) -> TableSession:
    """Staff: the bill is paid. Raises SessionNotFound, SessionStillOpen."""
    now = now or timezone.now()
    with transaction.atomic():
        session = TableSession.objects.select_for_update().filter(pk=session_id).first()
        if session is None:
            raise SessionNotFound()
        if session.ended_at is None:
            raise _err(SessionStillOpen)
        if not session.paid:
            session.paid = True
            session.paid_at = now
            session.save(update_fields=["paid", "paid_at"])
    return session


def sessions_push_running_bills(*, now: datetime | None = None) -> int:
    """Push every open session's running bill to its players' `me` topic (periodic)."""
    player_ids = list(
        TableSession.objects.filter(ended_at__isnull=True).values_list("players", flat=True)
    )
    player_ids = [pk for pk in player_ids if pk is not None]
    if player_ids:
        with transaction.atomic():
            _me_changed(player_ids, "sessions")
    return len(player_ids)


# --- tables ---------------------------------------------------------------------------------


def table_set_in_service(*, table_id: int, in_service: bool) -> Table:
    """Staff: take a table out of service or back; the floor shows it at once."""
    with transaction.atomic():
        table = Table.objects.select_for_update().filter(pk=table_id).first()
        if table is None:
            raise TableNotFound()
        if table.in_service != in_service:
            table.in_service = in_service
            table.save(update_fields=["in_service"])
            _floor_changed(table.club_id)
    return table


def table_save(*, table: Table) -> Table:
    """Staff: save a table edited in the admin (position, name, service); republish the floor."""
    with transaction.atomic():
        table.save()
        _floor_changed(table.club_id)
    return table
