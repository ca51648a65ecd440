"""Factories for the club floor: a club with hours, tables, tariffs, players, bookings, sessions."""

from datetime import time, timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from games.models import Booking, Club, OpeningHours, Table, TableSession, Tariff


class ClubFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Club

    name = factory.Sequence(lambda n: f"Club {n}")
    timezone = "Europe/Moscow"
    slot_minutes = 30
    min_booking_minutes = 60
    max_booking_minutes = 240
    booking_horizon_days = 14
    max_active_bookings = 3
    cancel_deadline_minutes = 60
    no_show_grace_minutes = 15
    hold_window_minutes = 30


class OpeningHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningHours

    club = factory.SubFactory(ClubFactory)
    weekday = 0
    opens = time(12, 0)
    closes = time(2, 0)


class TableFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Table

    club = factory.SubFactory(ClubFactory)
    number = factory.Sequence(lambda n: n + 1)
    kind = Table.Kind.PYRAMID
    x = factory.Sequence(lambda n: (n * 17) % 90)
    y = factory.Sequence(lambda n: (n * 29) % 90)


class TariffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tariff

    club = factory.SubFactory(ClubFactory)
    name = "Day"
    table_kind = Table.Kind.PYRAMID
    price_per_hour = 60000
    weekdays = factory.LazyFunction(lambda: [0, 1, 2, 3, 4, 5, 6])
    start_time = time(0, 0)
    end_time = time(0, 0)


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    table = factory.SubFactory(TableFactory)
    player = factory.SubFactory(UserFactory)
    start = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=2))
    end = factory.LazyAttribute(lambda o: o.start + timedelta(hours=1))
    status = Booking.Status.CONFIRMED


class TableSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TableSession
        skip_postgeneration_save = True

    table = factory.SubFactory(TableFactory)
    started_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def players(self, create, extracted, **kwargs):
        if create and extracted:
            self.players.add(*extracted)


def club_open_round_the_clock(*, table_kinds=("pyramid",), **kwargs) -> Club:
    """A Moscow club open every day round the clock with an hourly tariff for each table kind:
    for tests against a live server, which runs on the real clock."""
    club = ClubFactory(**{"name": "Artel", "timezone": "Europe/Moscow", **kwargs})
    for weekday in range(7):
        OpeningHours.objects.create(club=club, weekday=weekday, opens=time(0), closes=time(0))
    for kind in table_kinds:
        TariffFactory(club=club, table_kind=kind, price_per_hour=60000)
    return club
