"""JSON shapes of notifications: one notification (the inbox and the `me` push), preferences."""

from __future__ import annotations

from django.conf import settings

from notifications import rendering
from notifications.enrichment import rating_enrich
from notifications.models import (
    Kind,
    Notification,
    NotificationPreference,
    NotificationProfile,
)
from notifications.preferences import DEFAULT_CHANNELS, telegram_reachable


def notification_data(notification: Notification, user) -> dict:
    """The JSON shape of one notification (the inbox and the `me` push)."""
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
