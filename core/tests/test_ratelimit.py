"""Rate limits: the settings table, per user / per IP keys, 429 JSON with Retry-After, WebSocket
connects per IP, and the counters on Redis."""

import pytest
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from core import ratelimit
from core.ratelimit import WebSocketRateLimitMiddleware, hit, parse_rate
from testing.personas import bearer_client

CLUBS = "/api/clubs/"
BOOKINGS = "/api/bookings/"


@pytest.fixture
def limits(settings):
    """Rate limits on, with small rates the tests can reach."""
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = [
        ("POST", r"^/api/bookings/$", "user", "2/m"),
        ("GET", r"^/api/", "ip-anon", "3/m"),
    ]
    settings.WS_CONNECT_RATE = "2/m"
    return settings


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("20/m", (20, 60)), ("120/min", (120, 60)), ("5/15m", (5, 900)), ("1000/h", (1000, 3600))],
)
def test_rates_are_parsed_as_count_per_window(rate, expected):
    assert parse_rate(rate) == expected


@pytest.mark.parametrize("rate", ["", "20", "0/m", "20/fortnight", "x/m"])
def test_a_malformed_rate_is_refused(rate):
    with pytest.raises(ValueError):
        parse_rate(rate)


def test_anonymous_reads_over_the_limit_get_429_json_with_retry_after(limits, db):
    client = APIClient()
    for _ in range(3):
        assert client.get(CLUBS).status_code == 200

    response = client.get(CLUBS)

    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled"
    assert body["detail"]
    assert 1 <= body["retry_after"] <= 120  # the previous window can weigh for up to one more
    assert response["Retry-After"] == str(body["retry_after"])


def test_the_anonymous_read_limit_does_not_apply_to_signed_in_players(limits, player):
    client = bearer_client(player)

    statuses = {client.get(CLUBS).status_code for _ in range(5)}

    assert statuses == {200}


def test_each_client_ip_has_its_own_budget_behind_the_proxy(limits, db):
    limits.REST_FRAMEWORK = {**limits.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = APIClient()
    for _ in range(3):
        client.get(CLUBS, HTTP_X_FORWARDED_FOR="203.0.113.5")

    assert client.get(CLUBS, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 429
    assert client.get(CLUBS, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 200


def test_bookings_are_limited_per_user_identified_by_the_jwt(limits, player, other_player):
    client = bearer_client(player)
    for _ in range(2):
        assert client.post(BOOKINGS, {}, format="json").status_code != 429

    refused = client.post(BOOKINGS, {}, format="json")

    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert bearer_client(other_player).post(BOOKINGS, {}, format="json").status_code != 429


def test_a_session_user_is_counted_as_the_user_not_the_ip(limits, player, other_player):
    first, second = APIClient(enforce_csrf_checks=False), APIClient()
    first.force_login(player)
    second.force_login(other_player)
    for _ in range(2):
        first.post(BOOKINGS, {}, format="json")

    assert first.post(BOOKINGS, {}, format="json").status_code == 429
    assert second.post(BOOKINGS, {}, format="json").status_code != 429


def test_an_invalid_bearer_token_counts_against_the_ip(limits, db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    for _ in range(3):
        client.get(CLUBS)

    assert client.get(CLUBS).status_code == 429


def test_nothing_is_limited_when_rate_limits_are_off(limits, db):
    limits.RATE_LIMITS_ENABLED = False
    client = APIClient()

    assert {client.get(CLUBS).status_code for _ in range(6)} == {200}


def test_a_cache_outage_lets_requests_through(limits, db, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(ratelimit, "_hit_counters", broken)
    client = APIClient()

    assert {client.get(CLUBS).status_code for _ in range(6)} == {200}


def test_a_refused_hit_is_not_counted_so_the_wait_does_not_grow():
    start = 6_000.0  # the start of a 60 s window
    for _ in range(3):
        assert hit("t", "a", limit=3, window=60, now=start).allowed
    first = hit("t", "a", limit=3, window=60, now=start + 10)
    again = hit("t", "a", limit=3, window=60, now=start + 10)

    assert not first.allowed
    assert again.retry_after == first.retry_after


def test_the_previous_window_still_weighs_until_it_has_slid_out():
    start = 6_000.0
    for _ in range(4):
        hit("t", "b", limit=4, window=60, now=start)

    # Half the previous window still overlaps: 4 × 0.5 + 1 = 3 ≤ 4, then 4, then 5 > 4.
    assert hit("t", "b", limit=4, window=60, now=start + 90).allowed
    assert hit("t", "b", limit=4, window=60, now=start + 90).allowed
    refused = hit("t", "b", limit=4, window=60, now=start + 90)
    assert not refused.allowed
    # 4·(60−e)/60 + 3 ≤ 4 once e ≥ 45 s into the window: 15 s after now (e = 30).
    assert refused.retry_after == 15
    assert hit("t", "b", limit=4, window=60, now=start + 60 + 45).allowed


def test_the_retry_after_lets_the_next_request_in():
    start = 6_000.0
    for _ in range(5):
        hit("t", "c", limit=5, window=60, now=start + 20)
    refused = hit("t", "c", limit=5, window=60, now=start + 20)

    later = start + 20 + refused.retry_after

    assert not refused.allowed
    assert hit("t", "c", limit=5, window=60, now=later).allowed


@pytest.mark.redis
def test_the_counters_live_in_redis_and_are_shared(limits, db):
    assert ratelimit._redis_client() is not None
    client = APIClient()
    for _ in range(3):
        assert client.get(CLUBS).status_code == 200

    response = APIClient().get(CLUBS)  # another client, same IP, same Redis counter

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1


@pytest.mark.redis
def test_redis_counts_a_refused_hit_back():
    start = 6_000.0
    for _ in range(2):
        hit("redis", "d", limit=2, window=60, now=start)
    first = hit("redis", "d", limit=2, window=60, now=start + 1)
    second = hit("redis", "d", limit=2, window=60, now=start + 1)

    assert (first.allowed, second.allowed) == (False, False)
    assert first.retry_after == second.retry_after


# --- WebSocket ----------------------------------------------------------------------------------


class Accepting(AsyncWebsocketConsumer):
    async def connect(self):
        await self.accept()


def communicator(ip="192.0.2.10"):
    app = WebSocketRateLimitMiddleware(Accepting.as_asgi())
    ws = WebsocketCommunicator(app, "/ws/")
    ws.scope["client"] = (ip, 50000)
    return ws


# Channels closes stale database connections around each consumer call, so a socket test needs
# database access allowed even though it runs no query.
@pytest.mark.django_db
async def test_websocket_handshakes_over_the_limit_are_denied_with_4429(limits):
    for _ in range(2):
        ws = communicator()
        connected, _ = await ws.connect()
        assert connected
        await ws.disconnect()

    ws = communicator()
    connected, code = await ws.connect()

    assert connected is False
    assert code == 4429


# Channels closes stale database connections around each consumer call, so a socket test needs
# database access allowed even though it runs no query.
@pytest.mark.django_db
async def test_websocket_connects_are_counted_per_ip(limits):
    for _ in range(2):
        ws = communicator("192.0.2.10")
        await ws.connect()
        await ws.disconnect()

    ws = communicator("192.0.2.99")
    connected, _ = await ws.connect()

    assert connected
    assert await ws.receive_nothing(timeout=0.1)
    await ws.disconnect()


def test_the_websocket_router_of_the_app_is_rate_limited():
    from config.asgi import application

    assert isinstance(application.application_mapping["websocket"], WebSocketRateLimitMiddleware)
