"""Admission control: a bounded number of requests run Django at once; the rest queue in order,
and one that waits too long gets 503 `server_busy` JSON (core/admission.py)."""

import asyncio
import json

from core.admission import ConcurrencyLimitMiddleware
from core.metrics import HTTP_SHED


class SlowApp:
    """An ASGI app that records how many requests run at once and answers 200."""

    def __init__(self, delay: float = 0.05):
        self.delay = delay
        self.running = 0
        self.peak = 0
        self.order: list[str] = []

    async def __call__(self, scope, receive, send):
        self.running += 1
        self.peak = max(self.peak, self.running)
        self.order.append(scope["path"])
        try:
            await asyncio.sleep(self.delay)
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
        finally:
            self.running -= 1


async def call(app, path: str = "/api/clubs/1/", kind: str = "http", headers=()) -> list[dict]:
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app({"type": kind, "path": path, "headers": list(headers)}, receive, send)
    return sent


async def test_no_more_than_the_limit_run_at_once():
    inner = SlowApp()
    app = ConcurrencyLimitMiddleware(inner, limit=3, queue_timeout=10)
    results = await asyncio.gather(*(call(app) for _ in range(12)))
    assert inner.peak == 3
    assert [r[0]["status"] for r in results] == [200] * 12


async def test_waiting_requests_are_served_in_arrival_order():
    inner = SlowApp(delay=0.01)
    app = ConcurrencyLimitMiddleware(inner, limit=1, queue_timeout=10)
    paths = [f"/api/r{i}/" for i in range(8)]
    tasks = []
    for path in paths:
        tasks.append(asyncio.create_task(call(app, path)))
        await asyncio.sleep(0)  # each arrives before the next
    await asyncio.gather(*tasks)
    assert inner.order == paths


async def test_a_request_that_waits_too_long_gets_503_server_busy_with_retry_after():
    inner = SlowApp(delay=0.5)
    app = ConcurrencyLimitMiddleware(inner, limit=1, queue_timeout=0.05)
    shed_before = HTTP_SHED._value.get()
    first, second = await asyncio.gather(call(app), call(app))
    assert first[0]["status"] == 200
    start, body = second
    assert start["status"] == 503
    headers = dict(start["headers"])
    assert headers[b"retry-after"] == b"2"
    assert headers[b"content-type"] == b"application/json"
    assert json.loads(body["body"])["code"] == "server_busy"
    assert inner.order == ["/api/clubs/1/"]  # the shed request never reached the app
    assert HTTP_SHED._value.get() == shed_before + 1


async def test_a_shed_request_frees_no_turn_it_never_had():
    inner = SlowApp(delay=0.2)
    app = ConcurrencyLimitMiddleware(inner, limit=1, queue_timeout=0.02)
    await asyncio.gather(call(app), call(app), call(app))
    # After the burst one request at a time still runs: the limit was not raised by the 503s.
    inner.peak = 0
    await asyncio.gather(*(call(app) for _ in range(3)), return_exceptions=True)
    assert inner.peak == 1


async def test_liveness_and_metrics_never_wait():
    inner = SlowApp(delay=0.3)
    app = ConcurrencyLimitMiddleware(inner, limit=1, queue_timeout=0.01)
    busy = asyncio.create_task(call(app))
    await asyncio.sleep(0.01)
    health, metrics = await asyncio.gather(call(app, "/healthz"), call(app, "/metrics"))
    await busy
    assert health[0]["status"] == 200
    assert metrics[0]["status"] == 200


async def test_websockets_are_not_limited():
    inner = SlowApp(delay=0.05)
    app = ConcurrencyLimitMiddleware(inner, limit=1, queue_timeout=0.01)
    await asyncio.gather(*(call(app, "/ws/", kind="websocket") for _ in range(4)))
    assert inner.peak == 4


async def test_a_zero_limit_switches_admission_control_off():
    inner = SlowApp(delay=0.05)
    app = ConcurrencyLimitMiddleware(inner, limit=0, queue_timeout=0.01)
    await asyncio.gather(*(call(app) for _ in range(5)))
    assert inner.peak == 5


def test_the_asgi_application_is_wrapped_with_the_configured_limit(settings):
    from config.asgi import application

    router = application
    while not hasattr(router, "application_mapping"):  # the embedded beat may wrap the router
        router = router.app
    http = router.application_mapping["http"]
    assert isinstance(http, ConcurrencyLimitMiddleware)
    assert http.limit == settings.HTTP_MAX_CONCURRENCY


async def busy_detail(headers) -> str:
    app = ConcurrencyLimitMiddleware(SlowApp(delay=0.3), limit=1, queue_timeout=0.01)
    _first, second = await asyncio.gather(call(app), call(app, headers=headers))
    return json.loads(second[1]["body"])["detail"]


async def test_the_busy_answer_speaks_the_phones_language():
    detail = await busy_detail([(b"accept-language", b"ru-RU,ru;q=0.9,en;q=0.8")])
    assert detail == "Сервер перегружен. Повторите попытку чуть позже."


async def test_the_language_cookie_wins_over_the_browser_language():
    detail = await busy_detail(
        [(b"accept-language", b"ru"), (b"cookie", b"csrftoken=x; django_language=en")]
    )
    assert detail == "The server is busy. Please retry shortly."
