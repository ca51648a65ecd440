"""Schemathesis over /api/schema/: every documented operation, called as a signed-in player with
generated (valid and invalid) input, never answers 5xx and answers what the schema documents.

The app runs in-process through its WSGI handler on the test database, with a club, its tables,
a second player and a live match in it, so that the generated ids sometimes hit real rows.
Excluded: the DEBUG-only dev sign-in helper (`/api/auth/dev-init-data/`).
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import DataError, close_old_connections, transaction
from hypothesis import HealthCheck, settings
from rest_framework_simplejwt.tokens import AccessToken
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from accounts.tests.factories import UserFactory
from core.api import exception_handler
from games.tests.factories import ClubFactory, OpeningHoursFactory, TableFactory
from games.tests.scoring.factories import make_match

EXCLUDED_PATHS = ["/api/auth/dev-init-data/"]
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# Bounded: about 40 operations × 15 examples keeps the run under two minutes.
MAX_EXAMPLES = 15

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application()).exclude(
    path=EXCLUDED_PATHS
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django's handler closes "old" connections around each request; inside a test transaction
    that would close the test's own connection (Django's test client disconnects it the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def player(db):
    """A signed-in player with something on the floor and a live match of their own."""
    club = ClubFactory(pk=1)
    for weekday in range(7):
        OpeningHoursFactory(club=club, weekday=weekday)
    for number in (1, 2):
        TableFactory(club=club, number=number, pk=number)
    user = UserFactory(username="fuzzer", pk=1)
    opponent = UserFactory(username="opponent", pk=2)
    make_match([user], [opponent], pk=1, discipline="pool_9", fmt={"race_to": 3})
    return user


@pytest.fixture
def auth_headers(player, settings):
    # Sign-in is configured (a fake token: generated init data never carries a valid signature).
    settings.TELEGRAM_BOT_TOKEN = "123456:schemathesis-token"
    return {"Authorization": f"Bearer {AccessToken.for_user(player)}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_errs_and_answers_as_documented(case, auth_headers):
    # Each request in its own savepoint, as in production each request has its own transaction:
    # a refused write must not poison the test transaction for the next generated example.
    with transaction.atomic():
        response = case.call(headers=auth_headers)
    case.validate_response(response, checks=CHECKS, headers=auth_headers)


@pytest.mark.parametrize(
    "error", [OverflowError("Python int too large"), DataError("bigint out of range")]
)
def test_an_out_of_range_value_reaching_the_database_is_400_not_500(error):
    response = exception_handler(error, {})

    assert response.status_code == 400
    assert response.data["code"] == "invalid_request"
