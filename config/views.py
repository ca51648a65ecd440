"""Operations endpoints (/healthz, /readyz) and the Mini App page."""

import asyncio
import logging
import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from realtime.selectors import last_heartbeat

logger = logging.getLogger(__name__)
CHECK_TIMEOUT = 2.0


@never_cache
@require_GET
def healthz(request):
    """Liveness: the process answers. Touches no backing service."""
    return JsonResponse({"status": "ok"})


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache():
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value just written")
    cache.delete(key)


async def _layer_roundtrip():
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "readyz.ping"})
    message = await asyncio.wait_for(layer.receive(channel), timeout=CHECK_TIMEOUT)
    if message.get("type") != "readyz.ping":
        raise RuntimeError("channel layer returned an unexpected message")


def _check_channel_layer():
    async_to_sync(_layer_roundtrip)()


CHECKS = {"database": _check_database, "cache": _check_cache, "channel_layer": _check_channel_layer}


def _beat_status():
    try:
        at = last_heartbeat()
    except Exception:  # noqa: BLE001 - the database check reports the real failure
        return {"status": "unknown"}
    if at is None:
        return {"status": "never"}
    age = (timezone.now() - at).total_seconds()
    state = "ok" if age <= settings.BEAT_STALE_AFTER else "stale"
    return {"status": state, "last_beat": at.isoformat(), "age_seconds": round(age, 1)}


@never_cache
@require_GET
def readyz(request):
    """Readiness: database, cache and channel layer answer. 503 names what failed.

    The beat heartbeat is reported but does not fail readiness: the web tier can serve while
    beat is down (periodic work only waits).
    """
    components = {}
    failing = []
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            logger.warning("readiness check failed", extra={"component": name, "error": str(exc)})
            components[name] = {"status": "error", "error": exc.__class__.__name__}
            failing.append(name)
        else:
            components[name] = {
                "status": "ok",
                "ms": round((time.perf_counter() - started) * 1000, 1),
            }
    components["beat"] = _beat_status() if "database" not in failing else {"status": "unknown"}
    if failing:
        return JsonResponse(
            {
                "status": "unavailable",
                "code": "not_ready",
                "detail": f"Not ready: {', '.join(failing)} unavailable.",
                "failing": failing,
                "components": components,
            },
            status=503,
        )
    return JsonResponse({"status": "ok", "components": components})


def miniapp(request, path=""):
    """The Mini App shell: one page, screens routed client-side (static/js/app.js)."""
    return render(
        request,
        "miniapp/index.html",
        {
            "debug_sign_in": settings.DEBUG,
            "app_config": {
                "debug": settings.DEBUG,
                # Web pages sign in with the session: the page knows it, the script need not probe.
                "signedIn": request.user.is_authenticated,
                "botUsername": settings.TELEGRAM_BOT_USERNAME,
                "miniAppShortName": settings.TELEGRAM_MINIAPP_SHORT_NAME,
            },
        },
    )
