"""Celery tasks of notifications: thin wrappers around the services (ids in, service call).

The names are the contract with the broker and the beat schedule (settings.CELERY_BEAT_SCHEDULE);
lower modules enqueue them by name (`core.queue.enqueue`). Each task is also registered under the
name it had while notifications lived in `realtime/` (`realtime.notifications.*`), so messages
already queued when an upgrade starts are still run, not dropped.
"""

from __future__ import annotations

import logging

from celery import shared_task

from notifications import bot, delivery
from notifications.sources import bookings

logger = logging.getLogger(__name__)


def _deliver(notification_id: int) -> str:
    """After commit: deliver one notification (no-op if another worker or the sweep has it)."""
    return delivery.notification_deliver(notification_id=notification_id)


def _sweep() -> dict:
    """Beat, every 30 s: deliver what is due (deferred rows, retries, rows whose enqueue was
    lost while the broker was down) and re-run Telegram updates that were never handled."""
    outcomes = delivery.notification_sweep()
    bot.updates_resweep()
    bot.updates_prune()
    if outcomes:
        logger.info("notification sweep: %s", outcomes)
    return outcomes


def _schedule_reminders() -> int:
    """Beat, every minute: write reminder rows for upcoming confirmed bookings, and announce
    cancellations / no-shows that were made in bulk (without post_save)."""
    written = bookings.booking_reminders_schedule()
    return written + bookings.booking_status_catch_up()


def _process_update(update_id: int) -> None:
    """One Telegram update from the webhook (or polling): act on it once."""
    bot.update_handle(update_id=update_id)


def _task(name: str, fn):
    shared_task(name=f"realtime.notifications.{name}", ignore_result=True)(fn)  # the old name
    return shared_task(name=f"notifications.{name}", ignore_result=True)(fn)


deliver_notification = _task("deliver", _deliver)
sweep_notifications = _task("sweep", _sweep)
schedule_booking_reminders = _task("schedule_reminders", _schedule_reminders)
process_update = _task("process_update", _process_update)
