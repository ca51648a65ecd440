"""Test-wide set-up: service requirements, clean cache and eager Celery per test, personas."""

import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings

# Browser fixtures: live_app, new_phone_page, phone_page (testing/browser.py); personas
# (testing/personas.py); WebSocket helpers (testing/sockets.py).
pytest_plugins = ["testing.browser", "testing.personas", "testing.sockets"]


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def pytest_configure(config):
    if not settings.REQUIRE_SERVICES:
        return
    problems = []
    if not settings.IS_POSTGRES:
        problems.append("REQUIRE_SERVICES=1 but DATABASE_URL does not point at PostgreSQL")
    else:
        db = settings.DATABASES["default"]
        if not _reachable(f"//{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}", 5432):
            problems.append("PostgreSQL (DATABASE_URL) is not reachable")
    if not settings.REDIS_URL:
        problems.append("REQUIRE_SERVICES=1 but REDIS_URL is not set")
    elif not _reachable(settings.REDIS_URL, 6379):
        problems.append("Redis (REDIS_URL) is not reachable")
    if problems:
        pytest.exit("; ".join(problems), returncode=3)


def pytest_collection_modifyitems(config, items):
    # Under REQUIRE_SERVICES=1 pytest_configure has already refused a run without the services,
    # so these skips only happen on a developer's embedded run, never silently in CI.
    for item in items:
        if item.get_closest_marker("postgres") and not settings.IS_POSTGRES:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))
        if item.get_closest_marker("redis") and not settings.REDIS_URL:
            item.add_marker(pytest.mark.skip(reason="needs Redis (set REDIS_URL)"))


@pytest.fixture(autouse=True)
def _clean_cache_and_eager_celery(settings):
    """Each test starts with an empty cache (throttles, tickets), runs Celery tasks inline and
    speaks English by default (the product's default is Russian)."""
    from config.celery import app

    # Tests read in English unless they ask for another language (Accept-Language, override).
    settings.LANGUAGE_CODE = "en"
    clear_cache()
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
    clear_cache()


def clear_cache():
    """Empty this run's cache. On Redis only this run's keys go (other runs may share the DB)."""
    from django.core.cache import cache

    from accounts.authentication import forget_all

    forget_all()
    prefix = settings.CACHES["default"].get("KEY_PREFIX")
    if settings.REDIS_URL and prefix:
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()
