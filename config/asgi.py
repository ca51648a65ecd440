"""ASGI entry point: HTTP through Django, WebSocket `/ws/` through Channels."""

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from core.admission import ConcurrencyLimitMiddleware  # noqa: E402
from core.ratelimit import WebSocketRateLimitMiddleware  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": ConcurrencyLimitMiddleware(
            django_asgi_app,
            limit=settings.HTTP_MAX_CONCURRENCY,
            queue_timeout=settings.HTTP_QUEUE_TIMEOUT,
        ),
        "websocket": WebSocketRateLimitMiddleware(
            AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns))
        ),
    }
)

if settings.EMBEDDED_BEAT:
    from config.embedded import EmbeddedBeatMiddleware  # noqa: E402

    application = EmbeddedBeatMiddleware(application)
