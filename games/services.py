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
from games.billing import NoTariffError, split_by_weights, split_equally, split_loser_pays
from games.errors import (
    BadAmount,
    BadCode,
    BadDiscount,
    BadQuantity,
    BillLocked,
    BillPaid,
    BookingLimit,
    BookingNotFound,
    CodeExpired,
    DepositExpired,
    DepositNotDue,
    IdempotencyKeyReused,
    InThePast,
    InvalidLength,
    ItemNotFound,
    ItemUnavailable,
    Misaligned,
    NoTariff,
    NotCancellable,
    NotEnoughTendered,
    NothingToSplit,
    NotInSession,
    OutsideOpeningHours,
    Overpayment,
    PaymentNotFound,
    PlayerAlreadyIn,
    ReasonRequired,
    RefundTooLarge,
    ReservedForOther,
    SameTable,
    SessionClosed,
    SessionNotFound,
    SessionNotPaused,
    SessionPaused,
    SessionStillOpen,
    ShareNotFound,
    ShiftAlreadyOpen,
    ShiftClosed,
    ShiftNotFound,
    ShiftNotOpen,
    SlotTaken,
    TableBusy,
    TableNotFound,
    TableOutOfService,
    TooFarAhead,
    TooLateToCancel,
)
from games.models import (
    Booking,
    CatalogueItem,
    CheckInAttempt,
    Club,
    DepositRule,
    Payment,
    SessionBillLine,
    SessionItem,
    SessionPause,
    SessionPresence,
    SessionShare,
    SessionStretch,
    Shift,
    Table,
    TableSession,
)
from games.models.club import new_checkin_secret
from games.signals import bill_paid, session_billed
from games.topics import ClubTopic, TillTopic
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
                deposit = _deposit_for(table=table, start=start, end=end)
                booking = Booking.objects.create(
                    table=table,
                    player=player,
                    start=start,
                    end=end,
                    status_changed_at=now,
                    deposit_amount=deposit,
                    deposit_status=Booking.Deposit.PENDING if deposit else Booking.Deposit.NONE,
                    deposit_due_at=now + timedelta(minutes=club.deposit_hold_minutes)
                    if deposit
                    else None,
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
        _deposit_refund(booking, actor=actor, now=now)
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
        if booking.deposit_status == Booking.Deposit.PAID:
            booking.deposit_status = Booking.Deposit.KEPT
        booking.save(update_fields=["status", "status_changed_at", "deposit_status"])
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
            # A no-show's deposit is kept; one never paid just lapses.
            Booking.objects.filter(
                pk__in=[b.pk for b in late], deposit_status=Booking.Deposit.PAID
            ).update(deposit_status=Booking.Deposit.KEPT)
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
        _deposit_credit(booking, session=session, now=now)
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
    """Close a session and bill it: table time with games.billing (each stretch at its table's
    tariffs, pauses left out; the lines are stored), plus the items, less the discount. An open
    pause ends now. A bill of zero (or one paid in advance) closes paid.

    Raises SessionNotFound, SessionClosed, NoTariff (a minute no tariff covers).
    """
    now = now or timezone.now()
    with transaction.atomic():
        session = _locked_session(session_id)
        if session.ended_at is not None:
            raise _err(SessionClosed)
        session.ended_at = max(now, session.started_at)
        for pause in session.pauses.filter(ended_at__isnull=True):
            pause.ended_at = max(session.ended_at, pause.started_at)
            pause.save(update_fields=["ended_at"])
        try:
            bill = selectors.session_bill(session)
        except NoTariffError as exc:
            raise _err(NoTariff, when=f"{exc.local_time:%a %Y-%m-%d %H:%M}") from exc
        totals = selectors.session_totals(session, time_total=bill.total)
        session.closed_by = closed_by
        session.minutes = bill.minutes
        session.paused_minutes = bill.paused_minutes
        session.time_amount = totals.time
        session.items_amount = totals.items
        session.discount = totals.discount
        session.amount = totals.total
        session.adjustment = bill.adjustment
        fields = ["ended_at", "closed_by", "minutes", "amount", "adjustment"]
        fields += ["paused_minutes", "time_amount", "items_amount", "discount"]
        if session.paid_amount >= session.amount and not session.paid:
            session.paid, session.paid_at = True, now
            fields += ["paid", "paid_at"]
        session.save(update_fields=fields)
        SessionBillLine.objects.bulk_create(
            SessionBillLine(
                session=session,
                table_id=line.table_id,
                tariff_id=line.tariff_id,
                tariff_name=line.tariff_name,
                price_per_hour=line.price_per_hour,
                minutes=line.minutes,
                amount=line.amount,
                position=i,
            )
            for i, line in enumerate(bill.lines)
        )
        SessionPresence.objects.filter(session=session, left_at__isnull=True).update(
            left_at=session.ended_at
        )
        _release_rest_of_booking(session)
        _floor_changed(session.table.club_id, now=now)
        _me_changed(session.players.values_list("pk", flat=True), "sessions", "bookings")
        amount = session.amount
        transaction.on_commit(lambda: REVENUE_KOPECKS.inc(amount))
        transaction.on_commit(_count_open_sessions)
        _bill_changed(session)
        session_billed.send(sender=TableSession, session=session)
        if session.paid:
            bill_paid.send(sender=TableSession, session=session)
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


# --- money at the table (issue 18) -----------------------------------------------------------
#
# Lock order, as above: table rows (ascending id), then the session row, then the club row (the
# till version bump). A payment locks the session row first thing, so two retries of one request
# serialise there and the second finds the first's idempotency key.

MAX_QUANTITY = 50


def _locked_session(session_id: int) -> TableSession:
    session = (
        TableSession.objects.select_for_update(of=("self",))
        .select_related("table", "table__club")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise SessionNotFound()
    return session


def _open_locked_session(session_id: int) -> TableSession:
    session = _locked_session(session_id)
    if session.ended_at is not None:
        raise _err(SessionClosed)
    return session


def _bill_changed(session: TableSession) -> None:
    """Inside the transaction that changed a bill: push the players' `sessions` section and the
    staff's `till:<club>` topic (both sent after commit)."""
    club_id = session.table.club_id
    Club.objects.filter(pk=club_id).update(till_version=F("till_version") + 1)
    version = Club.objects.filter(pk=club_id).values_list("till_version", flat=True).get()
    broadcast.publish(
        TillTopic.name(club_id), version=version, data=selectors.till_state(club_id=club_id)
    )
    _me_changed(selectors.session_participant_ids(session), "sessions")


def _refresh_closed_total(session: TableSession, *, now: datetime) -> None:
    """A closed bill changed (an item, a discount): recompute its total and paid flag."""
    if session.ended_at is None:
        return
    totals = selectors.session_totals(session)
    session.items_amount = totals.items
    session.discount = totals.discount
    session.amount = totals.total
    session.paid = session.paid_amount >= session.amount
    session.paid_at = (session.paid_at or now) if session.paid else None
    session.save(update_fields=["items_amount", "discount", "amount", "paid", "paid_at"])


def session_pause(*, session_id: int, actor, now: datetime | None = None) -> TableSession:
    """Staff: pause a running session (its paused minutes are not billed).
    Raises SessionNotFound, SessionClosed, SessionPaused."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _open_locked_session(session_id)
        if session.pauses.filter(ended_at__isnull=True).exists():
            raise _err(SessionPaused)
        SessionPause.objects.create(session=session, started_at=max(now, session.started_at))
        _bill_changed(session)
    logger.info("session_paused", session=session.id)
    return session


def session_resume(*, session_id: int, actor, now: datetime | None = None) -> TableSession:
    """Staff: resume a paused session. Raises SessionNotFound, SessionClosed, SessionNotPaused."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _open_locked_session(session_id)
        pause = session.pauses.filter(ended_at__isnull=True).first()
        if pause is None:
            raise _err(SessionNotPaused)
        pause.ended_at = max(now, pause.started_at)
        pause.save(update_fields=["ended_at"])
        _bill_changed(session)
    return session


def session_transfer(
    *, session_id: int, to_table_id: int, actor, now: datetime | None = None
) -> TableSession:
    """Staff: move a running session to another free table. The bill continues: the stretch at
    the old table is kept and billed at its tariffs, the rest at the new table's.

    Raises SessionNotFound, SessionClosed, TableNotFound, SameTable, TableOutOfService,
    TableBusy, ReservedForOther (the new table is held by someone's booking).
    """
    now = now or timezone.now()
    current = TableSession.objects.filter(pk=session_id).values_list("table_id", flat=True).first()
    if current is None:
        raise SessionNotFound()
    if current == to_table_id:
        raise _err(SameTable)
    with transaction.atomic():
        tables = {
            t.pk: t
            for t in Table.objects.select_for_update()
            .filter(pk__in=[current, to_table_id])
            .order_by("pk")
        }
        target = tables.get(to_table_id)
        if target is None:
            raise TableNotFound()
        session = _open_locked_session(session_id)
        if session.table_id != current:  # moved meanwhile: the caller's view is stale
            raise _err(TableBusy)
        if target.club_id != session.table.club_id:
            raise TableNotFound()
        if not target.in_service:
            raise _err(TableOutOfService)
        if TableSession.objects.filter(table=target, ended_at__isnull=True).exists():
            raise _err(TableBusy)
        hold = timedelta(minutes=session.table.club.hold_window_minutes)
        if Booking.objects.filter(
            table=target, status=Booking.Status.CONFIRMED, start__lte=now + hold, end__gt=now
        ).exists():
            raise _err(ReservedForOther)
        last = session.stretches.order_by("-ended_at").first()
        start = last.ended_at if last else session.started_at
        SessionStretch.objects.create(
            session=session, table_id=current, started_at=start, ended_at=max(now, start)
        )
        old_club = session.table.club
        session.table = target
        session.table.club = old_club
        session.save(update_fields=["table"])
        _floor_changed(target.club_id, now=now)
        _bill_changed(session)
    logger.info("session_transferred", session=session.id, to_table=to_table_id)
    return session


def session_add_player(
    *, session_id: int, player, actor, now: datetime | None = None
) -> TableSession:
    """Staff: a player joins a running session. Raises SessionNotFound, SessionClosed,
    PlayerAlreadyIn."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _open_locked_session(session_id)
        if session.players.filter(pk=player.pk).exists():
            raise _err(PlayerAlreadyIn)
        _presence_backfill(session)
        session.players.add(player)
        SessionPresence.objects.create(session=session, player=player, joined_at=now)
        _bill_changed(session)
    return session


def session_remove_player(
    *, session_id: int, player, actor, now: datetime | None = None
) -> TableSession:
    """Staff: a player leaves a running session (they still share the bill for their time).
    Raises SessionNotFound, SessionClosed, NotInSession."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _open_locked_session(session_id)
        if not session.players.filter(pk=player.pk).exists():
            raise _err(NotInSession)
        _presence_backfill(session)
        SessionPresence.objects.filter(session=session, player=player, left_at__isnull=True).update(
            left_at=now
        )
        session.players.remove(player)
        _me_changed([player.pk], "sessions")
        _bill_changed(session)
    return session


def _presence_backfill(session: TableSession) -> None:
    """The players who were there from the start get their presence row on the first change."""
    have = set(session.presence.values_list("player_id", flat=True))
    SessionPresence.objects.bulk_create(
        SessionPresence(session=session, player_id=pk, joined_at=session.started_at)
        for pk in session.players.values_list("pk", flat=True)
        if pk not in have
    )


def session_set_discount(
    *,
    session_id: int,
    actor,
    percent: int = 0,
    amount: int = 0,
    reason: str,
    now: datetime | None = None,
) -> TableSession:
    """Staff: a discount on the whole bill (percent of time + items, or an amount; both add up,
    never below zero), with the reason. Zero removes it. Audited (AUDIT_WATCH).

    Raises SessionNotFound, BadDiscount, ReasonRequired, BillPaid."""
    now = now or timezone.now()
    if not (isinstance(percent, int) and 0 <= percent <= 100) or not (
        isinstance(amount, int) and amount >= 0
    ):
        raise _err(BadDiscount)
    reason = (reason or "").strip()
    if (percent or amount) and not reason:
        raise _err(ReasonRequired)
    with transaction.atomic():
        session = _locked_session(session_id)
        if session.paid:
            raise _err(BillPaid)
        session.discount_percent = percent
        session.discount_amount = amount
        session.discount_reason = reason
        session.save(update_fields=["discount_percent", "discount_amount", "discount_reason"])
        _refresh_closed_total(session, now=now)
        _bill_changed(session)
    return session


def session_add_item(
    *,
    session_id: int,
    item_id: int,
    quantity: int,
    actor,
    by_staff: bool = False,
    request_id: str | None = None,
    now: datetime | None = None,
) -> SessionItem:
    """Put a catalogue item on a session's bill. A player may add only to the open session they
    are in; staff also to a closed bill not yet paid. A retried request (same `request_id`)
    returns the line it made.

    Raises SessionNotFound, NotInSession, SessionClosed, BillPaid, ItemNotFound,
    ItemUnavailable, BadQuantity."""
    now = now or timezone.now()
    if not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise _err(BadQuantity, max=MAX_QUANTITY)
    with transaction.atomic():
        session = _locked_session(session_id)
        if request_id:
            done = SessionItem.objects.filter(request_id=request_id).first()
            if done is not None:
                if done.session_id != session.pk or done.added_by_id != getattr(actor, "pk", None):
                    raise _err(IdempotencyKeyReused)
                return done
        if not by_staff:
            if not session.players.filter(pk=actor.pk).exists():
                raise NotInSession()
            if session.ended_at is not None:
                raise _err(SessionClosed)
        if session.paid:
            raise _err(BillPaid)
        item = CatalogueItem.objects.filter(pk=item_id, club_id=session.table.club_id).first()
        if item is None:
            raise ItemNotFound()
        if not item.is_available:
            raise _err(ItemUnavailable)
        line = SessionItem.objects.create(
            session=session,
            item=item,
            name=item.name,
            category=item.category,
            price=item.price,
            quantity=quantity,
            added_by=actor,
            added_at=now,
            request_id=request_id or None,
        )
        _refresh_closed_total(session, now=now)
        _bill_changed(session)
    logger.info("session_item_added", session=session.id, item=item.id, quantity=quantity)
    return line


def session_remove_item(
    *, line_id: int, actor, reason: str, now: datetime | None = None
) -> SessionItem:
    """Staff: take a line off the bill, with the reason (the row stays; audited).
    Raises ItemNotFound, ReasonRequired, BillPaid."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise _err(ReasonRequired)
    session_id = SessionItem.objects.filter(pk=line_id).values_list("session_id", flat=True).first()
    if session_id is None:
        raise ItemNotFound()
    with transaction.atomic():
        session = _locked_session(session_id)
        if session.paid:
            raise _err(BillPaid)
        line = SessionItem.objects.get(pk=line_id)
        if line.removed_at is None:
            line.removed_at = now
            line.removed_by = actor
            line.removal_reason = reason
            line.save(update_fields=["removed_at", "removed_by", "removal_reason"])
            _refresh_closed_total(session, now=now)
            _bill_changed(session)
    return line


def session_split(
    *, session_id: int, mode: str, actor, now: datetime | None = None
) -> list[SessionShare]:
    """Staff: split a closed bill between everyone who was at the session — equally, by the time
    each was there, or "the loser pays the table time" (by the session's finished matches lost;
    items and discount equally). The shares sum to the bill to the kopeck. Splitting again
    replaces the shares while nothing is paid on them.

    Raises SessionNotFound, SessionStillOpen, BillPaid, BillLocked, NothingToSplit."""
    now = now or timezone.now()
    if mode not in SessionShare.Mode.values:
        raise ValueError(f"unknown split mode {mode!r}")
    with transaction.atomic():
        session = _locked_session(session_id)
        if session.ended_at is None:
            raise _err(SessionStillOpen)
        if session.paid:
            raise _err(BillPaid)
        if Payment.objects.filter(share__session=session).exists():
            raise _err(BillLocked)
        people = selectors.session_participants(session)
        if not people:
            raise _err(NothingToSplit)
        due = session.amount - max(0, session.paid_amount)
        if mode == SessionShare.Mode.EQUAL:
            amounts = split_equally(due, len(people))
        elif mode == SessionShare.Mode.TIME:
            seconds = selectors.session_presence_seconds(session, end=session.ended_at)
            amounts = split_by_weights(due, [seconds.get(p.pk, 0) for p in people])
        else:
            losses = selectors.session_losses(session)
            time_part = min(due, session.time_amount)
            amounts = split_loser_pays(
                time_total=time_part,
                rest=due - time_part,
                losses=[losses.get(p.pk, 0) for p in people],
            )
        session.shares.all().delete()
        shares = SessionShare.objects.bulk_create(
            SessionShare(
                session=session,
                player=p,
                label=getattr(p, "display_name", "") or str(p),
                amount=a,
                mode=mode,
                position=i,
            )
            for i, (p, a) in enumerate(zip(people, amounts, strict=True))
        )
        _bill_changed(session)
    return shares


def payment_record(
    *,
    session_id: int,
    method: str,
    amount: int,
    idempotency_key: str,
    actor,
    tendered: int | None = None,
    share_id: int | None = None,
    charge_id: str = "",
    note: str = "",
    now: datetime | None = None,
) -> tuple[Payment, bool]:
    """Record money paid on a session's bill (cash, card, online, a deposit). Partial payments
    add up; a cash payment may hand over more (`tendered`): the change is recorded. Once a closed
    bill is covered it is paid. A retried request (same `idempotency_key`) is answered with the
    payment it made, never charged twice. Cash needs the club's shift open.

    Returns (payment, created). Raises SessionNotFound, BadAmount, NotEnoughTendered,
    Overpayment, BillPaid, ShareNotFound, ShiftNotOpen, IdempotencyKeyReused.
    """
    now = now or timezone.now()
    if method not in Payment.Method.values:
        raise ValueError(f"unknown payment method {method!r}")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise _err(BadAmount)
    change = 0
    if tendered is not None:
        if method != Payment.Method.CASH or tendered < amount:
            raise _err(NotEnoughTendered)
        change = tendered - amount
    with transaction.atomic():
        session = _locked_session(session_id)
        done = Payment.objects.filter(idempotency_key=idempotency_key).first()
        if done is not None:
            if done.session_id != session.pk or done.amount != amount or done.method != method:
                raise _err(IdempotencyKeyReused)
            return done, False
        if session.paid:
            raise _err(BillPaid)
        share = None
        if share_id is not None:
            share = SessionShare.objects.filter(pk=share_id, session=session).first()
            if share is None:
                raise ShareNotFound()
            left = share.amount - selectors.share_paid(share)
            if amount > left:
                raise _err(Overpayment, owed=_rub(left))
        if session.ended_at is not None and amount > session.owed:
            raise _err(Overpayment, owed=_rub(session.owed))
        shift = selectors.open_shift(club_id=session.table.club_id)
        if method == Payment.Method.CASH and shift is None:
            raise _err(ShiftNotOpen)
        payment = Payment.objects.create(
            session=session,
            share=share,
            shift=shift,
            payer=share.player if share and share.player_id else None,
            method=method,
            amount=amount,
            tendered=tendered,
            change=change,
            idempotency_key=idempotency_key,
            charge_id=charge_id,
            note=note,
            created_by=actor,
            created_at=now,
        )
        session.paid_amount += amount
        fields = ["paid_amount"]
        if session.ended_at is not None and session.paid_amount >= session.amount:
            session.paid, session.paid_at = True, now
            fields += ["paid", "paid_at"]
        session.save(update_fields=fields)
        _bill_changed(session)
        if session.paid:
            bill_paid.send(sender=TableSession, session=session)
    logger.info("payment_recorded", session=session.id, method=method, amount=amount)
    return payment, True


def _rub(kopecks: int) -> str:
    return f"{kopecks // 100}.{kopecks % 100:02d} ₽"


def payment_refund(
    *,
    payment_id: int,
    amount: int,
    actor,
    reason: str,
    idempotency_key: str,
    now: datetime | None = None,
) -> tuple[Payment, bool]:
    """Staff: give money back on a payment (the refund is a payment row of kind `refund`, same
    method; a provider's online payment is refunded in the provider's dashboard — this records
    it). The bill is owed again by that much. Retried with the same key: answered, not repeated.

    Returns (refund, created). Raises PaymentNotFound, BadAmount, ReasonRequired,
    RefundTooLarge, ShiftNotOpen (a cash refund needs the shift open)."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise _err(ReasonRequired)
    if not isinstance(amount, int) or amount <= 0:
        raise _err(BadAmount)
    original = Payment.objects.filter(pk=payment_id, kind=Payment.Kind.PAYMENT).first()
    if original is None:
        raise PaymentNotFound()
    with transaction.atomic():
        session = _locked_session(original.session_id)
        done = Payment.objects.filter(idempotency_key=idempotency_key).first()
        if done is not None:
            if done.refund_of_id != original.pk or done.amount != amount:
                raise _err(IdempotencyKeyReused)
            return done, False
        refunded = sum(r.amount for r in original.refunds.all())
        left = original.amount - refunded
        if amount > left:
            raise _err(RefundTooLarge, left=_rub(left))
        shift = selectors.open_shift(club_id=session.table.club_id)
        if original.method == Payment.Method.CASH and shift is None:
            raise _err(ShiftNotOpen)
        refund = Payment.objects.create(
            session=session,
            share=original.share,
            shift=shift,
            payer=original.payer,
            refund_of=original,
            method=original.method,
            kind=Payment.Kind.REFUND,
            amount=amount,
            idempotency_key=idempotency_key,
            note=reason,
            created_by=actor,
            created_at=now,
        )
        session.paid_amount -= amount
        session.paid = session.ended_at is not None and session.paid_amount >= session.amount
        session.paid_at = session.paid_at if session.paid else None
        session.save(update_fields=["paid_amount", "paid", "paid_at"])
        _bill_changed(session)
    logger.info("payment_refunded", payment=original.id, amount=amount)
    return refund, True


def shift_open(*, club_id: int, actor, opening_cash: int, now: datetime | None = None) -> Shift:
    """Staff: open the club's shift with the cash in the drawer. Raises ShiftAlreadyOpen,
    BadAmount."""
    now = now or timezone.now()
    if not isinstance(opening_cash, int) or opening_cash < 0:
        raise _err(BadAmount)
    with transaction.atomic():
        Club.objects.select_for_update().filter(pk=club_id).first()
        if selectors.open_shift(club_id=club_id) is not None:
            raise _err(ShiftAlreadyOpen)
        try:
            with transaction.atomic():
                shift = Shift.objects.create(
                    club_id=club_id, opened_by=actor, opened_at=now, opening_cash=opening_cash
                )
        except IntegrityError as exc:
            raise _err(ShiftAlreadyOpen) from exc
    return shift


def shift_close(*, shift_id: int, actor, counted_cash: int, now: datetime | None = None) -> Shift:
    """Staff: close the shift with the counted cash; the expected cash (opening + cash in - cash
    out) is stored so the difference is fixed. Raises ShiftNotFound, ShiftClosed, BadAmount."""
    now = now or timezone.now()
    if not isinstance(counted_cash, int) or counted_cash < 0:
        raise _err(BadAmount)
    with transaction.atomic():
        shift = Shift.objects.select_for_update().filter(pk=shift_id).first()
        if shift is None:
            raise ShiftNotFound()
        if shift.closed_at is not None:
            raise _err(ShiftClosed)
        report = selectors.shift_report(shift, now=now)
        shift.closed_at = now
        shift.closed_by = actor
        shift.counted_cash = counted_cash
        shift.expected_cash = report["expected_cash"]
        shift.save(update_fields=["closed_at", "closed_by", "counted_cash", "expected_cash"])
    return shift


# --- booking deposits -------------------------------------------------------------------------


def _deposit_for(*, table: Table, start: datetime, end: datetime) -> int:
    """The deposit a booking needs (0: none): the first rule covering its start, an amount or a
    percent of its price at the table's tariffs."""
    club = table.club
    local = start.astimezone(club.tz)
    rule = next((r for r in DepositRule.objects.filter(club=club) if r.applies(local)), None)
    if rule is None:
        return 0
    if rule.amount:
        return rule.amount
    try:
        price = selectors.booking_price(table=table, start=start, end=end)
    except NoTariffError:
        return 0
    return -(-price * rule.percent // 100)


def deposit_pay(
    *,
    booking_id: int,
    method: str,
    amount: int,
    idempotency_key: str,
    actor,
    charge_id: str = "",
    now: datetime | None = None,
) -> tuple[Payment, bool]:
    """Record a booking's deposit (online through Telegram, or at the desk). Retried with the
    same key: answered, not recorded twice. Returns (payment, created).

    Raises BookingNotFound, DepositNotDue (none asked, or paid already), DepositExpired (the hold
    is over and the booking released), BadAmount (not the asked amount), IdempotencyKeyReused."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _locked_booking(booking_id)
        done = Payment.objects.filter(idempotency_key=idempotency_key).first()
        if done is not None:
            if done.booking_id != booking.pk or done.amount != amount:
                raise _err(IdempotencyKeyReused)
            return done, False
        if booking.deposit_status != Booking.Deposit.PENDING:
            raise _err(DepositNotDue)
        if booking.status != Booking.Status.CONFIRMED:
            raise _err(DepositExpired)
        if amount != booking.deposit_amount:
            raise _err(BadAmount)
        payment = Payment.objects.create(
            booking=booking,
            shift=selectors.open_shift(club_id=booking.table.club_id),
            payer=booking.player,
            method=method,
            amount=amount,
            idempotency_key=idempotency_key,
            charge_id=charge_id,
            note="deposit",
            created_by=actor,
            created_at=now,
        )
        booking.deposit_status = Booking.Deposit.PAID
        booking.save(update_fields=["deposit_status"])
        _me_changed([booking.player_id], "bookings")
    return payment, True


def _deposit_payment(booking: Booking) -> Payment | None:
    return booking.deposit_payments.filter(kind=Payment.Kind.PAYMENT).order_by("id").first()


def _deposit_refund(booking: Booking, *, actor, now: datetime) -> None:
    """A booking cancelled in time (or by staff): its paid deposit is refunded (recorded; an
    online one is paid back through the provider)."""
    if booking.deposit_status != Booking.Deposit.PAID:
        if booking.deposit_status == Booking.Deposit.PENDING:
            booking.deposit_status = Booking.Deposit.NONE
            booking.save(update_fields=["deposit_status"])
        return
    paid = _deposit_payment(booking)
    if paid is not None:
        Payment.objects.create(
            booking=booking,
            refund_of=paid,
            shift=selectors.open_shift(club_id=booking.table.club_id),
            payer=booking.player,
            method=paid.method,
            kind=Payment.Kind.REFUND,
            amount=paid.amount,
            idempotency_key=f"deposit-refund:{booking.pk}",
            note="booking cancelled in time",
            created_by=actor,
            created_at=now,
        )
    booking.deposit_status = Booking.Deposit.REFUNDED
    booking.save(update_fields=["deposit_status"])


def _deposit_credit(booking: Booking, *, session: TableSession, now: datetime) -> None:
    """On check-in a paid deposit goes to the session's bill (a `deposit` payment on it)."""
    if booking.deposit_status != Booking.Deposit.PAID:
        return
    Payment.objects.create(
        session=session,
        booking=booking,
        payer=booking.player,
        method=Payment.Method.DEPOSIT,
        amount=booking.deposit_amount,
        idempotency_key=f"deposit-credit:{booking.pk}",
        note="booking deposit",
        created_at=now,
    )
    session.paid_amount += booking.deposit_amount
    session.save(update_fields=["paid_amount"])
    booking.deposit_status = Booking.Deposit.CREDITED
    booking.save(update_fields=["deposit_status"])


def deposits_sweep_unpaid(*, now: datetime | None = None) -> int:
    """Release bookings whose deposit was not paid in the hold time (periodic). Returns how many."""
    now = now or timezone.now()
    released = 0
    for club in Club.objects.all():
        with transaction.atomic():
            late = list(
                Booking.objects.select_for_update()
                .filter(
                    table__club=club,
                    status=Booking.Status.CONFIRMED,
                    deposit_status=Booking.Deposit.PENDING,
                    deposit_due_at__lt=now,
                )
                .order_by("id")
            )
            if not late:
                continue
            for booking in late:
                booking.status = Booking.Status.CANCELLED
                booking.status_changed_at = now
                booking.deposit_status = Booking.Deposit.NONE
                booking.save(update_fields=["status", "status_changed_at", "deposit_status"])
            _floor_changed(club.id, now=now)
            _me_changed([b.player_id for b in late], "bookings")
        released += len(late)
    return released
