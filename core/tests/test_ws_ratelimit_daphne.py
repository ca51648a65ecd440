"""WebSocket connects per IP, end to end: a real daphne denies the handshake over the limit and
lets it through again for another client address."""

import pytest
import websockets
from django.conf import settings

from testing.browser import live_app_env
from testing.daphne import start_daphne, stop_process

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def limited_app():
    env = live_app_env(
        settings.DATABASES["default"],
        RATE_LIMITS_ENABLED="1",
        WS_CONNECT_RATE="3/m",
        NUM_PROXIES="1",
    )
    url, proc = start_daphne(env)
    yield url.replace("http://", "ws://")
    stop_process(proc)


async def handshake(url: str, client_ip: str) -> int:
    """101 when the socket opened (closed again at once), else the HTTP status of the refusal."""
    try:
        async with websockets.connect(
            f"{url}/ws/",
            additional_headers={"X-Forwarded-For": client_ip},
            origin="http://127.0.0.1",
            open_timeout=5,
        ):
            return 101
    except websockets.InvalidStatus as exc:
        return exc.response.status_code


async def test_handshakes_over_the_limit_are_refused_per_client_ip(limited_app):
    statuses = [await handshake(limited_app, "203.0.113.5") for _ in range(4)]
    other = await handshake(limited_app, "198.51.100.7")

    assert statuses[:3] == [101, 101, 101]
    assert statuses[3] == 403
    assert other == 101
