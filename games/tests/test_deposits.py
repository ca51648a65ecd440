"""Booking deposits (issue 18): asked by the club's rule, the booking holds until paid, cancelled
in time → refunded, no-show → kept, check-in → credited to the session's bill."""

from datetime import time, timedelta

import pytest

from games import errors, services
from games.models import Booking, DepositRule, Payment
from games.tests.conftest import EVENING_PRICE, NOW, msk

pytestmark = pytest.mark.usefixtures("frozen")

EVENING = msk(2026, 3, 2, 19)  # Monday evening, booked at NOW (14:00)


@pytest.fixture
def evening_deposit(club):
    return DepositRule.objects.create(
        club=club, weekdays=[0, 1, 2, 3, 4], start_time=time(18), end_time=time(2), percent=50
    )


def book(ann, table, start=EVENING, hours=2):
    return services.booking_create(
        player=ann, table_id=table.id, start=start, end=start + timedelta(hours=hours), now=NOW
    )


def pay(booking, key="tg:1"):
    return services.deposit_pay(
        booking_id=booking.id,
        method="online",
        amount=booking.deposit_amount,
        idempotency_key=key,
        actor=None,
        now=NOW,
    )


def test_a_booking_in_the_window_asks_a_deposit_and_holds(evening_deposit, ann, table, club):
    booking = book(ann, table)
    assert booking.deposit_amount == EVENING_PRICE  # half of two evening hours
    assert booking.deposit_status == "pending"
    assert booking.deposit_due_at == NOW + timedelta(minutes=club.deposit_hold_minutes)
    day = book(ann, table, start=msk(2026, 3, 2, 15), hours=1)
    assert day.deposit_status == "none" and day.deposit_amount == 0


def test_an_unpaid_deposit_releases_the_booking_after_the_hold(evening_deposit, ann, table):
    booking = book(ann, table)
    assert services.deposits_sweep_unpaid(now=NOW + timedelta(minutes=10)) == 0
    assert services.deposits_sweep_unpaid(now=NOW + timedelta(minutes=16)) == 1
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    with pytest.raises(errors.DepositNotDue):
        pay(booking)


def test_a_deposit_is_recorded_once(evening_deposit, ann, table):
    booking = book(ann, table)
    first, created = pay(booking)
    again, created_again = pay(booking)
    assert created and not created_again and first.pk == again.pk
    booking.refresh_from_db()
    assert booking.deposit_status == "paid"
    assert Payment.objects.filter(booking=booking).count() == 1


def test_cancelled_in_time_the_deposit_is_refunded(evening_deposit, ann, table):
    booking = book(ann, table)
    pay(booking)
    services.booking_cancel(booking_id=booking.id, actor=ann, now=NOW + timedelta(minutes=5))
    booking.refresh_from_db()
    assert booking.deposit_status == "refunded"
    refund = Payment.objects.get(booking=booking, kind="refund")
    assert refund.amount == booking.deposit_amount and refund.method == "online"


def test_too_late_to_cancel_keeps_the_booking_and_its_deposit(evening_deposit, ann, table):
    booking = book(ann, table)
    pay(booking)
    with pytest.raises(errors.TooLateToCancel):
        services.booking_cancel(
            booking_id=booking.id, actor=ann, now=EVENING - timedelta(minutes=5)
        )
    booking.refresh_from_db()
    assert booking.deposit_status == "paid"


def test_a_no_show_keeps_the_deposit(evening_deposit, ann, table):
    booking = book(ann, table)
    pay(booking)
    services.bookings_sweep_no_shows(now=EVENING + timedelta(minutes=30))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    assert booking.deposit_status == "kept"
    assert not Payment.objects.filter(kind="refund").exists()


def test_on_check_in_the_deposit_is_credited_to_the_bill(evening_deposit, ann, table, staff_user):
    booking = book(ann, table)
    pay(booking)
    session = services.booking_check_in(booking_id=booking.id, actor=staff_user, now=EVENING)
    booking.refresh_from_db()
    assert booking.deposit_status == "credited"
    closed = services.session_close(
        session_id=session.id, closed_by=staff_user, now=EVENING + timedelta(hours=2)
    )
    assert closed.amount == 2 * EVENING_PRICE
    assert closed.paid_amount == EVENING_PRICE and closed.owed == EVENING_PRICE
    credit = Payment.objects.get(session=closed, method="deposit")
    assert credit.amount == EVENING_PRICE


def test_the_player_sees_the_deposit_on_their_booking(evening_deposit, ann, table, ann_api):
    book(ann, table)
    body = ann_api.get("/api/bookings/").json()
    assert body["results"][0]["deposit"]["amount"] == EVENING_PRICE
    assert body["results"][0]["deposit"]["status"] == "pending"
