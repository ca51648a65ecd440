"""Notification reads: the inbox, preferences, invites, table watches, the backlog, a booking's
state. Their JSON shapes are in `notifications.serializers`."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone

from games.models import Booking
from notifications import preferences, rendering
from notifications.models import (
    MatchInvite,
    Notification,
    NotificationPreference,
    NotificationProfile,
    TableWatch,
)

INBOX_STATUSES = (Notification.Status.SENT, Notification.Status.FAILED)


def inbox_for(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's delivered notifications, newest first (a failed Telegram send still shows)."""
    queryset = Notification.objects.filter(user=user, status__in=INBOX_STATUSES)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset.order_by("-created_at", "-id")


def unread_count(*, user) -> int:
    return inbox_for(user=user, unread_only=True).count()


@dataclass(frozen=True)
class PreferencesRead:
    #: kind → the channel the user chose (kinds left at their default are missing).
    channels: dict[str, str]
    profile: NotificationProfile | None
    #: The club's time zone: quiet hours are club time.
    time_zone: ZoneInfo


def preferences_of(*, user) -> PreferencesRead:
    """What the user chose: channels per kind, the profile (quiet hours, Telegram reachability)."""
    return PreferencesRead(
        channels=dict(
            NotificationPreference.objects.filter(user=user).values_list("kind", "channel")
        ),
        profile=preferences.profile_of(user),
        time_zone=rendering.club_tz(),
    )


def invites_for(*, user) -> QuerySet[MatchInvite]:
    """Pending invites to and from the user, newest first."""
    return (
        MatchInvite.objects.filter(Q(to_user=user) | Q(from_user=user))
        .filter(status=MatchInvite.Status.PENDING)
        .select_related("from_user", "to_user")
        .order_by("-created_at", "-id")
    )


def watches_for(*, user) -> QuerySet[TableWatch]:
    """The user's table watches still waiting for a free table."""
    return TableWatch.objects.filter(
        user=user, notified_at__isnull=True, until__gt=timezone.now()
    ).order_by("created_at", "id")


def open_watches(*, club_id: int, table_kind: str) -> QuerySet[TableWatch]:
    return TableWatch.objects.filter(
        club_id=club_id,
        table_kind=table_kind,
        notified_at__isnull=True,
        until__gt=timezone.now(),
    ).order_by("created_at", "id")


def backlog_count() -> int:
    """Pending notifications already due (the backlog gauge)."""
    return Notification.objects.filter(
        status=Notification.Status.PENDING, send_after__lte=timezone.now()
    ).count()


def booking_still_confirmed(booking_id) -> bool:
    """Is the booking a reminder is about still confirmed (not cancelled, checked in or gone)?"""
    return Booking.objects.filter(pk=booking_id, status="confirmed").exists()
