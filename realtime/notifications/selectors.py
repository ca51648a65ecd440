"""Notification reads: the inbox, preferences, invites, the backlog."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from realtime.notifications import rendering
from realtime.notifications.models import (
    Kind,
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


def notification_data(notification: Notification, user) -> dict:
    """The JSON shape of one notification (the inbox and the `me` push)."""
    from realtime.notifications.services import rating_enrich

    rating_enrich(notification)
    html = rendering.render_html(
        notification.kind,
        notification.payload or {},
        language=user.language or settings.LANGUAGE_CODE,
        user=user,
    )
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "text": rendering.html_to_text(html),
        "payload": notification.payload,
        "start_param": rendering.start_param(notification.kind, notification.payload or {}),
        "created_at": notification.created_at,
        "read": notification.read_at is not None,
    }


def preferences_for(*, user) -> dict:
    from realtime.notifications.services import DEFAULT_CHANNELS, telegram_reachable

    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "channel"))
    profile = NotificationProfile.objects.filter(user=user).first()
    quiet = None
    if profile and profile.has_quiet_hours:
        quiet = {
            "start": profile.quiet_start.strftime("%H:%M"),
            "end": profile.quiet_end.strftime("%H:%M"),
        }
    return {
        "kinds": {kind: chosen.get(kind, DEFAULT_CHANNELS[kind]) for kind in Kind.values},
        "quiet_hours": quiet,
        "time_zone": str(rendering.club_tz()),
        "telegram": {
            "linked": bool(user.telegram_id),
            "enabled": bool(user.notifications_enabled),
            "reachable": telegram_reachable(user, profile),
            "unreachable_since": profile.unreachable_since if profile else None,
        },
    }


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
