"""Real concurrency: scorers racing on one match, each thread on its own database connection.

On PostgreSQL the match row lock serialises them; on SQLite the IMMEDIATE transactions do. The
ten-thread version-conflict test is PostgreSQL-only (it is the guarantee CI checks); the racing
retry test runs on both.
"""

import threading
import uuid

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from games.models import MatchEvent
from games.tests.scoring.factories import make_match

THREADS = 10


def race(n, fn):
    """Run fn(i) in n threads released together; return their results in thread order."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = fn(i)
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def poster(user, match, body):
    def post(i):
        client = APIClient()
        client.force_authenticate(user)
        response = client.post(f"/api/matches/{match.pk}/events/", body(i), format="json")
        return response.status_code, response.json()

    return post


@pytest.fixture
def racing_match(transactional_db):
    ann = UserFactory(username="ann-race")
    ivan = UserFactory(username="ivan-race")
    return ann, make_match([ann], [ivan], discipline="pool_9", fmt={"race_to": 5})


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_scorers_with_the_same_version_one_wins_nine_get_409(racing_match):
    ann, match = racing_match

    results = race(
        THREADS,
        poster(
            ann,
            match,
            lambda i: {
                "type": "foul",
                "side": i % 2,
                "expected_version": 0,
                "client_event_id": str(uuid.uuid4()),
            },
        ),
    )

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (THREADS - 1)
    conflicts = [body for status, body in results if status == 409]
    assert all(b["code"] == "version_conflict" and b["version"] == 1 for b in conflicts)
    match.refresh_from_db()
    assert match.version == 1
    assert MatchEvent.objects.filter(match=match).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_retry_racing_its_original_is_applied_once(racing_match):
    ann, match = racing_match
    cid = str(uuid.uuid4())

    results = race(
        THREADS,
        poster(
            ann,
            match,
            lambda i: {"type": "rack", "side": 0, "expected_version": 0, "client_event_id": cid},
        ),
    )

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * (THREADS - 1) + [201]
    bodies = {(b["version"], b["event"]["client_event_id"]) for _, b in results}
    assert bodies == {(1, cid)}
    match.refresh_from_db()
    assert match.version == 1
    assert match.state["frames"] == [1, 0]
    assert MatchEvent.objects.filter(match=match).count() == 1
