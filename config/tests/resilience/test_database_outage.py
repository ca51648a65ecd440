"""The database briefly unavailable: /readyz answers 503 naming it, API requests fail with 503 JSON
(never a 500 HTML page), and everything answers again once it is back — without a restart.

The server reaches PostgreSQL through a TCP forwarder the test controls (bench.cluster.TcpProxy):
cutting it is a database outage for that server only.
"""

import httpx
import pytest
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from bench.cluster import Cluster, TcpProxy, app_env
from games.tests.factories import ClubFactory
from testing.browser import database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def proxied_server(transactional_db):
    from django.db import connection

    db = dict(connection.settings_dict)
    with TcpProxy(db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)) as proxy:
        db.update(HOST="127.0.0.1", PORT=proxy.port)
        env = app_env(database_url=database_url(db), RATE_LIMITS_ENABLED="0", DB_CONN_MAX_AGE="0")
        with Cluster(env, size=1) as cluster:
            yield cluster.urls[0], proxy


@pytest.fixture
def club(transactional_db):
    return ClubFactory()


@pytest.fixture
def player(transactional_db):
    return UserFactory()


def get(url: str, **kwargs) -> httpx.Response:
    return httpx.get(url, timeout=30, **kwargs)


def test_readyz_is_503_naming_the_database_while_it_is_unreachable(proxied_server):
    server, proxy = proxied_server

    proxy.cut()
    down = get(f"{server}/readyz")
    proxy.restore()
    up = get(f"{server}/readyz")

    assert down.status_code == 503
    assert down.headers["content-type"].startswith("application/json")
    assert down.json()["failing"] == ["database"]
    assert "database" in down.json()["detail"]
    assert up.status_code == 200


def test_api_reads_fail_with_503_json_while_the_database_is_unreachable(proxied_server, club):
    server, proxy = proxied_server

    proxy.cut()
    down = get(f"{server}/api/clubs/{club.pk}/")
    proxy.restore()
    up = get(f"{server}/api/clubs/{club.pk}/")

    assert down.status_code == 503
    assert down.headers["content-type"].startswith("application/json")
    assert down.headers["retry-after"] == "5"
    assert down.json()["code"] == "service_unavailable"
    assert up.status_code == 200
    assert up.json()["id"] == club.pk


def test_authenticated_writes_fail_with_503_json_while_the_database_is_unreachable(
    proxied_server, player
):
    server, proxy = proxied_server
    headers = {"Authorization": f"Bearer {AccessToken.for_user(player)}"}

    proxy.cut()
    down = httpx.post(
        f"{server}/api/bookings/",
        json={"table": 1, "start": "2030-01-01T19:00", "end": "2030-01-01T20:00"},
        headers=headers,
        timeout=30,
    )
    me_down = get(f"{server}/api/me/", headers=headers)
    proxy.restore()
    me_up = get(f"{server}/api/me/", headers=headers)

    assert down.status_code == 503
    assert down.json()["code"] == "service_unavailable"
    assert me_down.status_code == 503
    assert me_down.headers["content-type"].startswith("application/json")
    assert me_up.status_code == 200
