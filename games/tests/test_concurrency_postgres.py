"""Guarantees only PostgreSQL gives: the exclusion constraint and real concurrent writers.

Each thread has its own database connection (Django opens one per thread) and all of them are
released at once by a barrier, so the requests really overlap in the database.
"""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from games import errors, services
from games.models import Booking, TableSession
from games.tests.factories import BookingFactory, TableFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20


def run_together(fn, count=THREADS):
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(i):
        try:
            barrier.wait(timeout=30)
            results[i] = fn(i)
        except Exception as exc:  # noqa: BLE001 - collected and asserted on
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def next_evening():
    local = timezone.now().astimezone(timezone.get_default_timezone())
    return (local + timedelta(days=1)).replace(hour=19, minute=0, second=0, microsecond=0)


def test_twenty_concurrent_overlapping_bookings_exactly_one_wins(club, table):
    players = [UserFactory() for _ in range(THREADS)]
    start = next_evening()

    def attempt(i):
        client = APIClient()
        client.force_authenticate(players[i])
        # Overlapping, not identical: every request collides with every other one.
        begin = start + timedelta(minutes=30 * (i % 2))
        return client.post(
            "/api/bookings/",
            {
                "table": table.id,
                "start": begin.isoformat(),
                "end": (begin + timedelta(hours=2)).isoformat(),
            },
            format="json",
        )

    responses = run_together(attempt)

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (THREADS - 1)
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"slot_taken"}
    assert Booking.objects.filter(table=table).count() == 1


def test_the_exclusion_constraint_rejects_an_overlap_written_past_the_service(club, table):
    ann, ivan = UserFactory(), UserFactory()
    start = next_evening()
    BookingFactory(table=table, player=ann, start=start, end=start + timedelta(hours=2))

    with pytest.raises(IntegrityError, match="booking_no_overlap_per_table"), transaction.atomic():
        Booking.objects.create(
            table=table,
            player=ivan,
            start=start + timedelta(hours=1),
            end=start + timedelta(hours=3),
        )


def test_the_exclusion_constraint_ignores_cancelled_bookings(club, table):
    ann, ivan = UserFactory(), UserFactory()
    start = next_evening()
    BookingFactory(
        table=table, player=ann, start=start, end=start + timedelta(hours=2), status="cancelled"
    )

    Booking.objects.create(table=table, player=ivan, start=start, end=start + timedelta(hours=2))

    assert Booking.objects.filter(status="confirmed").count() == 1


def test_the_service_turns_the_constraint_violation_into_slot_taken(club, table, monkeypatch):
    ann, ivan = UserFactory(), UserFactory()
    start = next_evening()
    BookingFactory(table=table, player=ann, start=start, end=start + timedelta(hours=2))
    # Simulate a writer that slipped past the in-transaction check.
    real_filter = Booking.objects.filter

    class NoOverlapSeen:
        def exists(self):
            return False

    def filter_without_overlap(*args, **kwargs):
        if "start__lt" in kwargs and "end__gt" in kwargs:
            return NoOverlapSeen()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Booking.objects, "filter", filter_without_overlap)

    with pytest.raises(errors.SlotTaken):
        services.booking_create(
            player=ivan,
            table_id=table.id,
            start=start + timedelta(hours=1),
            end=start + timedelta(hours=2),
        )


def test_concurrent_check_ins_at_one_table_open_one_session(club, table):
    from games.selectors import checkin_code

    players = [UserFactory() for _ in range(THREADS)]
    code = checkin_code(table)

    def attempt(i):
        client = APIClient()
        client.force_authenticate(players[i])
        return client.post(f"/api/tables/{table.id}/check-in/", {"code": code}, format="json")

    responses = run_together(attempt)

    assert sorted(r.status_code for r in responses) == [201] + [409] * (THREADS - 1)
    assert TableSession.objects.filter(table=table, ended_at__isnull=True).count() == 1


def test_the_one_open_session_constraint_holds_against_raw_concurrent_inserts(club):
    table = TableFactory(club=club, number=77)
    now = timezone.now()

    def insert(i):
        with transaction.atomic():
            TableSession.objects.create(table=table, started_at=now)
        return "ok"

    results = run_together(insert)

    assert results.count("ok") == 1
    assert all(isinstance(r, IntegrityError) for r in results if r != "ok")
    assert TableSession.objects.filter(table=table, ended_at__isnull=True).count() == 1
    assert connection.vendor == "postgresql"
