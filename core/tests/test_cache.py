"""The cache is an optimisation only: with Redis away, cached reads are served from the database
(core/cache.py)."""

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from core import cache as app_cache


class AwayCache:
    """A cache whose server does not answer."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise RedisConnectionError("Error 111 connecting to redis:6379. Connection refused.")

        return fail


@pytest.fixture
def cache_away(monkeypatch):
    monkeypatch.setattr(app_cache, "cache", AwayCache())
    monkeypatch.setattr("stats.selectors.cache", AwayCache())


def test_a_read_while_the_cache_is_away_is_a_miss(cache_away, caplog):
    assert app_cache.cache_get("k", "default") == "default"
    assert "cache unavailable (ConnectionError)" in caplog.text


def test_a_write_while_the_cache_is_away_is_dropped_quietly(cache_away, caplog):
    app_cache.cache_set("k", 1, 10)
    assert "value not stored" in caplog.text


def test_the_floor_is_served_from_the_database_while_the_cache_is_away(cache_away, client, db):
    from games.tests.factories import ClubFactory, TableFactory

    club = ClubFactory(name="Artel")
    TableFactory(club=club, number=1)

    response = client.get(f"/api/clubs/{club.pk}/")

    assert response.status_code == 200
    assert [t["number"] for t in response.json()["floor"]["tables"]] == [1]


def test_slots_are_served_from_the_database_while_the_cache_is_away(cache_away, client, db):
    from games.tests.factories import ClubFactory, TableFactory

    table = TableFactory(club=ClubFactory(name="Artel"), number=1)

    response = client.get(f"/api/tables/{table.pk}/slots/?date=2026-12-01")

    assert response.status_code == 200
    assert response.json()["table"] == table.pk


def test_the_leaderboard_is_served_from_the_database_while_the_cache_is_away(
    cache_away, client, db
):
    response = client.get("/api/leaderboards/?discipline=pool")

    assert response.status_code == 200
    assert response.json()["results"] == []
