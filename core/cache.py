"""The cache as an optimisation only: reads and writes that go on when Redis is away.

A cache miss costs a database query; a cache *error* must not cost the player an error page. Use
`cache_get` / `cache_set` where the cached value can always be recomputed (the floor, slots,
leaderboards): while the cache is unreachable they answer "miss" and "not stored", and the
request is served from the database.
"""

from __future__ import annotations

import logging

from django.core.cache import cache

try:
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - redis is a pinned dependency
    RedisError = OSError

logger = logging.getLogger(__name__)
CACHE_ERRORS = (RedisError, OSError)


def cache_get(key: str, default=None):
    try:
        return cache.get(key, default)
    except CACHE_ERRORS as exc:
        logger.warning("cache unavailable (%s): reading from the database", type(exc).__name__)
        return default


def cache_set(key: str, value, timeout: float) -> None:
    try:
        cache.set(key, value, timeout)
    except CACHE_ERRORS as exc:
        logger.warning("cache unavailable (%s): value not stored", type(exc).__name__)
