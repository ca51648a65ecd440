"""The staff admin: actions call the services, the Today page, QR codes, lists without N+1."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from games.models import Booking, SessionBillLine, TableSession
from games.tests.conftest import msk
from games.tests.factories import BookingFactory, TableFactory, TableSessionFactory

pytestmark = pytest.mark.usefixtures("frozen")

ADMIN = "/admin/games"


@pytest.fixture
def desk(staff_user):
    client = Client(headers={"accept-language": "en"})
    client.force_login(staff_user)
    return client


def act(client, model, action, ids):
    return client.post(
        f"{ADMIN}/{model}/",
        {"action": action, "_selected_action": [str(i) for i in ids]},
        follow=True,
    )


def test_the_today_page_shows_floor_sessions_timeline_and_revenue(
    desk, staff_user, club, table, ann, ivan
):
    other = TableFactory(club=club, number=2)
    TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 13), players=[ann])
    BookingFactory(table=other, player=ivan, start=msk(2026, 3, 2, 19), end=msk(2026, 3, 2, 21))
    closed = TableSessionFactory(table=other, started_at=msk(2026, 3, 2, 12))
    closed.ended_at = msk(2026, 3, 2, 13)
    closed.amount = 60000
    closed.save()

    response = desk.get(f"{ADMIN}/clubtoday/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-status="busy"' in html and 'data-status="free"' in html
    assert "600.00 ₽" in html  # today's revenue and the running bill (1 h of day tariff)
    assert "Ivan" in html  # today's bookings timeline
    assert response.context["overview"]["revenue"] == 60000
    assert response.context["overview"]["running_total"] == 60000


def test_the_today_page_is_linked_from_the_admin_index(desk, club):
    response = desk.get("/admin/")

    assert response.status_code == 200
    assert f"{ADMIN}/clubtoday/" in response.content.decode()


def test_a_player_cannot_open_the_today_page(club):
    client = Client(headers={"accept-language": "en"})
    client.force_login(UserFactory(username="nobody"))

    response = client.get(f"{ADMIN}/clubtoday/")

    assert response.status_code == 302


def test_the_table_page_shows_the_check_in_qr_code(desk, table, settings):
    settings.TELEGRAM_BOT_USERNAME = "ArtelBot"

    response = desk.get(f"{ADMIN}/table/{table.id}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html
    assert f"startapp=t{table.id}_" in html


def test_the_table_list_shows_live_statuses(desk, table, ann):
    TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 13), players=[ann])

    response = desk.get(f"{ADMIN}/table/")

    assert response.status_code == 200
    assert "busy" in response.content.decode()


def test_taking_a_table_out_of_service_republishes_the_floor(
    desk, table, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        act(desk, "table", "take_out_of_service", [table.id])

    table.refresh_from_db()
    assert table.in_service is False
    assert published[-1]["data"]["tables"][0]["status"] == "out_of_service"


def test_the_cancel_action_cancels_bookings(desk, table, ann):
    booking = BookingFactory(
        table=table, player=ann, start=msk(2026, 3, 2, 14, 30), end=msk(2026, 3, 2, 16)
    )

    response = act(desk, "booking", "cancel", [booking.id])

    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED  # staff ignore the player's deadline


def test_the_no_show_action_marks_bookings(desk, table, ann):
    booking = BookingFactory(
        table=table, player=ann, start=msk(2026, 3, 2, 13, 30), end=msk(2026, 3, 2, 15)
    )

    act(desk, "booking", "mark_no_show", [booking.id])

    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW


def test_the_check_in_action_opens_the_session(desk, table, ann):
    booking = BookingFactory(
        table=table, player=ann, start=msk(2026, 3, 2, 14), end=msk(2026, 3, 2, 15)
    )

    act(desk, "booking", "check_in", [booking.id])

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CHECKED_IN
    assert TableSession.objects.get(booking=booking).ended_at is None


def test_a_refused_action_is_shown_as_a_message(desk, table, ann):
    booking = BookingFactory(
        table=table,
        player=ann,
        start=msk(2026, 3, 2, 14),
        end=msk(2026, 3, 2, 15),
        status="cancelled",
    )

    response = act(desk, "booking", "mark_no_show", [booking.id])

    assert "no longer active" in response.content.decode()


def test_the_close_action_bills_the_session(desk, table, ann):
    session = TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 13), players=[ann])

    act(desk, "tablesession", "close", [session.id])

    session.refresh_from_db()
    assert session.ended_at is not None and session.amount == 60000
    assert SessionBillLine.objects.filter(session=session).count() == 1


def test_the_mark_paid_action(desk, staff_user, table):
    session = TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 13))
    session.ended_at = msk(2026, 3, 2, 14)
    session.save()

    act(desk, "tablesession", "mark_paid", [session.id])

    session.refresh_from_db()
    assert session.paid is True


def test_staff_open_a_session_from_the_add_form(desk, table, ann):
    response = desk.post(
        f"{ADMIN}/tablesession/add/", {"table": table.id, "players": [ann.id]}, follow=True
    )

    assert response.status_code == 200
    session = TableSession.objects.get()
    assert list(session.players.all()) == [ann]


def test_the_session_page_shows_its_bill_lines(desk, staff_user, table):
    from games import services

    session = TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 13))
    services.session_close(session_id=session.id, closed_by=staff_user)

    response = desk.get(f"{ADMIN}/tablesession/{session.id}/change/")

    assert response.status_code == 200
    assert "Day" in response.content.decode()


def test_staff_book_for_a_player_with_the_same_rules(desk, table, ann):
    ok = desk.post(
        f"{ADMIN}/booking/add/",
        {
            "table": table.id,
            "player": ann.id,
            "start_0": "2026-03-02",
            "start_1": "19:00",
            "end_0": "2026-03-02",
            "end_1": "20:00",
        },
    )
    refused = desk.post(
        f"{ADMIN}/booking/add/",
        {
            "table": table.id,
            "player": ann.id,
            "start_0": "2026-03-02",
            "start_1": "19:10",
            "end_0": "2026-03-02",
            "end_1": "20:10",
        },
    )

    assert ok.status_code == 302
    assert refused.status_code == 200 and "step" in refused.content.decode()
    assert Booking.objects.count() == 1


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_booking_and_session_lists_have_no_n_plus_one(desk, club, ann, ivan):
    def add(n, offset):
        for i in range(n):
            table = TableFactory(club=club, number=200 + offset + i)
            BookingFactory(
                table=table, player=ann, start=msk(2026, 3, 2, 19), end=msk(2026, 3, 2, 20)
            )
            TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 13), players=[ann, ivan])

    add(2, 0)
    few = (count_queries(desk, f"{ADMIN}/booking/"), count_queries(desk, f"{ADMIN}/tablesession/"))
    add(8, 50)
    many = (count_queries(desk, f"{ADMIN}/booking/"), count_queries(desk, f"{ADMIN}/tablesession/"))

    assert few == many


def test_the_staff_role_group_runs_the_floor(club, table, ann):
    from django.contrib.auth.models import Group

    from accounts.roles import STAFF, sync_role_permissions

    sync_role_permissions()
    member = UserFactory(username="floor_staff", is_staff=True)
    member.groups.add(Group.objects.get(name=STAFF))
    client = Client(headers={"accept-language": "en"})
    client.force_login(member)
    session = TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 13), players=[ann])

    today = client.get(f"{ADMIN}/clubtoday/")
    act(client, "tablesession", "close", [session.id])

    assert today.status_code == 200
    session.refresh_from_db()
    assert session.ended_at is not None
