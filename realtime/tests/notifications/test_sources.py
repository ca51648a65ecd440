"""Where notifications come from: bookings, table watches, finished matches."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from games.models import Booking
from realtime.notifications import receivers, services
from realtime.notifications.models import Notification
from realtime.tests.notifications.conftest import NOW
from realtime.tests.notifications.factories import BookingFactory, TableFactory, TableSessionFactory


def test_a_new_confirmed_booking_sends_a_confirmation(player, club):
    booking = BookingFactory(player=player, table=TableFactory(club=club))

    row = Notification.objects.get(dedupe_key=f"booking_confirmed:{booking.pk}")
    assert row.kind == "booking_confirmed"
    assert row.payload["booking_id"] == booking.pk


def test_cancelling_a_booking_cancels_its_pending_reminder(player, club):
    with time_machine.travel(NOW, tick=False):
        booking = BookingFactory(
            player=player, table=TableFactory(club=club), start=NOW + timedelta(hours=5)
        )
        receivers.booking_reminders_schedule()
        booking.status = Booking.Status.CANCELLED
        booking.save()

    reminder = Notification.objects.get(dedupe_key=f"booking_reminder:{booking.pk}")
    assert reminder.status == "cancelled"
    assert Notification.objects.filter(dedupe_key=f"booking_cancelled:{booking.pk}").exists()


def test_the_reminder_scheduler_writes_one_reminder_lead_minutes_before_start(
    player, club, settings
):
    settings.NOTIFY_REMINDER_LEAD_MINUTES = 90
    with time_machine.travel(NOW, tick=False):
        booking = BookingFactory(
            player=player, table=TableFactory(club=club), start=NOW + timedelta(hours=4)
        )
        first = receivers.booking_reminders_schedule()
        second = receivers.booking_reminders_schedule()

    reminder = Notification.objects.get(dedupe_key=f"booking_reminder:{booking.pk}")
    assert (first, second) == (1, 0)
    assert reminder.send_after == booking.start - timedelta(minutes=90)
    assert reminder.status == "pending"


def test_no_reminder_for_a_booking_made_inside_the_lead_time(player, club):
    with time_machine.travel(NOW, tick=False):
        BookingFactory(
            player=player, table=TableFactory(club=club), start=NOW + timedelta(minutes=30)
        )
        receivers.booking_reminders_schedule()

    assert not Notification.objects.filter(kind="booking_reminder").exists()


def test_a_closed_session_tells_players_watching_that_table_kind(player, club):
    table = TableFactory(club=club, kind="pool")
    watch = services.table_watch_create(user=player, club=club, table_kind="pool")
    session = TableSessionFactory(table=table)

    session.ended_at = timezone.now()
    session.save()

    row = Notification.objects.get(kind="table_free")
    assert row.user == player
    watch.refresh_from_db()
    assert watch.notified_at is not None


def test_a_watch_fires_only_once(player, club):
    table = TableFactory(club=club, kind="pool")
    services.table_watch_create(user=player, club=club, table_kind="pool")
    services.table_watches_fire(club_id=club.pk, table_kind="pool", table=table)
    services.table_watches_fire(club_id=club.pk, table_kind="pool", table=table)

    assert Notification.objects.filter(kind="table_free").count() == 1
