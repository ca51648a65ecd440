"""Money guarantees under real concurrency (PostgreSQL row locks): a retried payment is charged
once, two different payments racing for the last owed kopecks never overpay, and one item
order retried in parallel lands once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from games import errors, services
from games.models import CatalogueItem, Payment, SessionItem
from games.tests.factories import TableSessionFactory
from games.tests.test_concurrency_postgres import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 10


@pytest.fixture
def closed_bill(table, ann, ivan, staff_user):
    now = timezone.now()
    session = TableSessionFactory(table=table, started_at=now - timedelta(hours=1), players=[ann])
    session.ended_at = now
    session.amount = session.time_amount = 60000
    session.save()
    return session


def test_a_payment_retried_in_parallel_is_charged_once(closed_bill, staff_user):
    def attempt(i):
        return services.payment_record(
            session_id=closed_bill.id,
            method="card",
            amount=60000,
            idempotency_key="desk:retry-1",
            actor=staff_user,
        )

    results = run_together(attempt, THREADS)

    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(1 for _, created in results if created) == 1
    assert Payment.objects.count() == 1
    closed_bill.refresh_from_db()
    assert closed_bill.paid and closed_bill.paid_amount == 60000


def test_two_payments_racing_for_the_bill_never_overpay(closed_bill, staff_user):
    def attempt(i):
        return services.payment_record(
            session_id=closed_bill.id,
            method="card",
            amount=40000,
            idempotency_key=f"desk:{i}",
            actor=staff_user,
        )

    results = run_together(attempt, THREADS)

    assert sum(1 for r in results if isinstance(r, tuple)) == 1
    assert all(isinstance(r, errors.Overpayment) for r in results if not isinstance(r, tuple))
    closed_bill.refresh_from_db()
    assert closed_bill.paid_amount == 40000 and not closed_bill.paid


def test_an_order_retried_in_parallel_lands_once(table, ann, club):
    session = TableSessionFactory(table=table, started_at=timezone.now(), players=[ann])
    tea = CatalogueItem.objects.create(club=club, name="Tea", price=15000)

    def attempt(i):
        return services.session_add_item(
            session_id=session.id, item_id=tea.id, quantity=1, actor=ann, request_id="ann:tea-1"
        )

    results = run_together(attempt, THREADS)

    assert not [r for r in results if isinstance(r, Exception)]
    assert SessionItem.objects.filter(session=session).count() == 1
