"""Money at the table in Chromium: a checked-in player orders two drinks from the Mini App, the
desk sees them on the Today page without a reload, the bill is closed and split, the player's
"Pay" says clearly that paying in Telegram is off (no provider token on the test server), the
share is paid and the player's bill shows paid."""

import pytest

from accounts.tests.factories import UserFactory
from games import services
from games.models import CatalogueItem, SessionItem, TableSession
from games.selectors import checkin_code
from games.tests.factories import TableFactory, club_open_round_the_clock
from games.tests.test_browser_floor import ANN, open_floor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_drinks_ordered_in_the_mini_app_reach_the_desk_live_and_the_bill_is_paid(
    live_app, new_phone_page
):
    club = club_open_round_the_clock()
    table = TableFactory(club=club, number=1, kind="pyramid", x=30, y=30)
    CatalogueItem.objects.create(club=club, name="Lemonade", price=25000)
    desk_user = UserFactory(
        username="desk", is_staff=True, is_superuser=True, password="desk-password-123"
    )
    desk = new_phone_page()
    desk.goto(f"{live_app}/admin/login/?next=/admin/games/clubtoday/")
    desk.fill("#id_username", "desk")
    desk.fill("#id_password", "desk-password-123")
    desk.click("input[type=submit]")
    desk.wait_for_selector("#today-till[data-version]")

    ann = open_floor(
        new_phone_page, live_app, ANN, start_param=f"t{table.id}_{checkin_code(table)}"
    )
    ann.click("#floor-checkin-go")
    ann.wait_for_selector("#floor-order-add")
    ann.fill("#floor-order-qty", "2")
    ann.click("#floor-order-add")
    ann.wait_for_selector("#floor-bill-items li")
    assert "Lemonade × 2" in ann.inner_text("#floor-bill-items")

    desk.wait_for_selector("#today-till .till-items li")
    assert "Lemonade × 2" in desk.inner_text("#today-till")
    assert SessionItem.objects.get().added_by.telegram_id == ANN["id"]

    session = TableSession.objects.get()
    services.session_close(session_id=session.id, closed_by=desk_user)
    services.session_split(session_id=session.id, mode="equal", actor=desk_user)
    ann.reload()
    ann.wait_for_selector("#floor-pay")
    ann.click("#floor-pay")
    ann.wait_for_selector("#floor-error:not([hidden])")
    assert "desk" in ann.inner_text("#floor-error")  # paying in Telegram is off: pay at the desk

    share = session.shares.get()
    services.payment_record(
        session_id=session.id,
        method="card",
        amount=share.amount,
        share_id=share.id,
        idempotency_key="desk-card-1",
        actor=desk_user,
    )
    ann.reload()
    ann.wait_for_selector(f"#floor-bill-paid-{session.id}")
    assert ann.console_errors == [] or all("409" in e for e in ann.console_errors)
