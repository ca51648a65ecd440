"""Celery tasks of notifications: thin wrappers around the services (ids in, service call)."""

from __future__ import annotations

import logging

from celery import shared_task

from realtime.notifications import services

logger = logging.getLogger(__name__)


@shared_task(name="realtime.notifications.deliver", ignore_result=True)
def deliver_notification(notification_id: int) -> str:
    """After commit: deliver one notification (no-op if another worker or the sweep has it)."""
    return services.notification_deliver(notification_id=notification_id)


@shared_task(name="realtime.notifications.sweep", ignore_result=True)
def sweep_notifications() -> dict:
    """Beat, every 30 s: deliver what is due (deferred rows, retries, rows whose enqueue was
    lost while the broker was down) and re-run Telegram updates that were never handled."""
    outcomes = services.notification_sweep()
    from realtime.notifications import bot

    bot.updates_resweep()
    bot.updates_prune()
    if outcomes:
        logger.info("notification sweep: %s", outcomes)
    return outcomes


@shared_task(name="realtime.notifications.schedule_reminders", ignore_result=True)
def schedule_booking_reminders() -> int:
    """Beat, every minute: write reminder rows for upcoming confirmed bookings, and announce
    cancellations / no-shows that were made in bulk (without post_save)."""
    from realtime.notifications import receivers

    written = receivers.booking_reminders_schedule()
    return written + receivers.booking_status_catch_up()


@shared_task(name="realtime.notifications.process_update", ignore_result=True)
def process_update(update_id: int) -> None:
    """One Telegram update from the webhook (or polling): act on it once."""
    from realtime.notifications import bot

    bot.update_handle(update_id=update_id)
