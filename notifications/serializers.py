"""JSON shapes of notifications (one notification: the inbox and the `me` push; preferences;
invites; table watches) and the inputs of its API."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from core.api import InputSerializer
from notifications import rendering
from notifications.enrichment import rating_enrich
from notifications.models import DISCIPLINES, Channel, Kind, Notification
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


def preferences_data(user, read) -> dict:
    """`GET /api/me/notifications/` (`read`: `selectors.preferences_of(user=user)`)."""
    profile = read.profile
    quiet = None
    if profile and profile.has_quiet_hours:
        quiet = {
            "start": profile.quiet_start.strftime("%H:%M"),
            "end": profile.quiet_end.strftime("%H:%M"),
        }
    return {
        "kinds": {kind: read.channels.get(kind, DEFAULT_CHANNELS[kind]) for kind in Kind.values},
        "quiet_hours": quiet,
        "time_zone": str(read.time_zone),
        "telegram": {
            "linked": bool(user.telegram_id),
            "enabled": bool(user.notifications_enabled),
            "reachable": telegram_reachable(user, profile),
            "unreachable_since": profile.unreachable_since if profile else None,
        },
    }


def mark_read_data(*, marked: int, unread: int) -> dict:
    return {"marked": marked, "unread": unread}


# --- input ----------------------------------------------------------------------------------


class InboxQuery(InputSerializer):
    unread = serializers.BooleanField(required=False, default=False, help_text="unread only")


class MarkReadInput(InputSerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=500
    )
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if not attrs.get("all") and not attrs.get("ids"):
            raise serializers.ValidationError("Give `ids` or `all: true`.", code="invalid_request")
        return attrs


class QuietHoursInput(InputSerializer):
    start = serializers.TimeField(format="%H:%M", input_formats=["%H:%M"])
    end = serializers.TimeField(format="%H:%M", input_formats=["%H:%M"])

    def validate(self, attrs):
        if attrs["start"] == attrs["end"]:
            raise serializers.ValidationError(
                "Quiet hours must start and end at different times.", code="invalid_request"
            )
        return attrs


class PreferencesInput(InputSerializer):
    kinds = serializers.DictField(
        child=serializers.ChoiceField(choices=Channel.choices), required=False
    )
    quiet_hours = QuietHoursInput(required=False, allow_null=True)

    def validate_kinds(self, value):
        unknown = sorted(set(value) - set(Kind.values))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown kind: {', '.join(unknown)}.", code="invalid_request"
            )
        return value


class InviteInput(InputSerializer):
    to_user = serializers.IntegerField(min_value=1)
    discipline = serializers.ChoiceField(choices=DISCIPLINES)
    message = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class WatchInput(InputSerializer):
    table_kind = serializers.ChoiceField(choices=["pyramid", "pool", "snooker"])


# --- output (DRF serializers of models, and the schemas of the shapes above) -----------------


class NotificationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.CharField()
    payload = serializers.JSONField()
    start_param = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    read = serializers.BooleanField()


class MarkReadOutput(serializers.Serializer):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()


class QuietHoursOutput(serializers.Serializer):
    start = serializers.CharField()
    end = serializers.CharField()


class TelegramStateOutput(serializers.Serializer):
    linked = serializers.BooleanField()
    enabled = serializers.BooleanField()
    reachable = serializers.BooleanField()
    unreachable_since = serializers.DateTimeField(allow_null=True)


class PreferencesOutput(serializers.Serializer):
    kinds = serializers.DictField(child=serializers.ChoiceField(choices=Channel.choices))
    quiet_hours = QuietHoursOutput(allow_null=True)
    time_zone = serializers.CharField()
    telegram = TelegramStateOutput()


class UserBrief(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class InviteOutput(serializers.Serializer):
    id = serializers.IntegerField()
    from_user = UserBrief()
    to_user = UserBrief()
    discipline = serializers.CharField()
    discipline_name = serializers.CharField(source="get_discipline_display")
    message = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    responded_at = serializers.DateTimeField(allow_null=True)


class WatchOutput(serializers.Serializer):
    id = serializers.IntegerField()
    table_kind = serializers.CharField()
    until = serializers.DateTimeField()
    notified_at = serializers.DateTimeField(allow_null=True)
