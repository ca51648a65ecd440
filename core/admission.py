"""Admission control for HTTP: at most `HTTP_MAX_CONCURRENCY` requests run Django at once per
process; the rest wait their turn on the event loop (cheap: no thread, no database connection).

Why: Django's ASGI handler runs every request in its own thread. Under a burst (a thousand phones
opening the Mini App at 20:00) hundreds of threads then compete for the GIL and the database: on
PostgreSQL each opens a connection ("too many clients") or waits for the pool until it times out;
on SQLite writers hold the write lock while getting 1/N of a CPU, so others time out with
"database is locked". With a bound equal to the connection pool, requests queue in order instead,
every one that runs has a connection, and a burst costs latency, not errors.

A request that waited `HTTP_QUEUE_TIMEOUT` seconds without a turn is answered 503
`{"detail": ..., "code": "server_busy"}` with `Retry-After` (load shedding: the process is
overloaded for longer than a client would wait). Liveness and metrics (`/healthz`, `/metrics`)
never wait. `artel_http_queued` (gauge) and `artel_http_queue_seconds` (histogram) show it.
"""

from __future__ import annotations

import asyncio
import json
import time
from http.cookies import SimpleCookie

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from core.metrics import HTTP_QUEUE_SECONDS, HTTP_QUEUED, HTTP_SHED

EXEMPT_PATHS = ("/healthz", "/metrics")


class ConcurrencyLimitMiddleware:
    def __init__(self, app, *, limit: int, queue_timeout: float):
        self.app = app
        self.limit = limit
        self.queue_timeout = queue_timeout
        self._semaphore: asyncio.Semaphore | None = None

    @property
    def semaphore(self) -> asyncio.Semaphore:
        # Created on first use, on the server's loop.
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.limit)
        return self._semaphore

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] != "http"
            or self.limit <= 0
            or scope.get("path", "").startswith(EXEMPT_PATHS)
        ):
            return await self.app(scope, receive, send)
        semaphore = self.semaphore
        queued_at = time.perf_counter()
        HTTP_QUEUED.inc()
        try:
            await asyncio.wait_for(semaphore.acquire(), self.queue_timeout)
        except TimeoutError:
            HTTP_SHED.inc()
            return await self._busy(scope, send)
        finally:
            HTTP_QUEUED.dec()
        HTTP_QUEUE_SECONDS.observe(time.perf_counter() - queued_at)
        try:
            return await self.app(scope, receive, send)
        finally:
            semaphore.release()

    async def _busy(self, scope, send) -> None:
        # Django never saw this request: pick the language as its LocaleMiddleware would.
        with translation.override(_language(scope)):
            detail = _("The server is busy. Please retry shortly.")
        body = json.dumps({"detail": detail, "code": "server_busy"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", b"2"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _language(scope) -> str:
    """The language cookie, else the best Accept-Language match, else the default."""
    headers = {
        k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
    }
    candidates = []
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # noqa: BLE001 - a malformed cookie header only loses the preference
        cookie = SimpleCookie()
    if settings.LANGUAGE_COOKIE_NAME in cookie:
        candidates.append(cookie[settings.LANGUAGE_COOKIE_NAME].value)
    candidates += [
        lang for lang, _q in parse_accept_lang_header(headers.get("accept-language", ""))
    ]
    for code in candidates:
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE
