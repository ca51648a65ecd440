"""CachedJWTAuthentication: a signed-in request reuses the user's row for a few seconds, and a
save of the user (deactivation, profile change) shows on the very next request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.tokens import AccessToken

from accounts.authentication import CachedJWTAuthentication
from testing.personas import bearer_client

pytestmark = pytest.mark.django_db


def _user_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if 'FROM "accounts_user"' in q["sql"]]


def test_a_second_request_does_not_load_the_user_again(player):
    client = bearer_client(player)
    assert client.get("/api/bookings/").status_code == 200
    with CaptureQueriesContext(connection) as second:
        response = client.get("/api/bookings/")
    assert response.status_code == 200
    assert _user_queries(second.captured_queries) == []


def test_with_the_cache_off_every_request_loads_the_user(player, settings):
    settings.AUTH_USER_CACHE_SECONDS = 0
    client = bearer_client(player)
    assert client.get("/api/bookings/").status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get("/api/bookings/").status_code == 200
    assert len(_user_queries(second.captured_queries)) == 1


def test_a_deactivated_user_is_refused_on_the_next_request(player):
    client = bearer_client(player)
    assert client.get("/api/me/").status_code == 200
    player.is_active = False
    player.save(update_fields=["is_active"])
    response = client.get("/api/me/")
    assert response.status_code == 401


def test_a_profile_change_shows_on_the_next_request(player):
    client = bearer_client(player)
    assert client.get("/api/me/").status_code == 200
    assert client.patch("/api/me/", {"display_name": "Annie"}, format="json").status_code == 200
    assert client.get("/api/me/").json()["display_name"] == "Annie"


def test_each_request_gets_its_own_user_instance(player):
    auth = CachedJWTAuthentication()
    token = auth.get_validated_token(str(AccessToken.for_user(player)).encode())
    first, second = auth.get_user(token), auth.get_user(token)
    assert first.pk == second.pk == player.pk
    first.first_name = "Changed"
    assert auth.get_user(token).first_name == player.first_name
    assert first is not second
