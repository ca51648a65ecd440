"""The app's own Prometheus metrics, all registered here (django-prometheus adds the HTTP, DB
and cache ones). Import the metric you need from this module; never create one elsewhere.
"""

import logging

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily

# Realtime
WEBSOCKETS_CONNECTED = Gauge(
    "artel_websockets_connected", "WebSocket connections open in this process"
)
WS_SUBSCRIPTIONS = Gauge(
    "artel_ws_subscriptions", "Topic subscriptions open in this process", ["kind"]
)
WS_SNAPSHOT_LOADS = Counter(
    "artel_ws_snapshot_loads_total",
    "Topic snapshot loads (database reads) in this process; shared by every socket that asks",
    ["kind"],
)
WS_SLOW_CLOSED = Counter(
    "artel_ws_slow_closed_total", "Sockets closed (1013) for not keeping up with their updates"
)
BROADCAST_LATENCY = Histogram(
    "artel_broadcast_seconds",
    "Time from commit to group_send done",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)

# Play
LIVE_MATCHES = Gauge("artel_live_matches", "Matches currently live (sampled on scrape)")
MATCH_EVENTS = Counter("artel_match_events_total", "Scoring events applied", ["discipline"])

# Club floor
BOOKINGS = Counter("artel_bookings_total", "Booking lifecycle events", ["action"])
SESSIONS_OPEN = Gauge("artel_sessions_open", "Table sessions open (sampled on scrape)")
REVENUE_KOPECKS = Counter("artel_revenue_kopecks_total", "Billed revenue in kopecks")

# Accounts
SIGN_INS = Counter("artel_sign_ins_total", "Successful sign-ins", ["method"])
SIGN_IN_FAILURES = Counter("artel_sign_in_failures_total", "Refused sign-ins", ["method", "code"])

# Notifications
NOTIFICATIONS = Counter("artel_notifications_total", "Notification deliveries", ["kind", "outcome"])
NOTIFICATION_BACKLOG = Gauge(
    "artel_notification_backlog", "Pending notifications due now (sampled on scrape)"
)
NOTIFICATION_RETRIES = Counter(
    "artel_notification_retries_total", "Notification deliveries put back for a retry", ["kind"]
)

# Admission control (core/admission.py)
HTTP_QUEUED = Gauge("artel_http_queued", "HTTP requests waiting for a turn in this process")
HTTP_QUEUE_SECONDS = Histogram(
    "artel_http_queue_seconds",
    "Time an HTTP request waited for a turn before Django ran it",
    buckets=(0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
HTTP_SHED = Counter(
    "artel_http_shed_total", "HTTP requests answered 503 server_busy after waiting too long"
)

# Beat
BEAT_LAST = Gauge("artel_beat_last_seconds", "Unix time of the last beat heartbeat seen")


# Celery: the broker queue length is read from Redis on each scrape (a collector, not a Gauge
# someone must remember to set), so the figure is right even when no worker is alive.
CELERY_QUEUE_LENGTH = "artel_celery_queue_length"
CELERY_QUEUES = ("celery",)
# kombu's Redis transport keeps one list per priority step: "celery", "celery\x06\x163", ...
KOMBU_PRIORITY_SEP = "\x06\x16"
KOMBU_PRIORITY_STEPS = (0, 3, 6, 9)

logger = logging.getLogger(__name__)


class CeleryQueueCollector:
    """Exposes `artel_celery_queue_length{queue}`: messages waiting in each broker queue.

    Fails soft: when Redis does not answer within the timeout the scrape carries no sample for
    the metric (and a warning in the log) instead of failing the whole /metrics page.
    """

    def __init__(self, redis_url: str, queues=CELERY_QUEUES, timeout: float = 0.5):
        self.redis_url = redis_url
        self.queues = tuple(queues)
        self.timeout = timeout
        self._client = None

    def _redis(self):
        if self._client is None:
            import redis

            self._client = redis.Redis.from_url(
                self.redis_url, socket_timeout=self.timeout, socket_connect_timeout=self.timeout
            )
        return self._client

    def _family(self):
        return GaugeMetricFamily(
            CELERY_QUEUE_LENGTH, "Messages waiting in the Celery broker queue", labels=["queue"]
        )

    def describe(self):
        return [self._family()]

    def collect(self):
        family = self._family()
        try:
            pipe = self._redis().pipeline(transaction=False)
            for queue in self.queues:
                for step in KOMBU_PRIORITY_STEPS:
                    pipe.llen(f"{queue}{KOMBU_PRIORITY_SEP}{step}" if step else queue)
            lengths = pipe.execute()
        except Exception as exc:  # noqa: BLE001 - a metrics scrape must never fail on Redis
            logger.warning("celery queue length unavailable: %s", exc)
            yield family
            return
        steps = len(KOMBU_PRIORITY_STEPS)
        for index, queue in enumerate(self.queues):
            family.add_metric([queue], sum(lengths[index * steps : (index + 1) * steps]))
        yield family


def _register_celery_queue_collector():
    from django.conf import settings

    broker = getattr(settings, "CELERY_BROKER_URL", "") or ""
    if not getattr(settings, "REDIS_URL", "") or not broker.startswith(("redis://", "rediss://")):
        return None
    collector = CeleryQueueCollector(broker)
    REGISTRY.register(collector)
    return collector


CELERY_QUEUE_COLLECTOR = _register_celery_queue_collector()

# Security
RATE_LIMITED = Counter(
    "artel_rate_limited_total", "Requests refused by a rate limit", ["kind", "rule"]
)

# Stats
STATS_APPLIED = Counter(
    "artel_stats_applied_total",
    "Finish-task runs (applied: rows changed; unchanged: already up to date)",
    ["outcome"],
)
