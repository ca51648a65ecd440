"""Club announcements: a staff text to an audience, one outbox row per recipient."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notifications import rendering
from notifications.models import (
    Broadcast,
    Kind,
)
from notifications.outbox import notify


def broadcast_audience(*, audience: str, table_kind: str = ""):
    """The users a broadcast goes to (active; opted in to bot messages)."""
    users = get_user_model().objects.filter(is_active=True, notifications_enabled=True)
    if audience == Broadcast.Audience.DISCIPLINE:
        # Booked or played at a table of this kind.
        users = users.filter(models_q_played(table_kind)).distinct()
    elif audience == Broadcast.Audience.BOOKED_TODAY:
        tz = rendering.club_tz()
        local = timezone.now().astimezone(tz)
        day_start = datetime.combine(local.date(), time(0, 0), tzinfo=tz)
        users = users.filter(
            bookings__start__gte=day_start,
            bookings__start__lt=day_start + timedelta(days=1),
            bookings__status__in=["confirmed", "checked_in"],
        ).distinct()
    return users.order_by("pk")


def models_q_played(table_kind: str):
    return Q(bookings__table__kind=table_kind) | Q(table_sessions__table__kind=table_kind)


def broadcast_create(*, created_by, audience: str, text: str, table_kind: str = ""):
    """Write a staff announcement and one outbox row per recipient (one transaction); the beat
    sweep delivers them within the shared rate limit (the admin list shows the progress).
    Returns the Broadcast."""
    with transaction.atomic():
        broadcast = Broadcast.objects.create(
            audience=audience, table_kind=table_kind, text=text, created_by=created_by
        )
        count = 0
        for user in broadcast_audience(audience=audience, table_kind=table_kind).iterator():
            row = notify(
                user=user,
                kind=Kind.ANNOUNCEMENT,
                payload={"text": text, "broadcast_id": broadcast.pk},
                dedupe_key=f"announcement:{broadcast.pk}:{user.pk}",
                broadcast=broadcast,
            )
            count += row is not None
        broadcast.recipients = count
        broadcast.save(update_fields=["recipients"])
    return broadcast
