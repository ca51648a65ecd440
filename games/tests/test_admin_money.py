"""The desk's money pages: a session's bill (pause, items, discount, split, payments, refund),
the shift (open, report, CSV, close with the count), the catalogue."""

import pytest
from django.test import Client

from games import services
from games.models import CatalogueItem, Payment, SessionItem, Shift, TableSession
from games.tests.conftest import DAY_PRICE, msk
from games.tests.factories import TableSessionFactory

pytestmark = pytest.mark.usefixtures("frozen")

ADMIN = "/admin/games"


@pytest.fixture
def desk(staff_user):
    client = Client(headers={"accept-language": "en"})
    client.force_login(staff_user)
    return client


@pytest.fixture
def session(table, ann, ivan):
    return TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 13), players=[ann, ivan])


@pytest.fixture
def beer(club):
    return CatalogueItem.objects.create(club=club, name="Beer", price=35000)


def op(desk, session, name, **fields):
    url = f"{ADMIN}/tablesession/{session.id}/money/"
    return desk.post(url, {"op": name, **fields}, follow=True)


def test_the_desk_runs_a_bill_from_its_page(desk, session, beer, club, staff_user, ann):
    services.shift_open(club_id=club.id, actor=staff_user, opening_cash=0)
    page = desk.get(f"{ADMIN}/tablesession/{session.id}/money/")
    assert page.status_code == 200

    op(desk, session, "item", **{"item-item": beer.id, "item-quantity": 2})
    op(desk, session, "pause")
    assert session.pauses.filter(ended_at__isnull=True).exists()
    op(desk, session, "resume")
    op(
        desk,
        session,
        "discount",
        **{"discount-percent": 0, "discount-amount_rub": "100", "discount-reason": "regular"},
    )
    op(desk, session, "close")
    session.refresh_from_db()
    assert session.amount == DAY_PRICE + 70000 - 10000
    op(desk, session, "split_equal")
    assert session.shares.count() == 2
    response = op(
        desk,
        session,
        "payment",
        **{
            "payment-method": "cash",
            "payment-amount_rub": "1200",
            "payment-tendered_rub": "1500",
            "payment-nonce": "n1",
        },
    )
    assert response.status_code == 200
    # the same form posted twice (a double click) records one payment
    op(
        desk,
        session,
        "payment",
        **{"payment-method": "cash", "payment-amount_rub": "1200", "payment-nonce": "n1"},
    )
    session.refresh_from_db()
    assert session.paid
    payment = Payment.objects.get()
    assert payment.change == 30000
    html = desk.get(f"{ADMIN}/tablesession/{session.id}/money/").content.decode()
    assert "Beer × 2" in html and 'id="money-paid"' in html


def test_a_refusal_is_shown_and_changes_nothing(desk, session, beer):
    line = services.session_add_item(
        session_id=session.id, item_id=beer.id, quantity=1, actor=None, by_staff=True
    )
    response = op(
        desk, session, "remove_item", **{"remove_item-line": line.id, "remove_item-reason": ""}
    )
    assert response.status_code == 200
    assert SessionItem.objects.get(pk=line.id).removed_at is None


def test_the_shift_opens_reports_exports_and_closes(desk, club, session, staff_user):
    response = desk.post(
        f"{ADMIN}/shift/add/", {"club": club.id, "opening_cash_rub": "5000"}, follow=True
    )
    assert response.status_code == 200
    shift = Shift.objects.get()
    assert shift.opening_cash == 500000
    services.session_close(session_id=session.id, closed_by=staff_user)
    services.payment_record(
        session_id=session.id,
        method="cash",
        amount=DAY_PRICE,
        idempotency_key="x",
        actor=staff_user,
    )
    report = desk.get(f"{ADMIN}/shift/{shift.id}/report/")
    assert report.status_code == 200
    csv = desk.get(f"{ADMIN}/shift/{shift.id}/report/?format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert f"method,cash,{DAY_PRICE}" in csv.content.decode()
    desk.post(f"{ADMIN}/shift/{shift.id}/report/", {"counted_rub": "5590"})
    shift.refresh_from_db()
    assert shift.closed_at is not None
    assert shift.cash_difference == -1000


def test_the_catalogue_is_edited_in_the_admin(desk, club):
    response = desk.post(
        f"{ADMIN}/catalogueitem/add/",
        {
            "club": club.id,
            "name": "Tea",
            "category": "drink",
            "price": 15000,
            "is_available": "on",
            "position": 0,
        },
    )
    assert response.status_code == 302
    assert CatalogueItem.objects.get().name == "Tea"


def test_the_session_list_links_to_the_bill(desk, session):
    html = desk.get(f"{ADMIN}/tablesession/").content.decode()
    assert f"/tablesession/{session.id}/money/" in html
    assert TableSession.objects.count() == 1
