"""The outbox: `notify()`, the one entry point for every feature that tells a player something.

Call it *inside* the transaction that makes the change being reported: the row commits or rolls
back with that change, and delivery is enqueued only after commit (`delivery.enqueue_delivery`).
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.metrics import NOTIFICATIONS
from notifications import rendering
from notifications.delivery import enqueue_delivery, push
from notifications.models import (
    Channel,
    Kind,
    Notification,
)
from notifications.preferences import channel_for, profile_of, schedule_for, telegram_reachable


def notify(
    *,
    user,
    kind: str,
    payload: dict,
    dedupe_key: str,
    send_after: datetime | None = None,
    broadcast=None,
) -> Notification | None:
    """Write one notification for `user` into the outbox; deliver it after commit.

    Call inside the transaction of the change it reports. Returns the new row, or None when
    nothing was written: the dedupe key was used before (a repeat is a no-op), or the user
    turned this kind off. `send_after` defers delivery (the beat sweep sends it when due).
    Raises ValueError for an unknown kind.
    """
    if kind not in Kind.values:
        raise ValueError(f"unknown notification kind: {kind!r}")
    if not dedupe_key or len(dedupe_key) > 200:
        raise ValueError("dedupe_key must be 1–200 characters")
    if Notification.objects.filter(dedupe_key=dedupe_key).exists():
        return None
    channel = channel_for(user=user, kind=kind)
    if channel == Channel.OFF:
        return None

    now = timezone.now()
    profile = profile_of(user)
    due = max(send_after or now, now)
    when, silent = schedule_for(
        kind=kind, payload=payload, due=due, profile=profile, tz=rendering.club_tz()
    )
    via = (
        Notification.Via.TELEGRAM
        if channel == Channel.TELEGRAM and telegram_reachable(user, profile)
        else Notification.Via.IN_APP
    )
    due_now = when <= now
    in_app_now = via == Notification.Via.IN_APP and due_now
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user,
                kind=kind,
                payload=payload,
                dedupe_key=dedupe_key,
                via=via,
                status=Notification.Status.SENT if in_app_now else Notification.Status.PENDING,
                sent_at=now if in_app_now else None,
                silent=silent,
                send_after=when,
                pushed=due_now,
                broadcast=broadcast,
            )
    except IntegrityError:
        # A concurrent transaction used the same dedupe key first.
        return None

    if in_app_now:
        NOTIFICATIONS.labels(kind=kind, outcome="in_app").inc()
    if due_now:
        push(notification, user)
    if via == Notification.Via.TELEGRAM and due_now and broadcast is None:
        # A broadcast's hundreds of rows are left to the sweep (every 30 s, within the rate
        # limit) rather than hundreds of tasks — or, with eager Celery, sends inside the
        # admin's request.
        transaction.on_commit(partial(enqueue_delivery, notification.pk))
    return notification


def notification_cancel(*, dedupe_key: str) -> bool:
    """Cancel a still-pending notification (a reminder of a booking that was cancelled)."""
    return bool(
        Notification.objects.filter(
            dedupe_key=dedupe_key, status=Notification.Status.PENDING
        ).update(status=Notification.Status.CANCELLED)
    )


def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when `ids` is None)."""
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.update(read_at=timezone.now())
