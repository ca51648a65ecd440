"""The shared send limits: global and per-chat token buckets, used by several worker threads."""

import threading
import time

import pytest
from django.conf import settings

from notifications import ratelimit


def _hammer(bucket, chat_ids, seconds=0.5, threads=6):
    """Each thread takes as many tokens as it can for `seconds`; returns the grants."""
    grants: list[tuple[float, object]] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(n):
        while time.monotonic() < stop:
            chat = chat_ids[n % len(chat_ids)]
            if bucket.try_take(chat) == 0:
                with lock:
                    grants.append((time.monotonic(), chat))
            else:
                time.sleep(0.002)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return grants


def test_memory_bucket_one_chat_gets_one_message_per_second(settings):
    settings.TELEGRAM_RATE_PER_CHAT = 1.0
    grants = _hammer(ratelimit.MemoryBucket(), ["chat-1"], seconds=0.5)

    assert len(grants) == 1


def test_memory_bucket_global_limit_holds_across_threads(settings):
    settings.TELEGRAM_RATE_GLOBAL = 20.0
    settings.TELEGRAM_RATE_PER_CHAT = 1000.0
    grants = _hammer(ratelimit.MemoryBucket(), [f"c{n}" for n in range(50)], seconds=0.5)

    # Burst of 20 plus ~10 refilled in half a second (a little slack for scheduling).
    assert 20 <= len(grants) <= 32


def test_a_refused_take_says_how_long_to_wait(settings):
    settings.TELEGRAM_RATE_PER_CHAT = 1.0
    bucket = ratelimit.MemoryBucket()

    assert bucket.try_take("c") == 0
    wait = bucket.try_take("c")

    assert 0 < wait <= 1.0


@pytest.mark.redis
def test_redis_bucket_is_shared_by_worker_threads_with_separate_clients(settings):
    settings.TELEGRAM_RATE_GLOBAL = 20.0
    settings.TELEGRAM_RATE_PER_CHAT = 1000.0
    prefix = f"{settings.CACHES['default'].get('KEY_PREFIX')}:rl-test-{time.monotonic_ns()}"
    # One client per "worker": they share nothing but Redis.
    buckets = [ratelimit.RedisBucket(settings.REDIS_URL, prefix) for _ in range(4)]
    grants: list = []
    lock = threading.Lock()
    stop = time.monotonic() + 0.5

    def worker(bucket, n):
        while time.monotonic() < stop:
            if bucket.try_take(f"c{n}-{len(grants)}") == 0:
                with lock:
                    grants.append(n)
            else:
                time.sleep(0.002)

    pool = [threading.Thread(target=worker, args=(b, n)) for n, b in enumerate(buckets)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()

    assert 20 <= len(grants) <= 32


@pytest.mark.redis
def test_redis_bucket_per_chat_limit(settings):
    settings.TELEGRAM_RATE_PER_CHAT = 1.0
    prefix = f"{settings.CACHES['default'].get('KEY_PREFIX')}:rl-test-{time.monotonic_ns()}"
    buckets = [ratelimit.RedisBucket(settings.REDIS_URL, prefix) for _ in range(3)]
    grants = []
    for _ in range(5):
        for bucket in buckets:
            grants.append(bucket.try_take("one-chat") == 0)

    assert grants.count(True) == 1


def test_acquire_uses_memory_without_redis():
    if settings.REDIS_URL:
        pytest.skip("REDIS_URL is set: the Redis bucket is used")
    assert isinstance(ratelimit.get_bucket(), ratelimit.MemoryBucket)
    assert ratelimit.acquire("x", timeout=0) is None
