"""Delivery of the outbox: claim → send → record, the after-commit enqueue, the sweep, retries.

A row is sent at most once, without holding a lock over the network (see `notification_deliver`).
If the broker is down when a row is enqueued it simply stays pending, and the beat sweep
(`notification_sweep`, every 30 s) delivers it later.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, transaction
from django.utils import timezone

from core.metrics import NOTIFICATION_RETRIES, NOTIFICATIONS
from core.queue import enqueue
from notifications import ratelimit, rendering, telegram
from notifications.enrichment import RATING_WAIT, rating_enrich, rating_ready
from notifications.models import (
    Kind,
    Notification,
)
from notifications.preferences import mark_unreachable, profile_of, telegram_reachable
from notifications.selectors import booking_still_confirmed
from notifications.serializers import notification_data
from realtime import broadcast

logger = logging.getLogger(__name__)


# The Celery task that delivers one row (notifications/tasks.py).
DELIVER_TASK = "notifications.deliver"


# Transient failures (5xx, network, long 429s) are retried this many times in all.
MAX_ATTEMPTS = 8


SWEEP_BATCH = 500


def _retry_delay(attempts: int) -> timedelta:
    # 30 s, 1 min, 2 min … capped at 30 min between tries.
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 1800))


_background: ThreadPoolExecutor | None = None


_background_lock = threading.Lock()


def _background_executor() -> ThreadPoolExecutor:
    global _background
    with _background_lock:
        if _background is None:
            _background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="notify")
        return _background


def _deliver_in_background(notification_id: int) -> None:
    try:
        notification_deliver(notification_id=notification_id)
    except Exception:  # noqa: BLE001 - the sweep retries what was not delivered
        logger.exception("background delivery of notification %s failed", notification_id)
    finally:
        connections.close_all()


def enqueue_delivery(notification_id: int) -> None:
    if settings.NOTIFICATIONS_DELIVER_IN_BACKGROUND:
        # The embedded mode (eager Celery, no worker): the Telegram call must not hold up the
        # player's request, so one background thread of this process delivers, in order.
        context = contextvars.copy_context()  # the request id, for the delivery's log lines
        _background_executor().submit(context.run, _deliver_in_background, notification_id)
        return
    try:
        # By name: the task module sits above this one (it imports delivery).
        enqueue(DELIVER_TASK, notification_id)
    except Exception as exc:  # noqa: BLE001 - broker down: the sweep delivers it later
        logger.warning(
            "notification %s not enqueued (%s); the sweep will send it", notification_id, exc
        )


def push(notification: Notification, user) -> None:
    """The `me` topic push of a notification (after commit); never fails the change it reports."""
    try:
        broadcast.publish_to_user(
            user.pk,
            data={"kind": "notification", "notification": notification_data(notification, user)},
        )
    except Exception:  # noqa: BLE001 - an in-app push never breaks the change it reports
        logger.exception("notification push failed")


def notification_deliver(*, notification_id: int) -> str:
    """Deliver one due pending notification; returns the outcome (for logs and tests):
    "sent", "in_app", "retry", "failed", "throttled", "waiting", "cancelled" or "skipped" (not
    ours to send now).

    At most once, without holding a lock over the network: (1) a short transaction claims the row
    with `select_for_update(skip_locked=True)` and marks it `sending` — no one else takes a row in
    that state; (2) the Telegram call runs outside any transaction; (3) a second short transaction
    records the outcome. A sender that dies between (1) and (3) leaves the row `sending`; the
    sweep later marks it failed ("outcome unknown"), never sends it again.
    """
    User = get_user_model()
    now = timezone.now()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, status=Notification.Status.PENDING, send_after__lte=now)
            .first()
        )
        if notification is None:
            return "skipped"
        user = User.objects.get(pk=notification.user_id)
        profile = profile_of(user)
        outcome = _claim_locked(notification, user, profile, now)
        if outcome is not None:
            push_once(notification, user)
            return outcome
        rating_enrich(notification, save=True)
        text, markup = rendering.message_for(notification, user)

    # (2) The call: no transaction open, no row or database lock held.
    error: Exception | None = None
    result = None
    try:
        result = telegram.get_client().send_message(
            user.telegram_id, text, reply_markup=markup, disable_notification=notification.silent
        )
    except (
        telegram.TelegramUnreachable,
        telegram.TelegramBadRequest,
        telegram.TelegramRetryAfter,
        telegram.TelegramTransientError,
        telegram.TelegramNotConfigured,
    ) as exc:
        error = exc
    except Exception as exc:  # noqa: BLE001 - unexpected: record it rather than leave it sending
        error = telegram.TelegramTransientError(f"sendMessage: {type(exc).__name__}")

    # (3) The outcome.
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        if notification.status != Notification.Status.SENDING:
            return "skipped"  # marked stale meanwhile: that verdict stands
        outcome = _record_locked(notification, user, result, error, timezone.now())
        push_once(notification, user)
        return outcome


def push_once(notification, user) -> None:
    if not notification.pushed and notification.status in (
        Notification.Status.SENT,
        Notification.Status.FAILED,
    ):
        notification.pushed = True
        notification.save(update_fields=["pushed"])
        push(notification, user)


def _claim_locked(notification, user, profile, now) -> str | None:
    """Settle the row without Telegram when possible (returns the outcome), or mark it
    `sending` and return None: the caller sends it."""
    if notification.kind == Kind.BOOKING_REMINDER and not booking_still_confirmed(
        (notification.payload or {}).get("booking_id")
    ):
        # Cancelled, checked in or gone since the reminder was written.
        notification.status = Notification.Status.CANCELLED
        notification.save(update_fields=["status"])
        return "cancelled"

    if notification.via == Notification.Via.IN_APP or not telegram_reachable(user, profile):
        # In the app only (by choice, or Telegram is not possible for this user now).
        return _in_app(notification, now)

    wait = ratelimit.acquire(user.telegram_id)
    if wait is not None:
        # Over the shared send rate: try again shortly, without counting an attempt.
        notification.send_after = now + timedelta(seconds=max(wait, 1))
        notification.save(update_fields=["send_after"])
        return "throttled"

    if not rating_ready(notification) and notification.created_at > now - RATING_WAIT:
        # The stats task (after the same commit) has not written the new rating yet.
        notification.send_after = now + timedelta(seconds=10)
        notification.save(update_fields=["send_after"])
        return "waiting"

    notification.status = Notification.Status.SENDING
    notification.claimed_at = now
    notification.save(update_fields=["status", "claimed_at"])
    return None


def _in_app(notification, now) -> str:
    notification.via = Notification.Via.IN_APP
    notification.status = Notification.Status.SENT
    notification.sent_at = now
    notification.save(update_fields=["via", "status", "sent_at"])
    NOTIFICATIONS.labels(kind=notification.kind, outcome="in_app").inc()
    return "in_app"


def _record_locked(notification, user, result, error, now) -> str:
    """Save the Telegram call's outcome on the `sending` row."""
    kind = notification.kind
    if isinstance(error, telegram.TelegramUnreachable):
        mark_unreachable(user, str(error.description or error), now)
        return _fail(notification, str(error))
    if isinstance(error, telegram.TelegramBadRequest):
        return _fail(notification, str(error))
    if isinstance(error, telegram.TelegramRetryAfter | telegram.TelegramTransientError):
        notification.attempts += 1
        notification.last_error = str(error)[:500]
        if notification.attempts >= MAX_ATTEMPTS:
            return _fail(notification, str(error))
        delay = _retry_delay(notification.attempts)
        if isinstance(error, telegram.TelegramRetryAfter):
            delay = max(delay, timedelta(seconds=error.retry_after))
        notification.status = Notification.Status.PENDING
        notification.send_after = now + delay
        notification.save(update_fields=["status", "attempts", "last_error", "send_after"])
        NOTIFICATION_RETRIES.labels(kind=kind).inc()
        NOTIFICATIONS.labels(kind=kind, outcome="retried").inc()
        logger.warning(
            "notification %s: %s; retry at %s", notification.pk, error, notification.send_after
        )
        return "retry"
    if isinstance(error, telegram.TelegramNotConfigured):
        return _in_app(notification, now)

    notification.status = Notification.Status.SENT
    notification.sent_at = now
    notification.attempts += 1
    notification.last_error = ""
    notification.telegram_message_id = (result or {}).get("message_id")
    notification.save(
        update_fields=["status", "sent_at", "attempts", "last_error", "telegram_message_id"]
    )
    NOTIFICATIONS.labels(kind=kind, outcome="sent").inc()
    return "sent"


def _fail(notification, error: str) -> str:
    notification.attempts += 1
    notification.status = Notification.Status.FAILED
    notification.last_error = error[:500]
    notification.save(update_fields=["attempts", "status", "last_error"])
    NOTIFICATIONS.labels(kind=notification.kind, outcome="failed").inc()
    logger.warning("notification %s failed: %s", notification.pk, error)
    return "failed"


STALE_SENDING = timedelta(minutes=5)


MSG_OUTCOME_UNKNOWN = (
    "outcome unknown: the sender stopped during the Telegram call; not sent again (at most once)"
)


def _fail_stale_sending(now, limit: int) -> int:
    """Rows left `sending` by a sender that died mid-call: failed, never resent."""
    count = 0
    stale = Notification.objects.filter(
        status=Notification.Status.SENDING, claimed_at__lt=now - STALE_SENDING
    ).values_list("id", flat=True)[:limit]
    for notification_id in list(stale):
        with transaction.atomic():
            row = (
                Notification.objects.select_for_update(skip_locked=True)
                .filter(pk=notification_id, status=Notification.Status.SENDING)
                .first()
            )
            if row is not None:
                _fail(row, MSG_OUTCOME_UNKNOWN)
                count += 1
    return count


def notification_sweep(*, limit: int = SWEEP_BATCH) -> dict[str, int]:
    """Deliver pending notifications whose time has come (the beat task, every 30 s), and fail
    rows a dead sender left `sending` for over STALE_SENDING.

    Safe to run concurrently with itself and with the after-commit tasks: each row is claimed
    under `skip_locked`, so a row is sent once whoever gets it first.
    """
    now = timezone.now()
    stale = _fail_stale_sending(now, limit)
    ids = list(
        Notification.objects.filter(status=Notification.Status.PENDING, send_after__lte=now)
        .order_by("send_after", "id")
        .values_list("id", flat=True)[:limit]
    )
    outcomes: dict[str, int] = {}
    for notification_id in ids:
        try:
            outcome = notification_deliver(notification_id=notification_id)
        except Exception:  # noqa: BLE001 - one bad row must not stop the sweep
            logger.exception("notification %s: delivery crashed", notification_id)
            outcome = "error"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if stale:
        outcomes["stale"] = stale
    return outcomes


def notification_retry(*, notification_ids) -> int:
    """Admin "retry failed": failed rows go back to pending, due now. Returns how many."""
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update()
            .filter(pk__in=list(notification_ids), status=Notification.Status.FAILED)
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=rows).update(
            status=Notification.Status.PENDING, send_after=timezone.now(), last_error=""
        )
        for pk in rows:
            transaction.on_commit(partial(enqueue_delivery, pk))
    return len(rows)
