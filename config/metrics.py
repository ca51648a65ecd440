"""The app's own Prometheus metrics, all registered here (django-prometheus adds the HTTP, DB
and cache ones). Import the metric you need from this module; never create one elsewhere.
"""

from prometheus_client import Counter, Gauge, Histogram

# Realtime
WEBSOCKETS_CONNECTED = Gauge(
    "artel_websockets_connected", "WebSocket connections open in this process"
)
WS_SUBSCRIPTIONS = Gauge(
    "artel_ws_subscriptions", "Topic subscriptions open in this process", ["kind"]
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

# Beat
BEAT_LAST = Gauge("artel_beat_last_seconds", "Unix time of the last beat heartbeat seen")
