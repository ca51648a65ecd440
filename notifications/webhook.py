"""`POST /telegram/webhook/`: Telegram's updates for the bot.

The secret header (`X-Telegram-Bot-Api-Secret-Token`, set by `manage.py set_webhook`) is compared
in constant time; a wrong or missing one gets 403 and nothing is stored or done (nor when no
secret is configured: an open webhook would let anyone drive the bot). A known `update_id` is
answered 200 and ignored (Telegram redelivers until it gets a 2xx). The view only records the
update; the work happens in Celery, so Telegram gets its answer at once.
"""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core import parsers
from notifications import bot

logger = logging.getLogger(__name__)

SECRET_HEADER = "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"
MAX_BODY = 1024 * 1024


def secret_ok(given: str | None) -> bool:
    expected = settings.TELEGRAM_WEBHOOK_SECRET
    if not expected or given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


@csrf_exempt
@require_POST
def telegram_webhook(request: HttpRequest) -> JsonResponse:
    if not secret_ok(request.META.get(SECRET_HEADER)):
        return JsonResponse({"detail": "Forbidden.", "code": "bad_secret"}, status=403)
    if len(request.body) > MAX_BODY:
        return JsonResponse({"detail": "Too large.", "code": "too_large"}, status=413)
    try:
        update = parsers.loads(request.body)
    except parsers.BadJSON as exc:
        return JsonResponse({"detail": str(exc), "code": exc.code}, status=400)
    if not isinstance(update, dict):
        return JsonResponse({"detail": "Bad update.", "code": "bad_update"}, status=400)
    try:
        new = bot.update_record(update)
    except ValueError:
        return JsonResponse({"detail": "Bad update.", "code": "bad_update"}, status=400)
    return JsonResponse({"ok": True, "duplicate": not new})
