"""Demo data of the floor (a `seed_demo` hook): bookings today and tonight, one table in play.

Idempotent: a player who already has an upcoming booking gets no other, and a table in play is
left alone, so `make run` can call it every time and the floor still looks alive.
"""

from datetime import datetime, time, timedelta

import structlog
from django.contrib.auth import get_user_model
from django.utils import timezone

from core.errors import DomainError
from games import services
from games.demo import demo_hook
from games.models import Booking, Table, TableSession

logger = structlog.get_logger(__name__)

# (player username, table number, start: "soon" or a club-local time, minutes)
DEMO_BOOKINGS = [
    ("ivan", 3, "soon", 90),
    ("maria", 7, time(20, 0), 120),
    ("dmitry", 11, time(21, 0), 120),
]
DEMO_SESSION = ("ann", "oleg", 1, 40)  # two players at table 1, started 40 minutes ago


def _next_slot(club, after: datetime) -> datetime:
    local = after.astimezone(club.tz).replace(second=0, microsecond=0)
    step = club.slot_minutes
    minutes = local.hour * 60 + local.minute
    return local + timedelta(minutes=(-minutes) % step or step)


def _start_for(club, when, now: datetime) -> datetime:
    if when == "soon":
        # Inside the hold window, so the table shows as reserved.
        return _next_slot(club, now + timedelta(minutes=max(club.hold_window_minutes - 15, 0)))
    local_now = now.astimezone(club.tz)
    start = datetime.combine(local_now.date(), when, tzinfo=club.tz)
    return start if start > now else start + timedelta(days=1)


@demo_hook
def floor_demo(*, club) -> None:
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=[*(b[0] for b in DEMO_BOOKINGS), DEMO_SESSION[0], DEMO_SESSION[1]]
        )
    }
    tables = {t.number: t for t in Table.objects.filter(club=club)}
    now = timezone.now()
    for username, number, when, minutes in DEMO_BOOKINGS:
        player, table = users.get(username), tables.get(number)
        if player is None or table is None:
            continue
        if Booking.objects.filter(player=player, status__in=Booking.ACTIVE, end__gt=now).exists():
            continue
        start = _start_for(club, when, now)
        try:
            services.booking_create(
                player=player,
                table_id=table.id,
                start=start,
                end=start + timedelta(minutes=minutes),
            )
        except DomainError as exc:  # the club is closed then, the slot is taken …: skip it
            logger.info("demo_booking_skipped", player=username, reason=exc.code)
    first, second, number, minutes_ago = DEMO_SESSION
    table = tables.get(number)
    if (
        table is None
        or TableSession.objects.filter(table__club=club, ended_at__isnull=True).exists()
    ):
        return
    players = [u for u in (users.get(first), users.get(second)) if u is not None]
    try:
        services.session_open(
            table_id=table.id,
            opened_by=None,
            players=players,
            now=now - timedelta(minutes=minutes_ago),
        )
    except DomainError as exc:
        logger.info("demo_session_skipped", reason=exc.code)
