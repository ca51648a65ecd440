"""Booking messages: confirmed, cancelled, no-show, and the reminder before the start.

Read from `post_save` of `games.Booking` (the games services save it inside their transactions,
so `notify()` joins those transactions); bulk changes without `save()` are caught up by the beat.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from games.models import Booking
from notifications.models import Notification
from notifications.outbox import notification_cancel, notify

BOOKING_KINDS = {
    "confirmed": "booking_confirmed",
    "cancelled": "booking_cancelled",
    "no_show": "booking_no_show",
}


def lead() -> timedelta:
    return timedelta(minutes=int(settings.NOTIFY_REMINDER_LEAD_MINUTES))


def booking_payload(booking) -> dict:
    table = booking.table
    return {
        "booking_id": booking.pk,
        "table": str(getattr(table, "name", "") or getattr(table, "number", "") or table.pk),
        "table_number": getattr(table, "number", None),
        "club": str(getattr(table, "club", "") or ""),
        "start": booking.start.isoformat(),
        "end": booking.end.isoformat(),
        "minutes_before": int(settings.NOTIFY_REMINDER_LEAD_MINUTES),
    }


def booking_reminder_key(booking) -> str:
    return f"booking_reminder:{booking.pk}"


def booking_reminder_write(booking):
    """The reminder row of a confirmed booking (a no-op when it exists).

    Skipped for a booking made less than the lead time before its start: the confirmation
    already said everything, a second message a minute later would be noise.
    """
    send_at = booking.start - lead()
    if booking.start <= timezone.now():
        return None
    created = getattr(booking, "created_at", None)
    if created is not None and created >= send_at:
        return None
    return notify(
        user=booking.player,
        kind="booking_reminder",
        payload=booking_payload(booking),
        dedupe_key=booking_reminder_key(booking),
        send_after=send_at,
    )


def on_booking_saved(sender, instance, created, raw=False, **kwargs):
    if raw:  # fixtures
        return
    booking = instance
    kind = BOOKING_KINDS.get(booking.status)
    if kind == "booking_confirmed" and not created:
        # Re-saved while confirmed (e.g. moved): keep the pending reminder in step with the start.
        reminder = Notification.objects.filter(
            dedupe_key=booking_reminder_key(booking), status=Notification.Status.PENDING
        ).first()
        if reminder is not None and reminder.payload.get("start") != booking.start.isoformat():
            reminder.payload = booking_payload(booking)
            reminder.send_after = booking.start - lead()
            reminder.save(update_fields=["payload", "send_after"])
    if booking.status != "confirmed":
        # Cancelled, no-show or already checked in: the reminder has nothing left to say.
        notification_cancel(dedupe_key=booking_reminder_key(booking))
    if kind is None:
        return
    notify(
        user=booking.player,
        kind=kind,
        payload=booking_payload(booking),
        dedupe_key=f"{kind}:{booking.pk}",
    )


def booking_reminders_schedule(*, horizon: timedelta = timedelta(hours=24)) -> int:
    """Write reminder rows for confirmed bookings starting within lead + horizon (the beat
    task). Idempotent: the dedupe key `booking_reminder:<id>` makes a repeat a no-op."""
    now = timezone.now()
    written = 0
    upcoming = (
        Booking.objects.filter(status="confirmed", start__gt=now, start__lte=now + lead() + horizon)
        .select_related("player", "table", "table__club")
        .order_by("start")
    )
    have = set(
        Notification.objects.filter(
            dedupe_key__in=[booking_reminder_key(b) for b in upcoming]
        ).values_list("dedupe_key", flat=True)
    )
    for booking in upcoming:
        if booking_reminder_key(booking) in have:
            continue
        with transaction.atomic():
            written += booking_reminder_write(booking) is not None
    return written


def booking_status_catch_up(*, window: timedelta = timedelta(hours=6)) -> int:
    """Announce cancellations and no-shows made without `save()` (a bulk `update()`, like the
    no-show sweep's), which `post_save` never sees. Idempotent through the dedupe keys."""
    since = timezone.now() - window
    changed = list(
        Booking.objects.filter(
            status__in=["cancelled", "no_show"], status_changed_at__gte=since
        ).select_related("player", "table", "table__club")
    )
    keys = {f"{BOOKING_KINDS[b.status]}:{b.pk}" for b in changed}
    have = set(
        Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )
    written = 0
    for booking in changed:
        kind = BOOKING_KINDS[booking.status]
        if f"{kind}:{booking.pk}" in have:
            continue
        with transaction.atomic():
            notification_cancel(dedupe_key=booking_reminder_key(booking))
            row = notify(
                user=booking.player,
                kind=kind,
                payload=booking_payload(booking),
                dedupe_key=f"{kind}:{booking.pk}",
            )
            written += row is not None
    return written
