"""Preferences: the channel per kind, quiet hours, and whether Telegram can reach a player.

The quiet-hours rules (`quiet_until`, `schedule_for`) are pure functions of a profile, a moment and
a time zone. Quiet hours are the user's, in the club's time zone:

* booking_confirmed and table_free are answers to something the player just did or asked for:
  they go at once, silently (Telegram's `disable_notification`).
* a booking reminder that falls in quiet hours is moved to the end of the quiet hours — unless
  that end is at or after the booking's start (too late to be of use): then it goes at its
  original time, silently, because missing a paid booking is worse than a silent message.
* every other kind is moved to the end of the quiet hours.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils.dateparse import parse_datetime

from notifications import telegram
from notifications.models import (
    Channel,
    Kind,
    NotificationPreference,
    NotificationProfile,
)

# Kinds sent at once (silently) even in quiet hours.
QUIET_SILENT_KINDS = {Kind.BOOKING_CONFIRMED, Kind.TABLE_FREE}


# A preference row missing means: Telegram (and in the app) for every kind.
DEFAULT_CHANNELS: dict[str, str] = {kind: Channel.TELEGRAM for kind in Kind.values}


def channel_for(*, user, kind: str) -> str:
    pref = (
        NotificationPreference.objects.filter(user=user, kind=kind)
        .values_list("channel", flat=True)
        .first()
    )
    return pref or DEFAULT_CHANNELS.get(kind, Channel.TELEGRAM)


def profile_of(user) -> NotificationProfile | None:
    return NotificationProfile.objects.filter(user=user).first()


_UNKNOWN = object()


def telegram_reachable(user, profile=_UNKNOWN) -> bool:
    """True when a Telegram message may be attempted for this user now. `profile` is the
    user's NotificationProfile or None when they have none (read here when not given)."""
    if not telegram.bot_configured() or not user.telegram_id or not user.is_active:
        return False
    if not user.notifications_enabled:
        return False
    if profile is _UNKNOWN:
        profile = profile_of(user)
    return not (profile and profile.unreachable_since)


def quiet_until(profile: NotificationProfile | None, at: datetime, tz) -> datetime | None:
    """When `at` falls in the profile's quiet hours: the (aware) moment they end; else None."""
    if profile is None or not profile.has_quiet_hours:
        return None
    local = at.astimezone(tz)
    now_t, start, end = local.time(), profile.quiet_start, profile.quiet_end
    if start < end:  # e.g. 13:00–15:00
        if not start <= now_t < end:
            return None
        end_date = local.date()
    else:  # spans midnight, e.g. 23:00–08:00
        if now_t >= start:
            end_date = local.date() + timedelta(days=1)
        elif now_t < end:
            end_date = local.date()
        else:
            return None
    return datetime.combine(end_date, end, tzinfo=tz)


def schedule_for(
    *, kind: str, payload: dict, due: datetime, profile: NotificationProfile | None, tz
) -> tuple[datetime, bool]:
    """(send_after, silent) for a message due at `due`, applying the user's quiet hours."""
    quiet_end = quiet_until(profile, due, tz)
    if quiet_end is None:
        return due, False
    if kind in QUIET_SILENT_KINDS:
        return due, True
    if kind == Kind.BOOKING_REMINDER:
        start = parse_datetime(str(payload.get("start") or ""))
        if start is not None and quiet_end >= start:
            return due, True
    return quiet_end, False


def preferences_update(
    *,
    user,
    kinds: dict[str, str] | None = None,
    quiet_hours: tuple[time, time] | None | bool = False,
) -> None:
    """Set channels per kind and/or quiet hours (`None` clears them, `False` leaves them)."""
    with transaction.atomic():
        for kind, channel in (kinds or {}).items():
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"channel": channel}
            )
        if quiet_hours is not False:
            profile, _created = NotificationProfile.objects.select_for_update().get_or_create(
                user=user
            )
            start, end = quiet_hours if quiet_hours else (None, None)
            profile.quiet_start, profile.quiet_end = start, end
            profile.save(update_fields=["quiet_start", "quiet_end"])


def mark_unreachable(user, reason: str, now) -> None:
    profile, _created = NotificationProfile.objects.get_or_create(user=user)
    if profile.unreachable_since is None:
        profile.unreachable_since = now
        profile.unreachable_reason = reason[:200]
        profile.save(update_fields=["unreachable_since", "unreachable_reason"])


def user_mark_reachable(*, user) -> None:
    """The user wrote to the bot: Telegram delivery may be tried again."""
    NotificationProfile.objects.filter(user=user, unreachable_since__isnull=False).update(
        unreachable_since=None, unreachable_reason=""
    )
