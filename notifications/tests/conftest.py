"""Fixtures of the notification tests: a configured bot on a fake API base, a Moscow club,
players, and no real sleeping."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import respx

from accounts.tests.factories import UserFactory
from notifications import ratelimit, telegram
from notifications.tests.factories import ClubFactory

MSK = ZoneInfo("Europe/Moscow")
API_BASE = "https://tg.test"
TOKEN = "123456:SECRET-bot-token-value"
SEND_URL = f"{API_BASE}/bot{TOKEN}/sendMessage"
#: Monday 2 March 2026, 14:00 in Moscow.
NOW = datetime(2026, 3, 2, 14, 0, tzinfo=MSK)


@pytest.fixture(autouse=True)
def bot_settings(settings):
    settings.TELEGRAM_BOT_TOKEN = TOKEN
    settings.TELEGRAM_API_BASE = API_BASE
    settings.TELEGRAM_BOT_USERNAME = "artel_bot"
    settings.TELEGRAM_MINIAPP_SHORT_NAME = "app"
    settings.TELEGRAM_WEBHOOK_SECRET = "webhook-secret-1"
    settings.SITE_URL = "https://club.example.com"
    settings.NOTIFY_REMINDER_LEAD_MINUTES = 60
    return settings


@pytest.fixture(autouse=True)
def sleeps(monkeypatch):
    """Record every sleep of the client and the rate limiter instead of sleeping."""
    slept: list[float] = []
    monkeypatch.setattr(telegram, "_sleep", slept.append)
    return slept


@pytest.fixture(autouse=True)
def _fresh_rate_limiter():
    bucket = ratelimit.get_bucket()
    if isinstance(bucket, ratelimit.MemoryBucket):
        bucket.reset()
    yield


@pytest.fixture
def tg():
    """The fake Bot API: every route must be declared by the test."""
    with respx.mock(base_url=f"{API_BASE}/bot{TOKEN}", assert_all_called=False) as mock:
        yield mock


def ok(result=None):
    return {"ok": True, "result": result if result is not None else {"message_id": 1}}


@pytest.fixture
def club(db):
    return ClubFactory(name="Artel", timezone="Europe/Moscow")


@pytest.fixture
def player(db, club):
    return UserFactory(from_telegram=True, username="anna", first_name="Anna")
