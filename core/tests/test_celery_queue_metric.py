"""artel_celery_queue_length: read from the Redis broker on each scrape, failing soft."""

import uuid

import pytest
from django.conf import settings

from core.metrics import CELERY_QUEUE_LENGTH, KOMBU_PRIORITY_SEP, CeleryQueueCollector

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def _samples(collector):
    return {s.labels["queue"]: s.value for family in collector.collect() for s in family.samples}


def test_it_reports_no_sample_instead_of_failing_when_redis_is_down():
    collector = CeleryQueueCollector(UNREACHABLE_REDIS, timeout=0.2)
    families = list(collector.collect())
    assert [f.name for f in families] == [CELERY_QUEUE_LENGTH]
    assert families[0].samples == []


def test_it_describes_the_metric_without_touching_redis():
    collector = CeleryQueueCollector(UNREACHABLE_REDIS)
    assert [f.name for f in collector.describe()] == [CELERY_QUEUE_LENGTH]


@pytest.mark.redis
def test_it_counts_messages_waiting_in_every_priority_list_of_a_queue():
    import redis

    queue = f"artel-test-{uuid.uuid4().hex}"
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = [queue, f"{queue}{KOMBU_PRIORITY_SEP}3", f"{queue}{KOMBU_PRIORITY_SEP}9"]
    try:
        client.rpush(keys[0], "a", "b")
        client.rpush(keys[1], "c")
        client.rpush(keys[2], "d")
        collector = CeleryQueueCollector(settings.REDIS_URL, queues=(queue, f"{queue}-empty"))
        assert _samples(collector) == {queue: 4.0, f"{queue}-empty": 0.0}
    finally:
        client.delete(*keys)
        client.close()


@pytest.mark.redis
def test_metrics_page_shows_the_celery_queue_length_with_redis(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert f'{CELERY_QUEUE_LENGTH}{{queue="celery"}}' in response.content.decode()
