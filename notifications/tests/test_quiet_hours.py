"""Quiet hours, lead time and preferences with the clock frozen in the club's time zone."""

from datetime import datetime, time, timedelta

import pytest
import time_machine

from notifications import delivery, outbox
from notifications.models import NotificationPreference, NotificationProfile
from notifications.sources import bookings
from notifications.tests.conftest import MSK
from notifications.tests.factories import BookingFactory, TableFactory

#: 23:30 in Moscow, inside 23:00–08:00 quiet hours.
LATE = datetime(2026, 3, 2, 23, 30, tzinfo=MSK)
MORNING = datetime(2026, 3, 3, 8, 0, tzinfo=MSK)


@pytest.fixture
def night_owl(player):
    NotificationProfile.objects.create(user=player, quiet_start=time(23, 0), quiet_end=time(8, 0))
    return player


def test_an_announcement_in_quiet_hours_waits_for_their_end(night_owl):
    with time_machine.travel(LATE, tick=False):
        row = outbox.notify(user=night_owl, kind="announcement", payload={}, dedupe_key="q1")

    assert row.send_after == MORNING
    assert row.silent is False


def test_outside_quiet_hours_it_goes_at_once(night_owl):
    noon = datetime(2026, 3, 2, 12, 0, tzinfo=MSK)
    with time_machine.travel(noon, tick=False):
        row = outbox.notify(user=night_owl, kind="announcement", payload={}, dedupe_key="q2")

    assert row.send_after == noon


def test_a_booking_confirmation_in_quiet_hours_goes_now_silently(night_owl, club):
    with time_machine.travel(LATE, tick=False):
        booking = BookingFactory(
            player=night_owl, table=TableFactory(club=club), start=LATE + timedelta(hours=12)
        )

    row = night_owl.notifications.get(dedupe_key=f"booking_confirmed:{booking.pk}")
    assert row.send_after == LATE
    assert row.silent is True


def test_a_reminder_in_quiet_hours_moves_to_their_end_when_that_is_before_the_start(
    night_owl, club
):
    # Booking at 10:00, lead 180 min → due 07:00 (quiet) → sent 08:00, still before the start.
    start = datetime(2026, 3, 3, 10, 0, tzinfo=MSK)
    with time_machine.travel(LATE, tick=False):
        booking = BookingFactory(player=night_owl, table=TableFactory(club=club), start=start)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("django.conf.settings.NOTIFY_REMINDER_LEAD_MINUTES", 180)
            bookings.booking_reminders_schedule()

    row = night_owl.notifications.get(dedupe_key=f"booking_reminder:{booking.pk}")
    assert row.send_after == MORNING
    assert row.silent is False


def test_a_reminder_whose_quiet_end_is_after_the_start_goes_on_time_silently(night_owl, club):
    # Booking at 07:30, lead 60 → due 06:30 (quiet); 08:00 would be too late.
    start = datetime(2026, 3, 3, 7, 30, tzinfo=MSK)
    with time_machine.travel(LATE, tick=False):
        booking = BookingFactory(player=night_owl, table=TableFactory(club=club), start=start)
        bookings.booking_reminders_schedule()

    row = night_owl.notifications.get(dedupe_key=f"booking_reminder:{booking.pk}")
    assert row.send_after == start - timedelta(minutes=60)
    assert row.silent is True


def test_quiet_hours_within_one_day(player):
    NotificationProfile.objects.create(user=player, quiet_start=time(13, 0), quiet_end=time(15, 0))
    with time_machine.travel(datetime(2026, 3, 2, 14, 0, tzinfo=MSK), tick=False):
        row = outbox.notify(user=player, kind="achievement", payload={}, dedupe_key="q3")

    assert row.send_after == datetime(2026, 3, 2, 15, 0, tzinfo=MSK)


def test_the_reminder_is_sent_by_the_sweep_at_lead_time_not_before(player, club, tg):
    import httpx

    from notifications.tests.conftest import ok

    route = tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))
    start = datetime(2026, 3, 2, 19, 0, tzinfo=MSK)
    with time_machine.travel(datetime(2026, 3, 2, 12, 0, tzinfo=MSK), tick=False) as clock:
        booking = BookingFactory(player=player, table=TableFactory(club=club), start=start)
        bookings.booking_reminders_schedule()
        delivery.notification_sweep()  # the confirmation
        route.reset()

        clock.move_to(datetime(2026, 3, 2, 17, 59, tzinfo=MSK))
        delivery.notification_sweep()
        assert not route.called

        clock.move_to(datetime(2026, 3, 2, 18, 0, tzinfo=MSK))
        delivery.notification_sweep()

    assert route.call_count == 1
    assert player.notifications.get(dedupe_key=f"booking_reminder:{booking.pk}").status == "sent"


def test_preferences_patch_sets_channels_and_quiet_hours(client, player):
    client.force_login(player)

    response = client.patch(
        "/api/me/notifications/",
        data={
            "kinds": {"announcement": "off", "match_result": "in_app"},
            "quiet_hours": {"start": "23:00", "end": "08:00"},
        },
        content_type="application/json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["kinds"]["announcement"] == "off"
    assert body["kinds"]["booking_reminder"] == "telegram"
    assert body["quiet_hours"] == {"start": "23:00", "end": "08:00"}
    assert NotificationPreference.objects.get(user=player, kind="match_result").channel == "in_app"


def test_preferences_patch_refuses_unknown_kinds_and_equal_quiet_hours(client, player):
    client.force_login(player)

    bad_kind = client.patch(
        "/api/me/notifications/", data={"kinds": {"spam": "off"}}, content_type="application/json"
    )
    same = client.patch(
        "/api/me/notifications/",
        data={"quiet_hours": {"start": "08:00", "end": "08:00"}},
        content_type="application/json",
    )

    assert (bad_kind.status_code, same.status_code) == (400, 400)
    assert bad_kind.json()["code"] == "invalid_request"
    assert not NotificationPreference.objects.exists()


def test_clearing_quiet_hours(client, night_owl):
    client.force_login(night_owl)

    response = client.patch(
        "/api/me/notifications/", data={"quiet_hours": None}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["quiet_hours"] is None
