"""Telegram's send limits, shared by every worker: a global and a per-chat token bucket.

Telegram allows about 30 messages a second to different chats and about one a second to one
chat; going over earns 429s and, persistently, a ban. Celery's `rate_limit` is per worker
process, so with several workers it would not hold: the buckets live in Redis and one Lua script
takes a token from both atomically (all or nothing), using Redis' own clock so workers on hosts
with skewed clocks still agree. Without REDIS_URL (the embedded mode: one process) an in-memory
bucket with a lock does the same job.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings

from notifications import telegram

# KEYS[1] global bucket, KEYS[2] chat bucket (hashes: tokens, ts in ms).
# ARGV: global rate/s, global burst, chat rate/s, chat burst.
# Returns 0 when both tokens were taken, else the milliseconds to wait before trying again.
_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function state(key, rate, burst)
  local v = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens = tonumber(v[1])
  local ts = tonumber(v[2])
  if tokens == nil then tokens = burst; ts = now end
  local elapsed = math.max(0, now - ts)
  tokens = math.min(burst, tokens + elapsed * rate / 1000)
  return tokens
end
local grate, gburst = tonumber(ARGV[1]), tonumber(ARGV[2])
local crate, cburst = tonumber(ARGV[3]), tonumber(ARGV[4])
local g = state(KEYS[1], grate, gburst)
local c = state(KEYS[2], crate, cburst)
if g >= 1 and c >= 1 then
  redis.call('HSET', KEYS[1], 'tokens', g - 1, 'ts', now)
  redis.call('HSET', KEYS[2], 'tokens', c - 1, 'ts', now)
  redis.call('PEXPIRE', KEYS[1], math.ceil(gburst / grate * 1000) + 1000)
  redis.call('PEXPIRE', KEYS[2], math.ceil(cburst / crate * 1000) + 1000)
  return 0
end
local wait = 0
if g < 1 then wait = math.max(wait, math.ceil((1 - g) * 1000 / grate)) end
if c < 1 then wait = math.max(wait, math.ceil((1 - c) * 1000 / crate)) end
return math.max(wait, 1)
"""


def _rates() -> tuple[float, float, float, float]:
    global_rate = float(settings.TELEGRAM_RATE_GLOBAL)
    chat_rate = float(settings.TELEGRAM_RATE_PER_CHAT)
    # Bursts: a second's worth globally, a single message per chat.
    return global_rate, max(1.0, global_rate), chat_rate, 1.0


class RedisBucket:
    def __init__(self, url: str, prefix: str):
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._script = self._redis.register_script(_LUA)
        self.prefix = prefix

    def try_take(self, chat_id: int | str) -> float:
        """0 when a send may go now (tokens taken), else seconds to wait."""
        grate, gburst, crate, cburst = _rates()
        keys = [f"{self.prefix}:tg-rate:global", f"{self.prefix}:tg-rate:chat:{chat_id}"]
        wait_ms = int(self._script(keys=keys, args=[grate, gburst, crate, cburst]))
        return wait_ms / 1000.0


class MemoryBucket:
    """The same buckets in this process (embedded mode, no Redis)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, float]] = {}

    def _level(self, key: str, rate: float, burst: float, now: float) -> float:
        tokens, ts = self._state.get(key, (burst, now))
        return min(burst, tokens + max(0.0, now - ts) * rate)

    def try_take(self, chat_id: int | str) -> float:
        grate, gburst, crate, cburst = _rates()
        gkey, ckey = "global", f"chat:{chat_id}"
        with self._lock:
            now = time.monotonic()
            g = self._level(gkey, grate, gburst, now)
            c = self._level(ckey, crate, cburst, now)
            if g >= 1 and c >= 1:
                self._state[gkey] = (g - 1, now)
                self._state[ckey] = (c - 1, now)
                return 0.0
            wait = 0.0
            if g < 1:
                wait = max(wait, (1 - g) / grate)
            if c < 1:
                wait = max(wait, (1 - c) / crate)
            return max(wait, 0.001)

    def reset(self) -> None:
        with self._lock:
            self._state.clear()


_bucket = None
_bucket_key = None
_bucket_lock = threading.Lock()


def get_bucket():
    """The limiter for this configuration (Redis when REDIS_URL is set)."""
    global _bucket, _bucket_key
    url = settings.REDIS_URL
    prefix = settings.CACHES["default"].get("KEY_PREFIX") or "artel"
    key = (url, prefix)
    with _bucket_lock:
        if _bucket is None or _bucket_key != key:
            _bucket = RedisBucket(url, prefix) if url else MemoryBucket()
            _bucket_key = key
        return _bucket


def acquire(chat_id: int | str, *, timeout: float = 10.0) -> float | None:
    """Wait (up to `timeout` s) for a send slot for `chat_id`. Returns None when the slot was
    taken, else the seconds still to wait (the caller reschedules instead of blocking)."""
    bucket = get_bucket()
    deadline = time.monotonic() + timeout
    while True:
        wait = bucket.try_take(chat_id)
        if wait <= 0:
            return None
        if time.monotonic() + wait > deadline:
            return wait
        telegram._sleep(wait)
