"""The Floor screen in Chromium: live floor between two phones, booking, QR deep-link check-in."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from games.models import Booking, TableSession
from games.selectors import checkin_code
from games.tests.factories import TableFactory, club_open_round_the_clock
from testing.browser import signed_init_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANN = {
    "id": 5001,
    "first_name": "Ann",
    "last_name": "Smirnova",
    "username": "ann_tg",
    "language_code": "en",
}
IVAN = {
    "id": 5002,
    "first_name": "Ivan",
    "last_name": "Petrov",
    "username": "ivan_tg",
    "language_code": "en",
}


@pytest.fixture
def floor(live_app):
    """A club open round the clock (the live server runs on the real clock) with three tables."""
    club = club_open_round_the_clock()
    tables = [TableFactory(club=club, number=n, kind="pyramid", x=20 * n, y=30) for n in (1, 2, 3)]
    return club, tables


def open_floor(new_phone_page, live_app, user, start_param=None, path="/floor"):
    init = signed_init_data(live_app.bot_token, user=user, start_param=start_param)
    page = new_phone_page(telegram_init_data=init, start_param=start_param)
    page.goto(f"{live_app}{path}")
    page.wait_for_selector("#app[data-ready='1']")
    page.wait_for_selector("#floor-live[data-status='open']")
    return page


def tomorrow_7pm(club):
    local = timezone.now().astimezone(club.tz) + timedelta(days=1)
    return local.replace(hour=19, minute=0, second=0, microsecond=0)


def show_slots(page, table, day):
    page.click(f".floor-table[data-table-id='{table.id}']")
    page.wait_for_selector("#floor-slots .slot")
    page.fill("#floor-date", day.isoformat())
    page.dispatch_event("#floor-date", "change")
    page.wait_for_selector(f"#floor-slots .slot[data-start^='{day.isoformat()}T']")


def test_a_booking_on_one_phone_takes_the_slot_on_the_other_without_reload(
    live_app, new_phone_page, floor
):
    club, tables = floor
    table = tables[0]
    start = tomorrow_7pm(club)
    slot = f"#floor-slots .slot[data-start='{start.isoformat()}']"
    ann = open_floor(new_phone_page, live_app, ANN)
    ivan = open_floor(new_phone_page, live_app, IVAN)
    for page in (ann, ivan):
        show_slots(page, table, start.date())
        assert page.get_attribute(slot, "data-free") == "true"
    version_before = int(ivan.get_attribute("#floor-root", "data-version"))

    ann.click(slot)
    ann.wait_for_selector("#tg-main-button:not([hidden])")
    ann.click("#tg-main-button")
    ann.wait_for_selector("#floor-notice:not([hidden])")

    ivan.wait_for_selector(f"{slot}[data-free='false']", timeout=10000)
    assert int(ivan.get_attribute("#floor-root", "data-version")) > version_before
    assert ivan.is_disabled(slot)
    booking = Booking.objects.get()
    assert (booking.table_id, booking.start) == (table.id, start)
    assert "haptic:success" in ann.evaluate("window.__tgEvents")
    ann.wait_for_selector(f"#floor-my-bookings [data-booking-id='{booking.id}']")
    assert ann.console_errors == [] and ivan.console_errors == []


def test_a_booking_now_turns_the_table_reserved_on_the_other_phone(live_app, new_phone_page, floor):
    club, tables = floor
    table = tables[1]
    ivan = open_floor(new_phone_page, live_app, IVAN)
    ivan.wait_for_selector(f".floor-table[data-table-id='{table.id}'][data-status='free']")
    local_now = timezone.now().astimezone(club.tz)
    midnight = (local_now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    if midnight - local_now < timedelta(minutes=club.min_booking_minutes + club.slot_minutes):
        # The live server runs on the real clock: in the club's last hour of the day no booking
        # of the minimum length fits before the day's opening ends.
        pytest.skip("the club's day ends before a booking of the minimum length fits")
    ann = open_floor(new_phone_page, live_app, ANN)
    show_slots(ann, table, local_now.date())

    ann.click("#floor-slots .slot[data-available='true']")
    ann.click("#tg-main-button")
    ann.wait_for_selector("#floor-notice:not([hidden])")

    ivan.wait_for_selector(
        f".floor-table[data-table-id='{table.id}'][data-status='reserved']", timeout=10000
    )


def test_a_taken_slot_shows_the_error_detail(live_app, new_phone_page, floor):
    club, tables = floor
    table = tables[2]
    start = tomorrow_7pm(club)
    ann = open_floor(new_phone_page, live_app, ANN)
    show_slots(ann, table, start.date())
    ann.click(f"#floor-slots .slot[data-start='{start.isoformat()}']")
    # Someone else books the same time before Ann confirms.
    from games.tests.factories import BookingFactory

    BookingFactory(table=table, player=UserFactory(), start=start, end=start + timedelta(hours=2))
    ann.click("#tg-main-button")

    ann.wait_for_selector("#floor-error:not([hidden])")
    assert "already booked" in ann.text_content("#floor-error")


def test_the_qr_deep_link_opens_the_check_in_flow(live_app, new_phone_page, floor):
    club, tables = floor
    table = tables[0]
    param = f"t{table.id}_{checkin_code(table)}"
    ivan = open_floor(new_phone_page, live_app, IVAN)
    ann = open_floor(new_phone_page, live_app, ANN, start_param=param)

    ann.wait_for_selector("#floor-checkin-card")
    ann.click("#floor-checkin-go")

    ann.wait_for_selector("#floor-running-session")
    assert "Playing at table" in ann.text_content("#floor-running-session")
    session = TableSession.objects.get(table=table)
    assert session.ended_at is None
    assert [p.telegram_id for p in session.players.all()] == [ANN["id"]]
    ivan.wait_for_selector(f".floor-table[data-table-id='{table.id}'][data-status='busy']")


def test_a_forged_start_param_is_ignored(live_app, new_phone_page, floor):
    ann = open_floor(new_phone_page, live_app, ANN, start_param="t1_<script>")

    ann.wait_for_selector(".floor-table")
    assert ann.query_selector("#floor-checkin-card") is None


def test_the_web_check_in_path_opens_the_check_in_flow(live_app, new_phone_page, floor):
    club, tables = floor
    table = tables[1]
    ann = open_floor(
        new_phone_page, live_app, ANN, path=f"/check-in/{table.id}/{checkin_code(table)}"
    )

    ann.wait_for_selector(f"#floor-checkin-card[data-table-id='{table.id}']")
    ann.click("#floor-checkin-go")
    ann.wait_for_selector("#floor-notice:not([hidden])")

    assert TableSession.objects.filter(table=table, ended_at__isnull=True).count() == 1


def test_the_admin_today_page_follows_the_floor_live(live_app, new_phone_page, floor):
    club, tables = floor
    table = tables[2]
    UserFactory(username="desk", is_staff=True, is_superuser=True, password="desk-password-123")
    admin = new_phone_page()
    admin.goto(f"{live_app}/admin/login/?next=/admin/games/clubtoday/")
    admin.fill("#id_username", "desk")
    admin.fill("#id_password", "desk-password-123")
    admin.click("input[type=submit]")
    admin.wait_for_selector(f"#today-floor [data-table='{table.id}'][data-status='free']")
    admin.wait_for_selector("#today-floor[data-version]")

    ann = open_floor(
        new_phone_page, live_app, ANN, start_param=f"t{table.id}_{checkin_code(table)}"
    )
    ann.click("#floor-checkin-go")
    ann.wait_for_selector("#floor-running-session")

    admin.wait_for_selector(f"#today-floor [data-table='{table.id}'][data-status='busy']")
    assert admin.console_errors == []


def test_a_table_turned_on_the_plan_is_drawn_standing_with_an_upright_label(
    live_app, new_phone_page, floor
):
    club, tables = floor
    tables[1].rotation = 90
    tables[1].save(update_fields=["rotation"])

    page = open_floor(new_phone_page, live_app, ANN)

    turned = page.locator(f".floor-table[data-table-id='{tables[1].id}']")
    level = page.locator(f".floor-table[data-table-id='{tables[0].id}']")
    turned_box, level_box = turned.bounding_box(), level.bounding_box()
    assert turned.get_attribute("data-orientation") == "portrait"
    assert level.get_attribute("data-orientation") == "landscape"
    assert turned_box["height"] > turned_box["width"]
    assert level_box["width"] > level_box["height"]
