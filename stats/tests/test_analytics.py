"""Club analytics on a seeded week, against figures computed by hand."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from accounts.tests.factories import UserFactory
from games.models import Booking, OpeningHours, Table
from stats.admin import MSG_RANGE_REVERSED
from stats.analytics import club_analytics
from stats.tests.factories import ClubFactory, TableFactory, TableSessionFactory

MSK = ZoneInfo("Europe/Moscow")
MONDAY = date(2026, 3, 2)
SUNDAY = date(2026, 3, 8)
AFTER = datetime(2026, 3, 10, 12, 0, tzinfo=MSK)


def at(day_offset, hh, mm=0):
    return datetime.combine(MONDAY + timedelta(days=day_offset), time(hh, mm), tzinfo=MSK)


@pytest.fixture
def week(db):
    """Hours 10:00-22:00 every day; a pyramid and a pool table.

    S1 table 1 Mon 12:00-14:00, booked, 1 200 ₽, Ann and Ivan
    S2 table 1 Tue 20:30-22:00, walk-in, 900 ₽, Ann
    S3 table 2 Mon 13:30-15:00, walk-in, 600 ₽, Olga
    S4 table 2 Sun 21:00-Mon 01:00 (ends after the range: 180 min inside, its 800 ₽ outside), Petr
    Bookings: Mon 12:00 checked in, Wed 18:00 no-show, Thu cancelled, Fri no-show.
    """
    club = ClubFactory(timezone="Europe/Moscow")
    for wd in range(7):
        OpeningHours.objects.create(club=club, weekday=wd, opens=time(10), closes=time(22))
    t1 = TableFactory(club=club, number=1, kind=Table.Kind.PYRAMID, name="P1")
    t2 = TableFactory(club=club, number=2, kind=Table.Kind.POOL, name="B2")
    ann, ivan, olga, petr = (
        UserFactory(username=n, first_name=n.title()) for n in ("ann", "ivan", "olga", "petr")
    )
    b1 = Booking.objects.create(
        table=t1, player=ann, start=at(0, 12), end=at(0, 14), status="checked_in"
    )
    Booking.objects.create(table=t1, player=ivan, start=at(2, 18), end=at(2, 19), status="no_show")
    Booking.objects.create(
        table=t2, player=olga, start=at(3, 18), end=at(3, 19), status="cancelled"
    )
    Booking.objects.create(table=t2, player=petr, start=at(4, 18), end=at(4, 19), status="no_show")
    for table, start, end, amount, booking, players in [
        (t1, at(0, 12), at(0, 14), 120000, b1, [ann, ivan]),
        (t1, at(1, 20, 30), at(1, 22), 90000, None, [ann]),
        (t2, at(0, 13, 30), at(0, 15), 60000, None, [olga]),
        (t2, at(6, 21), at(7, 1), 80000, None, [petr]),
    ]:
        TableSessionFactory(
            table=table,
            started_at=start,
            ended_at=end,
            amount=amount,
            booking=booking,
            players=players,
        )
    return club


@pytest.fixture
def figures(week):
    return club_analytics(club=week, date_from=MONDAY, date_to=SUNDAY, now=AFTER)


def test_occupancy_per_table_is_busy_over_opening_minutes(figures):
    assert figures["open_minutes"] == 7 * 720
    assert [(t["label"], t["busy_minutes"], t["occupancy"]) for t in figures["tables"]] == [
        ("P1", 210, round(100 * 210 / 5040, 2)),
        ("B2", 270, round(100 * 270 / 5040, 2)),
    ]


def test_the_heat_map_is_the_share_of_tables_busy_in_each_hour(figures):
    heat = figures["heatmap"]
    assert heat[0][12] == 50.0  # Mon 12-13: table 1 all hour, table 2 idle
    assert heat[0][13] == 75.0  # table 1 60 min + table 2 30 min of 120
    assert heat[0][14] == 50.0
    assert heat[1][20] == 25.0 and heat[1][21] == 50.0
    assert heat[6][21] == heat[6][22] == heat[6][23] == 50.0
    assert heat[0][1] == 0.0  # next Monday's 00:00-01:00 is outside the range
    assert sum(v for row in heat for v in row) == (50 + 75 + 50) + (25 + 50) + 50 * 3
    assert figures["busiest_hours"][0] == {"weekday": 0, "hour": 13, "occupancy": 75.0}


def test_revenue_is_booked_on_the_day_a_session_ends(figures):
    by_day = {r["date"]: r for r in figures["revenue_by_day"]}
    assert by_day[MONDAY]["total"] == 180000
    assert (by_day[MONDAY]["pyramid"], by_day[MONDAY]["pool"]) == (120000, 60000)
    assert by_day[MONDAY + timedelta(days=1)]["total"] == 90000
    assert by_day[SUNDAY]["total"] == 0
    assert figures["revenue_by_kind"] == {"pool": 60000, "pyramid": 210000}
    assert figures["revenue_total"] == 270000


def test_bookings_walk_ins_and_no_shows(figures):
    assert figures["sessions"] == {"booked": 1, "walk_in": 3}
    assert figures["no_shows"] == {"bookings": 3, "no_shows": 2, "rate": 66.67}


def test_top_players_by_minutes(figures):
    assert [(p["name"], p["minutes"]) for p in figures["top_players"]] == [
        ("Ann Tester", 210),
        ("Petr Tester", 180),
        ("Ivan Tester", 120),
        ("Olga Tester", 90),
    ]


@pytest.fixture
def boss(db):
    return UserFactory(username="boss", is_staff=True, is_superuser=True)


def test_the_dashboard_page_shows_the_week(week, boss):
    client = Client()
    client.force_login(boss)
    with time_machine.travel(AFTER):
        r = client.get(
            f"/admin/stats/clubanalytics/?club={week.pk}&date_from=2026-03-02&date_to=2026-03-08"
        )
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="chart-occupancy"' in html and "vendor/chartjs/chart.umd.js" in html
    assert "2\u202f700.00 ₽" in html


def test_the_csv_export_has_the_same_figures(week, boss):
    client = Client()
    client.force_login(boss)
    r = client.get(
        f"/admin/stats/clubanalytics/?club={week.pk}&date_from=2026-03-02&date_to=2026-03-08&format=csv"
    )
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/csv")
    lines = r.content.decode().splitlines()
    assert "P1,pyramid,210,4.17,210000" in lines
    assert "2026-03-02,180000,60000,120000" in lines
    assert "total,270000,60000,210000" in lines


def test_a_player_cannot_open_the_dashboard(week):
    client = Client()
    client.force_login(UserFactory(username="nobody"))
    r = client.get("/admin/stats/clubanalytics/")
    assert r.status_code == 302


def test_a_reversed_range_is_refused_with_a_message(week, boss):
    client = Client()
    client.force_login(boss)
    r = client.get(
        f"/admin/stats/clubanalytics/?club={week.pk}&date_from=2026-03-08&date_to=2026-03-02",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 200
    assert MSG_RANGE_REVERSED in r.content.decode()
