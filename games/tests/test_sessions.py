"""QR check-in, staff-opened sessions, closing with the bill, paying, the current session."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError

from games import errors, selectors, services
from games.models import Booking, SessionBillLine, TableSession
from games.tests.conftest import DAY_PRICE, EVENING_PRICE, NOW, msk
from games.tests.factories import BookingFactory, TableFactory, TableSessionFactory

pytestmark = pytest.mark.usefixtures("frozen")


def check_in(client, table, code=None):
    return client.post(
        f"/api/tables/{table.id}/check-in/",
        {"code": selectors.checkin_code(table) if code is None else code},
        format="json",
    )


# --- check-in ------------------------------------------------------------------------------


def test_checking_in_at_a_free_table_opens_my_session(ann_api, ann, table):
    response = check_in(ann_api, table)

    assert response.status_code == 201
    body = response.json()
    assert body["open"] is True
    assert body["players"] == ["Ann"]
    assert body["started_at"] == "2026-03-02T14:00:00+03:00"
    session = TableSession.objects.get()
    assert (session.table, session.ended_at, list(session.players.all())) == (table, None, [ann])


def test_checking_in_with_my_booking_marks_it_checked_in(ann_api, ann, table):
    booking = BookingFactory(
        table=table, player=ann, start=msk(2026, 3, 2, 14, 15), end=msk(2026, 3, 2, 16)
    )

    response = check_in(ann_api, table)

    assert response.status_code == 201
    assert response.json()["booking"] == booking.id
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CHECKED_IN


def test_scanning_again_returns_my_running_session(ann_api, table):
    first = check_in(ann_api, table)

    again = check_in(ann_api, table)

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert TableSession.objects.count() == 1


def test_a_wrong_code_is_bad_code(ann_api, table):
    response = check_in(ann_api, table, code="0123456789abcdef")

    assert response.status_code == 400
    assert response.json()["code"] == "bad_code"
    assert not TableSession.objects.exists()


def test_another_tables_code_is_bad_code(ann_api, table, other_table):
    response = check_in(ann_api, table, code=selectors.checkin_code(other_table))

    assert response.status_code == 400
    assert response.json()["code"] == "bad_code"


def test_rotating_the_secret_invalidates_the_printed_code(ann_api, table):
    old = selectors.checkin_code(table)
    table.checkin_secret = "rotated"
    table.save()

    response = check_in(ann_api, table, code=old)

    assert response.status_code == 400
    assert response.json()["code"] == "bad_code"


def test_a_busy_table_refuses_another_player(ann_api, ivan, table):
    TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 13), players=[ivan])

    response = check_in(ann_api, table)

    assert response.status_code == 409
    assert response.json()["code"] == "table_busy"
    assert TableSession.objects.count() == 1


def test_a_table_booked_by_someone_else_now_is_reserved_for_other(ann_api, ivan, table):
    BookingFactory(table=table, player=ivan, start=msk(2026, 3, 2, 14, 20), end=msk(2026, 3, 2, 16))

    response = check_in(ann_api, table)

    assert response.status_code == 409
    assert response.json()["code"] == "reserved_for_other"
    assert not TableSession.objects.exists()


def test_a_booking_later_tonight_does_not_block_a_walk_in(ann_api, ivan, table):
    BookingFactory(table=table, player=ivan, start=msk(2026, 3, 2, 19), end=msk(2026, 3, 2, 21))

    response = check_in(ann_api, table)

    assert response.status_code == 201


def test_check_in_at_an_unknown_table_is_404(ann_api, db):
    response = ann_api.post("/api/tables/4242/check-in/", {"code": "x"}, format="json")

    assert response.status_code == 404


def test_check_in_without_a_code_is_invalid_request(ann_api, table):
    response = ann_api.post(f"/api/tables/{table.id}/check-in/", {}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


def test_check_in_needs_a_signed_in_player(api, table):
    response = check_in(api, table)

    assert response.status_code == 401


def test_check_in_link_is_the_mini_app_deep_link(table, settings):
    settings.TELEGRAM_BOT_USERNAME = "ArtelBot"
    settings.TELEGRAM_MINIAPP_SHORT_NAME = "club"

    link = selectors.checkin_link(table)

    assert (
        link == f"https://t.me/ArtelBot/club?startapp=t{table.id}_{selectors.checkin_code(table)}"
    )


def test_check_in_link_falls_back_to_the_web_page_without_a_bot(table, settings):
    settings.TELEGRAM_BOT_USERNAME = ""
    settings.SITE_URL = "https://club.example.com"

    link = selectors.checkin_link(table)

    assert link == f"https://club.example.com/check-in/{table.id}/{selectors.checkin_code(table)}"


# --- sessions and bills --------------------------------------------------------------------


def test_one_table_cannot_have_two_open_sessions_in_the_database(table):
    TableSessionFactory(table=table, started_at=NOW)

    with pytest.raises(IntegrityError):
        TableSession.objects.create(table=table, started_at=NOW)


def test_staff_cannot_open_a_second_session(staff_user, table):
    services.session_open(table_id=table.id, opened_by=staff_user)

    with pytest.raises(errors.TableBusy):
        services.session_open(table_id=table.id, opened_by=staff_user)


def test_a_session_across_day_and_evening_is_billed_exactly_with_stored_lines(
    staff_user, table, ann
):
    session = TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 17, 15), players=[ann])

    with time_machine.travel(msk(2026, 3, 2, 19, 0, 20), tick=False):
        closed = services.session_close(session_id=session.id, closed_by=staff_user)

    # 45 day minutes at 600 ₽/h = 450 ₽; 61 started evening minutes at 900 ₽/h = 915 ₽.
    assert closed.minutes == 106
    assert closed.amount == 45 * DAY_PRICE // 60 + 61 * EVENING_PRICE // 60 == 136500
    assert closed.ended_at == msk(2026, 3, 2, 19, 0, 20)
    lines = list(
        SessionBillLine.objects.filter(session=session).values_list(
            "tariff_name", "minutes", "amount"
        )
    )
    assert lines == [("Day", 45, 45000), ("Evening", 61, 91500)]


def test_closing_adds_the_minimum_charge_as_an_adjustment(staff_user, club, table):
    club.minimum_charge = 50000
    club.save()
    session = TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 13, 50))

    closed = services.session_close(session_id=session.id, closed_by=staff_user)

    assert (closed.minutes, closed.amount, closed.adjustment) == (10, 50000, 40000)


def test_closing_twice_is_a_conflict(staff_user, table):
    session = TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 13))
    services.session_close(session_id=session.id, closed_by=staff_user)

    with pytest.raises(errors.SessionClosed):
        services.session_close(session_id=session.id, closed_by=staff_user)


def test_closing_without_a_covering_tariff_is_refused_and_changes_nothing(staff_user, club, table):
    club.tariffs.filter(name="Day").delete()
    session = TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 13))

    with pytest.raises(errors.NoTariff):
        services.session_close(session_id=session.id, closed_by=staff_user)

    session.refresh_from_db()
    assert session.ended_at is None


def test_closing_broadcasts_the_floor_with_the_table_free(
    staff_user, table, published, django_capture_on_commit_callbacks
):
    session = TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 13))

    with django_capture_on_commit_callbacks(execute=True):
        services.session_close(session_id=session.id, closed_by=staff_user)

    floor = [m for m in published if m["topic"].startswith("club:")]
    assert [m["topic"] for m in floor] == [f"club:{table.club_id}"]
    assert floor[0]["data"]["tables"][0]["status"] == "free"
    # the staff's till hears of the bill too (issue 18)
    assert f"till:{table.club_id}" in [m["topic"] for m in published]


def test_marking_paid_needs_a_closed_session(staff_user, table):
    session = TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 13))

    with pytest.raises(errors.SessionStillOpen):
        services.session_mark_paid(session_id=session.id)
    services.session_close(session_id=session.id, closed_by=staff_user)
    paid = services.session_mark_paid(session_id=session.id)

    assert paid.paid is True and paid.paid_at == NOW


def test_the_current_session_shows_the_running_bill(ann_api, ann, table):
    TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 13), players=[ann])

    response = ann_api.get("/api/sessions/current/")

    assert response.status_code == 200
    session = response.json()["session"]
    assert session["open"] is True
    assert session["bill"]["minutes"] == 60
    assert session["bill"]["total"] == DAY_PRICE
    assert session["bill"]["lines"][0]["tariff"] == "Day"


def test_the_current_session_is_null_when_i_am_not_playing(ann_api, ivan, table):
    TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 13), players=[ivan])

    response = ann_api.get("/api/sessions/current/")

    assert response.status_code == 200
    assert response.json() == {"session": None, "bills": []}


def test_staff_check_in_of_a_booking_opens_its_session(staff_user, ann, table):
    booking = BookingFactory(
        table=table, player=ann, start=msk(2026, 3, 2, 14), end=msk(2026, 3, 2, 15)
    )

    session = services.booking_check_in(booking_id=booking.id, actor=staff_user)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CHECKED_IN
    assert list(session.players.all()) == [ann]
    assert session.opened_by == staff_user


def test_the_running_bills_are_pushed_to_the_players(
    ann, table, monkeypatch, django_capture_on_commit_callbacks
):
    from realtime import broadcast

    pushed = []
    monkeypatch.setattr(
        broadcast, "publish_to_user", lambda uid, *, data, type="update": pushed.append((uid, data))
    )
    TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 13), players=[ann])

    with django_capture_on_commit_callbacks(execute=True):
        services.sessions_push_running_bills()

    sections = [(uid, data) for uid, data in pushed if "sessions" in data]
    assert [uid for uid, _ in sections] == [ann.id]
    assert sections[0][1]["sessions"][0]["bill"]["total"] == DAY_PRICE


def test_me_sections_give_my_bookings_and_sessions(ann, table, other_table):
    from realtime.topics import resolve

    BookingFactory(table=table, player=ann, start=msk(2026, 3, 2, 19), end=msk(2026, 3, 2, 20))
    TableSessionFactory(table=other_table, started_at=msk(2026, 3, 2, 13), players=[ann])
    topic, params = resolve("me")

    _, data = topic.snapshot(ann, **params)

    assert [b["start"] for b in data["bookings"]] == ["2026-03-02T19:00:00+03:00"]
    assert data["sessions"][0]["table"]["id"] == other_table.id


# --- no-shows ------------------------------------------------------------------------------


def test_the_sweep_marks_a_booking_no_show_after_the_grace_period(ann, table):
    from games.tasks import sweep_no_shows

    booking = BookingFactory(
        table=table, player=ann, start=msk(2026, 3, 2, 14, 30), end=msk(2026, 3, 2, 16)
    )

    with time_machine.travel(msk(2026, 3, 2, 14, 44), tick=False):
        assert sweep_no_shows.delay().get() == 0
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED

    with time_machine.travel(msk(2026, 3, 2, 14, 45), tick=False):
        assert sweep_no_shows.delay().get() == 1
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW


def test_a_no_show_frees_the_table_and_broadcasts(
    ann, table, published, django_capture_on_commit_callbacks
):
    BookingFactory(table=table, player=ann, start=msk(2026, 3, 2, 13, 30), end=msk(2026, 3, 2, 15))
    assert selectors.floor_state(club=table.club)["tables"][0]["status"] == "reserved"

    with django_capture_on_commit_callbacks(execute=True):
        services.bookings_sweep_no_shows()

    assert len(published) == 1
    assert published[0]["data"]["tables"][0]["status"] == "free"


def test_checked_in_and_cancelled_bookings_are_never_no_shows(ann, table, other_table):
    BookingFactory(
        table=table,
        player=ann,
        start=msk(2026, 3, 2, 12),
        end=msk(2026, 3, 2, 15),
        status="checked_in",
    )
    BookingFactory(
        table=other_table,
        player=ann,
        start=msk(2026, 3, 2, 12),
        end=msk(2026, 3, 2, 15),
        status="cancelled",
    )

    assert services.bookings_sweep_no_shows() == 0


def test_the_sweep_honours_each_clubs_grace(ann, club):
    club.no_show_grace_minutes = 5
    club.save()
    table = TableFactory(club=club, number=7)
    BookingFactory(
        table=table, player=ann, start=NOW - timedelta(minutes=6), end=NOW + timedelta(hours=1)
    )

    assert services.bookings_sweep_no_shows() == 1


def test_closing_counts_the_revenue_and_open_sessions_metrics(
    staff_user, table, django_capture_on_commit_callbacks
):
    from core.metrics import REVENUE_KOPECKS, SESSIONS_OPEN

    before = REVENUE_KOPECKS._value.get()
    with django_capture_on_commit_callbacks(execute=True):
        session = services.session_open(table_id=table.id, opened_by=staff_user)
    assert SESSIONS_OPEN._value.get() == 1

    with (
        time_machine.travel(msk(2026, 3, 2, 15, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.session_close(session_id=session.id, closed_by=staff_user)

    assert REVENUE_KOPECKS._value.get() - before == DAY_PRICE
    assert SESSIONS_OPEN._value.get() == 0


def test_a_booking_counts_in_the_bookings_metric(ann, table, django_capture_on_commit_callbacks):
    from core.metrics import BOOKINGS

    before = BOOKINGS.labels(action="created")._value.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_create(
            player=ann, table_id=table.id, start=msk(2026, 3, 2, 19), end=msk(2026, 3, 2, 20)
        )

    assert BOOKINGS.labels(action="created")._value.get() - before == 1


def test_leaving_early_frees_the_rest_of_the_booking(staff_user, ann, ivan_api, table):
    booking = BookingFactory(
        table=table, player=ann, start=msk(2026, 3, 2, 14), end=msk(2026, 3, 2, 18)
    )
    session = services.booking_check_in(booking_id=booking.id, actor=staff_user)

    with time_machine.travel(msk(2026, 3, 2, 15, 10), tick=False):
        services.session_close(session_id=session.id, closed_by=staff_user)
        response = ivan_api.post(
            "/api/bookings/",
            {
                "table": table.id,
                "start": "2026-03-02T15:30:00+03:00",
                "end": "2026-03-02T17:00:00+03:00",
            },
            format="json",
        )

    booking.refresh_from_db()
    assert booking.end == msk(2026, 3, 2, 15, 30)
    assert booking.status == Booking.Status.CHECKED_IN
    assert response.status_code == 201


def test_the_tick_publishes_a_table_turning_reserved_with_the_clock(
    ann, table, published, django_capture_on_commit_callbacks
):
    BookingFactory(table=table, player=ann, start=msk(2026, 3, 2, 14, 30), end=msk(2026, 3, 2, 16))

    with django_capture_on_commit_callbacks(execute=True):
        early = services.floor_tick(now=msk(2026, 3, 2, 13, 59))
        entering = services.floor_tick(now=msk(2026, 3, 2, 14, 0, 30))
        quiet = services.floor_tick(now=msk(2026, 3, 2, 14, 10))

    assert (early, entering, quiet) == (0, 1, 0)
    assert [m["data"]["tables"][0]["status"] for m in published] == ["reserved"]


def test_the_tick_publishes_a_booking_that_ended(
    ann, table, published, django_capture_on_commit_callbacks
):
    BookingFactory(
        table=table,
        player=ann,
        start=msk(2026, 3, 2, 12),
        end=msk(2026, 3, 2, 14),
        status="checked_in",
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert services.floor_tick(now=msk(2026, 3, 2, 14, 0, 20)) == 1
