"""Where notifications come from: bookings, table watches, finished matches."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from games.models import Booking
from notifications import delivery
from notifications.models import Notification
from notifications.sources import achievements, bookings, matches, table_watches
from notifications.tests.conftest import NOW
from notifications.tests.factories import BookingFactory, TableFactory, TableSessionFactory


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
        bookings.booking_reminders_schedule()
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
        first = bookings.booking_reminders_schedule()
        second = bookings.booking_reminders_schedule()

    reminder = Notification.objects.get(dedupe_key=f"booking_reminder:{booking.pk}")
    assert (first, second) == (1, 0)
    assert reminder.send_after == booking.start - timedelta(minutes=90)
    assert reminder.status == "pending"


def test_no_reminder_for_a_booking_made_inside_the_lead_time(player, club):
    with time_machine.travel(NOW, tick=False):
        BookingFactory(
            player=player, table=TableFactory(club=club), start=NOW + timedelta(minutes=30)
        )
        bookings.booking_reminders_schedule()

    assert not Notification.objects.filter(kind="booking_reminder").exists()


def test_a_closed_session_tells_players_watching_that_table_kind(player, club):
    table = TableFactory(club=club, kind="pool")
    watch = table_watches.table_watch_create(user=player, club=club, table_kind="pool")
    session = TableSessionFactory(table=table)

    session.ended_at = timezone.now()
    session.save()

    row = Notification.objects.get(kind="table_free")
    assert row.user == player
    watch.refresh_from_db()
    assert watch.notified_at is not None


def test_a_watch_fires_only_once(player, club):
    table = TableFactory(club=club, kind="pool")
    table_watches.table_watch_create(user=player, club=club, table_kind="pool")
    table_watches.table_watches_fire(club_id=club.pk, table_kind="pool", table=table)
    table_watches.table_watches_fire(club_id=club.pk, table_kind="pool", table=table)

    assert Notification.objects.filter(kind="table_free").count() == 1


def test_bulk_no_shows_are_announced_by_the_catch_up(player, club):
    booking = BookingFactory(player=player, table=TableFactory(club=club))
    # The no-show sweep marks bookings with a bulk update(): post_save never fires.
    Booking.objects.filter(pk=booking.pk).update(
        status=Booking.Status.NO_SHOW, status_changed_at=timezone.now()
    )

    first = bookings.booking_status_catch_up()
    second = bookings.booking_status_catch_up()

    assert (first, second) == (1, 0)
    assert Notification.objects.filter(dedupe_key=f"booking_no_show:{booking.pk}").exists()


def test_a_reminder_of_a_booking_cancelled_in_bulk_is_not_sent(player, club, tg):
    import httpx

    from notifications.tests.conftest import ok

    route = tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))
    with time_machine.travel(NOW, tick=False) as clock:
        booking = BookingFactory(
            player=player, table=TableFactory(club=club), start=NOW + timedelta(hours=3)
        )
        bookings.booking_reminders_schedule()
        delivery.notification_sweep()  # the confirmation
        route.reset()
        Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
        clock.move_to(NOW + timedelta(hours=2))
        delivery.notification_sweep()

    assert not route.called
    reminder = Notification.objects.get(dedupe_key=f"booking_reminder:{booking.pk}")
    assert reminder.status == "cancelled"


def test_checking_in_early_cancels_the_reminder(player, club):
    with time_machine.travel(NOW, tick=False):
        booking = BookingFactory(
            player=player, table=TableFactory(club=club), start=NOW + timedelta(hours=3)
        )
        bookings.booking_reminders_schedule()
        booking.status = Booking.Status.CHECKED_IN
        booking.save()

    reminder = Notification.objects.get(dedupe_key=f"booking_reminder:{booking.pk}")
    assert reminder.status == "cancelled"


def test_moving_a_booking_moves_its_pending_reminder(player, club):
    with time_machine.travel(NOW, tick=False):
        booking = BookingFactory(
            player=player, table=TableFactory(club=club), start=NOW + timedelta(hours=3)
        )
        bookings.booking_reminders_schedule()
        booking.start += timedelta(hours=1)
        booking.end += timedelta(hours=1)
        booking.save()

    reminder = Notification.objects.get(dedupe_key=f"booking_reminder:{booking.pk}")
    assert reminder.send_after == booking.start - timedelta(minutes=60)
    assert reminder.payload["start"] == booking.start.isoformat()


def test_the_booking_service_sends_the_confirmation_in_its_transaction(
    player, club, django_capture_on_commit_callbacks
):
    from games import services as games_services

    table = TableFactory(club=club)
    from datetime import time as dtime

    from games.models import OpeningHours

    for weekday in range(7):
        OpeningHours.objects.create(
            club=club, weekday=weekday, opens=dtime(0, 0), closes=dtime(0, 0)
        )
    start = (
        (timezone.now() + timedelta(days=1))
        .astimezone(club.tz)
        .replace(hour=15, minute=0, second=0, microsecond=0)
    )
    booking = games_services.booking_create(
        player=player, table_id=table.pk, start=start, end=start + timedelta(hours=1)
    )

    assert Notification.objects.filter(dedupe_key=f"booking_confirmed:{booking.pk}").exists()


def test_an_achievement_is_announced_once(player):
    first = achievements.achievement_notify(user=player, code="century", title="Century")
    again = achievements.achievement_notify(user=player, code="century", title="Century")

    assert first.kind == "achievement"
    assert again is None


def test_a_match_result_waits_for_the_stats_and_carries_the_rating_change(player, club, tg):
    import httpx
    import pytest

    from notifications.tests.conftest import ok

    factories = pytest.importorskip("games.tests.scoring.factories")
    from stats.models import ProcessedMatch, Rating

    route = tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))
    rating = Rating.objects.create(player=player, family="pool", mu=25, sigma=8, display=1628)
    match = factories.make_match([player], "Guest", discipline="pool_8")
    match.winner_side = 0
    match.state = {**(match.state or {}), "frames": [2, 0]}

    matches.match_result_notify(match=match)
    row = Notification.objects.get(user=player, kind="match_result")
    assert delivery.notification_deliver(notification_id=row.pk) == "waiting"
    # The stats task runs after the scoring commit: new rating, match marked processed.
    rating.display = 1642
    rating.save()
    ProcessedMatch.objects.create(match=match, fingerprint="x")
    Notification.objects.filter(pk=row.pk).update(send_after=timezone.now())
    delivery.notification_sweep()

    row = Notification.objects.get(user=player, kind="match_result")
    assert (row.payload["rating"], row.payload["rating_change"]) == (1642, 14)
    text = route.calls[-1].request.content.decode()
    assert "1642" in text and "+14" in text
