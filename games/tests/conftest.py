"""Fixtures of the club-floor tests: a Moscow club open 12:00–02:00 (Fri, Sat till 04:00),
day and evening tariffs, twelve tables, staff, and the clock frozen at NOW (the players Ann and
Ivan are the shared personas of testing/personas.py)."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from games.models import OpeningHours
from games.tests.factories import ClubFactory, TableFactory, TariffFactory

MSK = ZoneInfo("Europe/Moscow")
#: Monday 2 March 2026, 14:00 in Moscow (11:00 UTC): the club is open, evening is ahead.
NOW = datetime(2026, 3, 2, 14, 0, tzinfo=MSK)
DAY_PRICE = 60000  # kopecks per hour, weekdays 00:00–18:00
EVENING_PRICE = 90000  # weekdays 18:00–00:00
WEEKEND_PRICE = 100000


def msk(*args) -> datetime:
    return datetime(*args, tzinfo=MSK)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def club(db):
    club = ClubFactory(name="Artel")
    for weekday in range(7):
        OpeningHours.objects.create(
            club=club,
            weekday=weekday,
            opens=time(12, 0),
            closes=time(4, 0) if weekday in (4, 5) else time(2, 0),
        )
    for kind in ("pyramid", "pool", "snooker"):
        TariffFactory(
            club=club,
            table_kind=kind,
            name="Day",
            price_per_hour=DAY_PRICE,
            weekdays=[0, 1, 2, 3, 4],
            start_time=time(0),
            end_time=time(18),
        )
        TariffFactory(
            club=club,
            table_kind=kind,
            name="Evening",
            price_per_hour=EVENING_PRICE,
            weekdays=[0, 1, 2, 3, 4],
            start_time=time(18),
            end_time=time(0),
        )
        TariffFactory(
            club=club,
            table_kind=kind,
            name="Weekend",
            price_per_hour=WEEKEND_PRICE,
            weekdays=[5, 6],
            start_time=time(0),
            end_time=time(0),
        )
    return club


@pytest.fixture
def table(club):
    return TableFactory(club=club, number=1, kind="pyramid")


@pytest.fixture
def other_table(club):
    return TableFactory(club=club, number=2, kind="pool")


@pytest.fixture
def staff_user(db):
    from django.contrib.auth.models import Group, Permission

    user = UserFactory(username="desk", first_name="Desk", is_staff=True)
    group, _ = Group.objects.get_or_create(name="staff")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="games"))
    user.groups.add(group)
    return user


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def ann_api(ann):
    client = APIClient()
    client.force_authenticate(ann)
    return client


@pytest.fixture
def ivan_api(ivan):
    client = APIClient()
    client.force_authenticate(ivan)
    return client


@pytest.fixture
def published(monkeypatch):
    """Spy on realtime.broadcast.publish: the (topic, version, data) sent, after commit."""
    from django.db import transaction

    from realtime import broadcast

    sent: list[dict] = []
    real = broadcast.publish

    def spy(topic, *, version, data, type="update"):
        real(topic, version=version, data=data, type=type)
        transaction.on_commit(
            lambda: sent.append({"topic": topic, "version": version, "data": data})
        )

    monkeypatch.setattr(broadcast, "publish", spy)
    return sent
