"""Rate limits for HTTP requests and WebSocket connects, counted in the cache (Redis in production).

One table in settings, `RATE_LIMITS`, drives the HTTP middleware, so no view needs a decorator:

    (method or None, path regex, key, rate)
    ("POST", r"^/api/bookings/$", "user", "20/m")

Every rule that matches a request is counted (each rule has its own counters); the first one over
its limit answers 429 `{"detail", "code": "throttled", "retry_after"}` with a `Retry-After` header.

Keys:
- `user`: the signed-in user (JWT bearer or session); an anonymous caller counts by IP instead.
- `ip`: the client address (DRF's rules: `NUM_PROXIES` and X-Forwarded-For).
- `ip-anon`: the client address, anonymous callers only (signed-in users pass).

Rates: `<count>/<period>`, the period `s`, `m`, `h`, `d`, optionally with a multiplier (`5/15m`).

Algorithm: a sliding-window counter (two fixed windows, the previous one weighted by how much of
it still overlaps the sliding window). It smooths the double burst a plain fixed window allows at
its edge and costs two integers per key. On Redis one Lua script increments and reads both in a
single atomic round trip; on other caches `cache.add` + `cache.incr` (atomic per key). A refused
request is not counted, so a client that honours Retry-After gets in when told. If the cache is
down the limits fail open (logged): an outage of Redis must not take the API down with it.

WebSocket connects are limited per IP by `WebSocketRateLimitMiddleware` (config/asgi.py): an
over-limit handshake is denied (code 4429 in the ASGI close, HTTP 403 on the wire), so the
client's reconnect backoff grows.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import re
import threading
import time
from dataclasses import dataclass
from functools import cached_property

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache, caches
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import metrics

logger = logging.getLogger(__name__)

THROTTLED_CODE = "throttled"
WS_THROTTLED_CLOSE_CODE = 4429
KEY_USER = "user"
KEY_IP = "ip"
KEY_IP_ANON = "ip-anon"
KEY_KINDS = (KEY_USER, KEY_IP, KEY_IP_ANON)

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*$", re.IGNORECASE)


def parse_rate(rate: str) -> tuple[int, int]:
    """`"20/m"` → (20, 60); `"5/15m"` → (5, 900). Raises ValueError on anything else."""
    match = _RATE_RE.match(rate or "")
    if not match:
        raise ValueError(f"bad rate {rate!r}: expected '<count>/<period>' like '20/m' or '5/15m'")
    count, multiplier, unit = match.groups()
    window = int(multiplier or 1) * _PERIODS[unit.lower()]
    if int(count) < 1 or window < 1:
        raise ValueError(f"bad rate {rate!r}: count and period must be positive")
    return int(count), window


@dataclass(frozen=True)
class Rule:
    method: str | None
    pattern: re.Pattern
    key: str
    limit: int
    window: int
    rate: str

    @cached_property
    def name(self) -> str:
        """Stable id for counter keys and metrics (changes only when the rule does)."""
        raw = f"{self.method or '*'} {self.pattern.pattern} {self.key} {self.rate}"
        return hashlib.sha1(raw.encode()).hexdigest()[:10]  # noqa: S324 - an id, not a secret

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and bool(self.pattern.search(path))


def build_rules(table) -> list[Rule]:
    rules = []
    for entry in table:
        method, pattern, key, rate = entry
        if key not in KEY_KINDS:
            raise ValueError(f"rate limit key {key!r} is not one of {KEY_KINDS}")
        limit, window = parse_rate(rate)
        rules.append(
            Rule(
                method=method.upper() if method else None,
                pattern=re.compile(pattern),
                key=key,
                limit=limit,
                window=window,
                rate=rate,
            )
        )
    return rules


# --- Counting ---------------------------------------------------------------------------------

# KEYS[1] = current window, KEYS[2] = previous window; ARGV[1] = TTL seconds.
# Returns {current count after this hit, previous window's count}.
_REDIS_HIT = """
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local previous = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
return {current, previous}
"""


def _redis_client():
    """The raw redis-py client behind Django's RedisCache, or None for other backends."""
    try:
        from django.core.cache.backends.redis import RedisCache
    except ImportError:  # pragma: no cover
        return None
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return backend._cache.get_client(write=True)
    return None


def _hit_counters(current_key: str, previous_key: str, ttl: int) -> tuple[int, int]:
    client = _redis_client()
    if client is not None:
        keys = [cache.make_and_validate_key(current_key), cache.make_and_validate_key(previous_key)]
        current, previous = client.eval(_REDIS_HIT, 2, *keys, ttl)
        return int(current), int(previous)
    current = 0
    for _attempt in range(3):
        cache.add(current_key, 0, timeout=ttl)
        try:
            current = cache.incr(current_key)
            break
        except ValueError:  # expired between add and incr: add again
            continue
    previous = cache.get(previous_key) or 0
    return int(current), int(previous)


def _unhit(current_key: str) -> None:
    with contextlib.suppress(ValueError):  # expired meanwhile: nothing to take back
        cache.decr(current_key)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0


def hit(scope: str, ident: str, *, limit: int, window: int, now: float | None = None) -> Verdict:
    """Count one hit of `ident` against `limit` per `window` seconds in `scope`.

    A refused hit is taken back, so it does not extend the wait. Fails open when the cache errors.
    """
    now = time.time() if now is None else now
    index = int(now // window)
    elapsed = now - index * window
    digest = hashlib.sha256(ident.encode()).hexdigest()[:24]
    current_key = f"rl:{scope}:{digest}:{index}"
    previous_key = f"rl:{scope}:{digest}:{index - 1}"
    try:
        current, previous = _hit_counters(current_key, previous_key, ttl=2 * window + 1)
    except Exception:  # noqa: BLE001 - a cache outage must not become an API outage
        logger.warning("rate limit counter unavailable; letting the request through", exc_info=True)
        return Verdict(True)
    weight = (window - elapsed) / window
    if previous * weight + current <= limit:
        return Verdict(True)
    try:
        _unhit(current_key)
    except Exception:  # noqa: BLE001
        logger.warning("rate limit counter unavailable", exc_info=True)
    return Verdict(False, _retry_after(limit, window, elapsed, current, previous))


def _retry_after(limit: int, window: int, elapsed: float, current: int, previous: int) -> int:
    """Seconds until one more hit fits: `previous·(w−e)/w + current ≤ limit` (current incl. it)."""
    if current <= limit and previous:
        # Within this window, once enough of the previous window has slid out.
        wait = (window - elapsed) - window * (limit - current) / previous
    else:
        # Only in the next window, where this window's count (less the refused hit) is previous.
        carried = max(current - 1, 1)
        wait = (window - elapsed) + window * max(0.0, 1 - (limit - 1) / carried)
    return max(1, math.ceil(wait))


# --- Open sockets -------------------------------------------------------------------------------
# How many WebSocket connections an address or a user has open, across processes: a sorted set
# per identity (member = the connection, score = when its registration lapses). A connection
# refreshes its registration on every keepalive ping, so a process that died without closing its
# sockets stops counting them after `ttl`.

_REDIS_SOCKETS = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return redis.call('ZCARD', KEYS[1])
"""
_memory_sockets: dict[str, dict[str, float]] = {}
_memory_sockets_lock = threading.Lock()


def _sockets_key(scope: str, ident: str) -> str:
    return f"rl:sockets:{scope}:{hashlib.sha256(ident.encode()).hexdigest()[:24]}"


def sockets_open(
    scope: str, ident: str, member: str, *, ttl: float, now: float | None = None
) -> int:
    """Register (or refresh) `member` as an open socket of `ident`; returns how many `ident` has
    open now, this one included. Fails open (0) when the cache errors."""
    now = time.time() if now is None else now
    key = _sockets_key(scope, ident)
    try:
        client = _redis_client()
        if client is not None:
            count = client.eval(
                _REDIS_SOCKETS,
                1,
                cache.make_and_validate_key(key),
                now,
                now + ttl,
                member,
                int(ttl) + 1,
            )
            return int(count)
    except Exception:  # noqa: BLE001 - a cache outage must not refuse connections
        logger.warning("socket counter unavailable; letting the connection through", exc_info=True)
        return 0
    with _memory_sockets_lock:
        members = _memory_sockets.setdefault(key, {})
        for stale in [m for m, until in members.items() if until <= now]:
            del members[stale]
        members[member] = now + ttl
        return len(members)


def sockets_close(scope: str, ident: str, member: str) -> None:
    key = _sockets_key(scope, ident)
    try:
        client = _redis_client()
        if client is not None:
            client.zrem(cache.make_and_validate_key(key), member)
            return
    except Exception:  # noqa: BLE001 - it lapses by itself after its ttl
        logger.warning("socket counter unavailable", exc_info=True)
        return
    with _memory_sockets_lock:
        members = _memory_sockets.get(key)
        if members is not None:
            members.pop(member, None)
            if not members:
                del _memory_sockets[key]


class MessageRate:
    """A per-connection token bucket: `burst` messages at once, then `rate` per second.

    `take()` answers True for a message within the rate. Over it, the caller refuses the message;
    `exhausted` turns true once more than `burst` messages in a row were refused (then close)."""

    def __init__(self, *, rate: float, burst: int, clock=time.monotonic):
        self.rate = float(rate)
        self.burst = int(burst)
        self.clock = clock
        self.tokens = float(burst)
        self.updated = clock()
        self.refused = 0

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            self.refused = 0
            return True
        self.refused += 1
        return False

    @property
    def exhausted(self) -> bool:
        return self.refused > self.burst


# --- HTTP ---------------------------------------------------------------------------------------

_ident_throttle = None


def client_ip(request) -> str:
    """The client address as DRF's throttles see it (NUM_PROXIES, X-Forwarded-For)."""
    global _ident_throttle
    if _ident_throttle is None:
        from rest_framework.throttling import BaseThrottle

        _ident_throttle = BaseThrottle()
    return _ident_throttle.get_ident(request) or "unknown"


def _bearer_user_id(request) -> str | None:
    """The user id in a valid JWT bearer token (signature and expiry checked, no DB query)."""
    from rest_framework.exceptions import AuthenticationFailed
    from rest_framework_simplejwt.authentication import JWTAuthentication
    from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
    from rest_framework_simplejwt.settings import api_settings

    auth = JWTAuthentication()
    try:
        header = auth.get_header(request)
        if header is None:
            return None
        # "Bearer" alone or "Bearer a b" raises AuthenticationFailed here: not this middleware's
        # call to refuse (DRF answers 401 for it), so it simply names no user.
        raw = auth.get_raw_token(header)
        if raw is None:
            return None
        token = auth.get_validated_token(raw)
    except (AuthenticationFailed, InvalidToken, TokenError):
        return None
    user_id = token.get(api_settings.USER_ID_CLAIM)
    return str(user_id) if user_id is not None else None


def request_user_id(request) -> str | None:
    """Who is calling, without running DRF: a JWT bearer first, then the session user."""
    cached = getattr(request, "_ratelimit_user_id", False)
    if cached is not False:
        return cached
    user_id = _bearer_user_id(request)
    if user_id is None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user_id = str(user.pk)
    request._ratelimit_user_id = user_id
    return user_id


def _ident_for(rule: Rule, request) -> str | None:
    if rule.key == KEY_IP:
        return f"ip:{client_ip(request)}"
    user_id = request_user_id(request)
    if rule.key == KEY_IP_ANON:
        return None if user_id else f"ip:{client_ip(request)}"
    return f"user:{user_id}" if user_id else f"ip:{client_ip(request)}"


def throttled_response(retry_after: int) -> JsonResponse:
    detail = ngettext(
        "Too many requests. Try again in %(seconds)d second.",
        "Too many requests. Try again in %(seconds)d seconds.",
        retry_after,
    ) % {"seconds": retry_after}
    response = JsonResponse(
        {"detail": detail, "code": THROTTLED_CODE, "retry_after": retry_after}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response


_rules_cache: tuple[object, list[Rule]] | None = None


def active_rules() -> list[Rule]:
    """The compiled `RATE_LIMITS` table (recompiled when the setting object changes, e.g. tests)."""
    global _rules_cache
    table = settings.RATE_LIMITS
    if _rules_cache is None or _rules_cache[0] is not table:
        _rules_cache = (table, build_rules(table))
    return _rules_cache[1]


class RateLimitMiddleware:
    """Applies `RATE_LIMITS` to every request before it reaches a view (after authentication,
    so session users are known; JWT bearers are decoded here, lazily, only when a rule asks)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.RATE_LIMITS_ENABLED:
            for rule in active_rules():
                if not rule.matches(request.method, request.path_info):
                    continue
                ident = _ident_for(rule, request)
                if ident is None:
                    continue
                verdict = hit(f"http:{rule.name}", ident, limit=rule.limit, window=rule.window)
                if not verdict.allowed:
                    metrics.RATE_LIMITED.labels(kind="http", rule=rule.rate).inc()
                    logger.info(
                        "rate limited",
                        extra={"rule": rule.pattern.pattern, "rate": rule.rate, "ident": ident},
                    )
                    return throttled_response(verdict.retry_after)
        return self.get_response(request)


# --- WebSocket --------------------------------------------------------------------------------


def scope_client_ip(scope) -> str:
    """The client address of an ASGI scope, by the same rule as `client_ip` (DRF's)."""
    remote = (scope.get("client") or ("unknown", 0))[0] or "unknown"
    xff = None
    for name, value in scope.get("headers") or ():
        if name == b"x-forwarded-for":
            xff = value.decode("latin-1")
            break
    num_proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES")
    if num_proxies is not None:
        if num_proxies == 0 or xff is None:
            return remote
        addrs = xff.split(",")
        return addrs[-min(num_proxies, len(addrs))].strip()
    return "".join(xff.split()) if xff else remote


class WebSocketRateLimitMiddleware:
    """ASGI middleware for the websocket router: `WS_CONNECT_RATE` connects per client IP.

    An over-limit handshake is denied (close before accept, code 4429: daphne answers HTTP 403)
    and the app behind is never called. Denied rather than accepted-then-closed on purpose: the
    Mini App's client (static/js/realtime.js) resets its reconnect backoff when a socket opens,
    so an accepted socket would have it retry at the fastest pace; a failed handshake makes the
    backoff grow.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket" or not settings.RATE_LIMITS_ENABLED:
            return await self.app(scope, receive, send)
        limit, window = parse_rate(settings.WS_CONNECT_RATE)
        ident = f"ip:{scope_client_ip(scope)}"
        verdict = await sync_to_async(hit, thread_sensitive=False)(
            "ws-connect", ident, limit=limit, window=window
        )
        if verdict.allowed:
            return await self.app(scope, receive, send)
        metrics.RATE_LIMITED.labels(kind="websocket", rule=settings.WS_CONNECT_RATE).inc()
        message = await receive()
        if message["type"] != "websocket.connect":
            return None
        # Closing before accepting denies the handshake (daphne answers HTTP 403).
        await send(
            {
                "type": "websocket.close",
                "code": WS_THROTTLED_CLOSE_CODE,
                "reason": _("Too many connections. Retry in %(seconds)d s.")
                % {"seconds": verdict.retry_after},
            }
        )
        return None
