"""Notification services: write the outbox (`notify`), deliver it, sweep it, preferences.

`notify()` is the one entry point for every feature that tells a player something. Call it
*inside* the transaction that makes the change being reported: the row commits or rolls back with
that change, and delivery is enqueued only after commit. If the broker is down at that moment the
row simply stays pending and the beat sweep (`notification_sweep`, every 30 s) delivers it later.

Quiet hours (the user's, in the club's time zone):

* booking_confirmed and table_free are answers to something the player just did or asked for:
  they go at once, silently (Telegram's `disable_notification`).
* a booking reminder that falls in quiet hours is moved to the end of the quiet hours — unless
  that end is at or after the booking's start (too late to be of use): then it goes at its
  original time, silently, because missing a paid booking is worse than a silent message.
* every other kind is moved to the end of the quiet hours.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connections, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.metrics import NOTIFICATION_RETRIES, NOTIFICATIONS
from realtime.notifications import rendering, telegram
from realtime.notifications.models import (
    Channel,
    Kind,
    Notification,
    NotificationPreference,
    NotificationProfile,
)

logger = logging.getLogger(__name__)

# Kinds sent at once (silently) even in quiet hours.
QUIET_SILENT_KINDS = {Kind.BOOKING_CONFIRMED, Kind.TABLE_FREE}
# A preference row missing means: Telegram (and in the app) for every kind.
DEFAULT_CHANNELS: dict[str, str] = {kind: Channel.TELEGRAM for kind in Kind.values}
# Transient failures (5xx, network, long 429s) are retried this many times in all.
MAX_ATTEMPTS = 8
SWEEP_BATCH = 500


def _retry_delay(attempts: int) -> timedelta:
    # 30 s, 1 min, 2 min … capped at 30 min between tries.
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 1800))


# --- preferences ---------------------------------------------------------------------------------


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


# --- the outbox ----------------------------------------------------------------------------------


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
        _push(notification, user)
    if via == Notification.Via.TELEGRAM and due_now and broadcast is None:
        # A broadcast's hundreds of rows are left to the sweep (every 30 s, within the rate
        # limit) rather than hundreds of tasks — or, with eager Celery, sends inside the
        # admin's request.
        transaction.on_commit(partial(_enqueue_delivery, notification.pk))
    return notification


_background: ThreadPoolExecutor | None = None
_background_lock = threading.Lock()


def _background_executor() -> ThreadPoolExecutor:
    global _background
    with _background_lock:
        if _background is None:
            _background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="notify")
        return _background


def _deliver_in_background(notification_id: int) -> None:
    try:
        notification_deliver(notification_id=notification_id)
    except Exception:  # noqa: BLE001 - the sweep retries what was not delivered
        logger.exception("background delivery of notification %s failed", notification_id)
    finally:
        connections.close_all()


def _enqueue_delivery(notification_id: int) -> None:
    from realtime.notifications.tasks import deliver_notification

    if settings.NOTIFICATIONS_DELIVER_IN_BACKGROUND:
        # The embedded mode (eager Celery, no worker): the Telegram call must not hold up the
        # player's request, so one background thread of this process delivers, in order.
        context = contextvars.copy_context()  # the request id, for the delivery's log lines
        _background_executor().submit(context.run, _deliver_in_background, notification_id)
        return
    try:
        deliver_notification.delay(notification_id)
    except Exception as exc:  # noqa: BLE001 - broker down: the sweep delivers it later
        logger.warning(
            "notification %s not enqueued (%s); the sweep will send it", notification_id, exc
        )


def _push(notification: Notification, user) -> None:
    """The `me` topic push (after commit). Tolerates the realtime layer's absence."""
    try:
        from realtime.broadcast import publish_to_user
    except ImportError:  # pragma: no cover - the realtime layer is not there yet
        return
    from realtime.notifications.selectors import notification_data

    try:
        publish_to_user(
            user.pk,
            data={"kind": "notification", "notification": notification_data(notification, user)},
        )
    except Exception:  # noqa: BLE001 - an in-app push never breaks the change it reports
        logger.exception("notification push failed")


def notification_deliver(*, notification_id: int) -> str:
    """Deliver one due pending notification; returns the outcome (for logs and tests):
    "sent", "in_app", "retry", "failed", "throttled", "waiting", "cancelled" or "skipped" (not
    ours to send now).

    At most once, without holding a lock over the network: (1) a short transaction claims the row
    with `select_for_update(skip_locked=True)` and marks it `sending` — no one else takes a row in
    that state; (2) the Telegram call runs outside any transaction; (3) a second short transaction
    records the outcome. A sender that dies between (1) and (3) leaves the row `sending`; the
    sweep later marks it failed ("outcome unknown"), never sends it again.
    """
    User = get_user_model()
    now = timezone.now()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, status=Notification.Status.PENDING, send_after__lte=now)
            .first()
        )
        if notification is None:
            return "skipped"
        user = User.objects.get(pk=notification.user_id)
        profile = profile_of(user)
        outcome = _claim_locked(notification, user, profile, now)
        if outcome is not None:
            _push_once(notification, user)
            return outcome
        rating_enrich(notification, save=True)
        text, markup = rendering.message_for(notification, user)

    # (2) The call: no transaction open, no row or database lock held.
    error: Exception | None = None
    result = None
    try:
        result = telegram.get_client().send_message(
            user.telegram_id, text, reply_markup=markup, disable_notification=notification.silent
        )
    except (
        telegram.TelegramUnreachable,
        telegram.TelegramBadRequest,
        telegram.TelegramRetryAfter,
        telegram.TelegramTransientError,
        telegram.TelegramNotConfigured,
    ) as exc:
        error = exc
    except Exception as exc:  # noqa: BLE001 - unexpected: record it rather than leave it sending
        error = telegram.TelegramTransientError(f"sendMessage: {type(exc).__name__}")

    # (3) The outcome.
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        if notification.status != Notification.Status.SENDING:
            return "skipped"  # marked stale meanwhile: that verdict stands
        outcome = _record_locked(notification, user, result, error, timezone.now())
        _push_once(notification, user)
        return outcome


def _push_once(notification, user) -> None:
    if not notification.pushed and notification.status in (
        Notification.Status.SENT,
        Notification.Status.FAILED,
    ):
        notification.pushed = True
        notification.save(update_fields=["pushed"])
        _push(notification, user)


def _claim_locked(notification, user, profile, now) -> str | None:
    """Settle the row without Telegram when possible (returns the outcome), or mark it
    `sending` and return None: the caller sends it."""
    kind = notification.kind
    if kind == Kind.BOOKING_REMINDER:
        from realtime.notifications.receivers import booking_still_confirmed

        if not booking_still_confirmed((notification.payload or {}).get("booking_id")):
            # Cancelled, checked in or gone since the reminder was written.
            notification.status = Notification.Status.CANCELLED
            notification.save(update_fields=["status"])
            return "cancelled"

    if notification.via == Notification.Via.IN_APP or not telegram_reachable(user, profile):
        # In the app only (by choice, or Telegram is not possible for this user now).
        return _in_app(notification, now)

    from realtime.notifications import ratelimit

    wait = ratelimit.acquire(user.telegram_id)
    if wait is not None:
        # Over the shared send rate: try again shortly, without counting an attempt.
        notification.send_after = now + timedelta(seconds=max(wait, 1))
        notification.save(update_fields=["send_after"])
        return "throttled"

    if not rating_ready(notification) and notification.created_at > now - RATING_WAIT:
        # The stats task (after the same commit) has not written the new rating yet.
        notification.send_after = now + timedelta(seconds=10)
        notification.save(update_fields=["send_after"])
        return "waiting"

    notification.status = Notification.Status.SENDING
    notification.claimed_at = now
    notification.save(update_fields=["status", "claimed_at"])
    return None


def _in_app(notification, now) -> str:
    notification.via = Notification.Via.IN_APP
    notification.status = Notification.Status.SENT
    notification.sent_at = now
    notification.save(update_fields=["via", "status", "sent_at"])
    NOTIFICATIONS.labels(kind=notification.kind, outcome="in_app").inc()
    return "in_app"


def _record_locked(notification, user, result, error, now) -> str:
    """Save the Telegram call's outcome on the `sending` row."""
    kind = notification.kind
    if isinstance(error, telegram.TelegramUnreachable):
        _mark_unreachable(user, str(error.description or error), now)
        return _fail(notification, str(error))
    if isinstance(error, telegram.TelegramBadRequest):
        return _fail(notification, str(error))
    if isinstance(error, telegram.TelegramRetryAfter | telegram.TelegramTransientError):
        notification.attempts += 1
        notification.last_error = str(error)[:500]
        if notification.attempts >= MAX_ATTEMPTS:
            return _fail(notification, str(error))
        delay = _retry_delay(notification.attempts)
        if isinstance(error, telegram.TelegramRetryAfter):
            delay = max(delay, timedelta(seconds=error.retry_after))
        notification.status = Notification.Status.PENDING
        notification.send_after = now + delay
        notification.save(update_fields=["status", "attempts", "last_error", "send_after"])
        NOTIFICATION_RETRIES.labels(kind=kind).inc()
        NOTIFICATIONS.labels(kind=kind, outcome="retried").inc()
        logger.warning(
            "notification %s: %s; retry at %s", notification.pk, error, notification.send_after
        )
        return "retry"
    if isinstance(error, telegram.TelegramNotConfigured):
        return _in_app(notification, now)

    notification.status = Notification.Status.SENT
    notification.sent_at = now
    notification.attempts += 1
    notification.last_error = ""
    notification.telegram_message_id = (result or {}).get("message_id")
    notification.save(
        update_fields=["status", "sent_at", "attempts", "last_error", "telegram_message_id"]
    )
    NOTIFICATIONS.labels(kind=kind, outcome="sent").inc()
    return "sent"


def _fail(notification, error: str) -> str:
    notification.attempts += 1
    notification.status = Notification.Status.FAILED
    notification.last_error = error[:500]
    notification.save(update_fields=["attempts", "status", "last_error"])
    NOTIFICATIONS.labels(kind=notification.kind, outcome="failed").inc()
    logger.warning("notification %s failed: %s", notification.pk, error)
    return "failed"


def _mark_unreachable(user, reason: str, now) -> None:
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


STALE_SENDING = timedelta(minutes=5)
MSG_OUTCOME_UNKNOWN = (
    "outcome unknown: the sender stopped during the Telegram call; not sent again (at most once)"
)


def _fail_stale_sending(now, limit: int) -> int:
    """Rows left `sending` by a sender that died mid-call: failed, never resent."""
    count = 0
    stale = Notification.objects.filter(
        status=Notification.Status.SENDING, claimed_at__lt=now - STALE_SENDING
    ).values_list("id", flat=True)[:limit]
    for notification_id in list(stale):
        with transaction.atomic():
            row = (
                Notification.objects.select_for_update(skip_locked=True)
                .filter(pk=notification_id, status=Notification.Status.SENDING)
                .first()
            )
            if row is not None:
                _fail(row, MSG_OUTCOME_UNKNOWN)
                count += 1
    return count


def notification_sweep(*, limit: int = SWEEP_BATCH) -> dict[str, int]:
    """Deliver pending notifications whose time has come (the beat task, every 30 s), and fail
    rows a dead sender left `sending` for over STALE_SENDING.

    Safe to run concurrently with itself and with the after-commit tasks: each row is claimed
    under `skip_locked`, so a row is sent once whoever gets it first.
    """
    now = timezone.now()
    stale = _fail_stale_sending(now, limit)
    ids = list(
        Notification.objects.filter(status=Notification.Status.PENDING, send_after__lte=now)
        .order_by("send_after", "id")
        .values_list("id", flat=True)[:limit]
    )
    outcomes: dict[str, int] = {}
    for notification_id in ids:
        try:
            outcome = notification_deliver(notification_id=notification_id)
        except Exception:  # noqa: BLE001 - one bad row must not stop the sweep
            logger.exception("notification %s: delivery crashed", notification_id)
            outcome = "error"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if stale:
        outcomes["stale"] = stale
    return outcomes


def notification_retry(*, notification_ids) -> int:
    """Admin "retry failed": failed rows go back to pending, due now. Returns how many."""
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update()
            .filter(pk__in=list(notification_ids), status=Notification.Status.FAILED)
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=rows).update(
            status=Notification.Status.PENDING, send_after=timezone.now(), last_error=""
        )
        for pk in rows:
            transaction.on_commit(partial(_enqueue_delivery, pk))
    return len(rows)


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


# --- sources: match results, table watches, invites, broadcasts ------------------------------------


def _rating_of(user_id: int, family: str) -> int | None:
    try:
        from stats.models import Rating
    except ImportError:  # pragma: no cover - stats not installed
        return None
    return (
        Rating.objects.filter(player_id=user_id, family=family)
        .values_list("display", flat=True)
        .first()
    )


# How long a match result waits for the stats task to write the new rating before it is sent
# without one.
RATING_WAIT = timedelta(minutes=2)


def rating_ready(notification: Notification) -> bool:
    """True when the stats have processed the match since the result was written (or there are
    no stats to wait for)."""
    payload = notification.payload or {}
    if notification.kind != Kind.MATCH_RESULT or not payload.get("family"):
        return True
    try:
        from stats.models import ProcessedMatch
    except ImportError:  # pragma: no cover - stats not installed
        return True
    return ProcessedMatch.objects.filter(
        match_id=payload.get("match_id"), processed_at__gte=notification.created_at
    ).exists()


def rating_enrich(notification: Notification, *, save: bool = False) -> None:
    """Fill `rating`/`rating_change` of a match result from the stats once they are written.

    The result is announced from `match_finished`, possibly before the stats receiver has
    updated the rating in the same transaction; the rating before is stored, the rating after is
    read when the message is rendered (after commit)."""
    payload = notification.payload or {}
    if notification.kind != Kind.MATCH_RESULT or "rating" in payload or not payload.get("family"):
        return
    if not rating_ready(notification):
        return
    now_rating = _rating_of(notification.user_id, payload["family"])
    if now_rating is None:
        return
    payload["rating"] = now_rating
    before = payload.get("rating_before")
    if before is not None:
        payload["rating_change"] = now_rating - int(before)
    notification.payload = payload
    if save:
        notification.save(update_fields=["payload"])


def match_result_notify(*, match, **_kwargs) -> int:
    """A match finished: tell each registered player the result (dedupe per match, player and
    result, so a corrected result is announced again). Returns how many rows were written."""
    try:
        from games.rules import FAMILY
    except ImportError:  # pragma: no cover
        FAMILY = {}
    sides = list(match.sides.prefetch_related("players").order_by("index"))
    if len(sides) != 2:
        return 0
    state = match.state or {}
    frames = state.get("frames") or [0, 0]
    family = FAMILY.get(match.discipline, "")
    names = [
        ", ".join(p.display_name for p in side.players.all()) or side.guest_name for side in sides
    ]
    written = 0
    for side in sides:
        index = side.index
        mine, theirs = frames[index], frames[1 - index]
        for player in side.players.all():
            payload = {
                "match_id": match.pk,
                "won": match.winner_side == index,
                "score": f"{mine}:{theirs}",
                "opponent": names[1 - index],
                "discipline": match.discipline,
                "family": family,
                "rating_before": _rating_of(player.pk, family) if family else None,
            }
            row = notify(
                user=player,
                kind=Kind.MATCH_RESULT,
                payload=payload,
                dedupe_key=f"match_result:{match.pk}:{player.pk}:{match.winner_side}:{mine}-{theirs}",
            )
            written += row is not None
    return written


def table_watch_create(*, user, club, table_kind: str, until: datetime | None = None):
    """Ask to be told when a table of `table_kind` frees up, until the club's night ends
    (06:00 club time by default). A second request for the same kind extends the open one."""
    from realtime.notifications.models import TableWatch

    tz = club.tz
    if until is None:
        local = timezone.now().astimezone(tz)
        end_day = local.date() + timedelta(days=1 if local.hour >= 6 else 0)
        until = datetime.combine(end_day, time(6, 0), tzinfo=tz)
    with transaction.atomic():
        watch = (
            TableWatch.objects.select_for_update()
            .filter(user=user, club=club, table_kind=table_kind, notified_at__isnull=True)
            .first()
        )
        if watch is None:
            return TableWatch.objects.create(
                user=user, club=club, table_kind=table_kind, until=until
            )
        watch.until = max(watch.until, until)
        watch.save(update_fields=["until"])
        return watch


def table_watch_cancel(*, user, watch_id: int) -> bool:
    from realtime.notifications.models import TableWatch

    deleted, _rows = TableWatch.objects.filter(
        user=user, pk=watch_id, notified_at__isnull=True
    ).delete()
    return bool(deleted)


def table_watches_fire(*, club_id: int, table_kind: str, table=None) -> int:
    """A table of this kind just became free: one message per open watch, then it is done."""
    from realtime.notifications.selectors import open_watches

    now = timezone.now()
    fired = 0
    with transaction.atomic():
        watches = list(
            open_watches(club_id=club_id, table_kind=table_kind)
            .select_for_update(skip_locked=True)
            .select_related("user")
        )
        for watch in watches:
            watch.notified_at = now
            watch.save(update_fields=["notified_at"])
            notify(
                user=watch.user,
                kind=Kind.TABLE_FREE,
                payload={
                    "table": str(getattr(table, "number", "") or "") if table else "",
                    "table_kind": table_kind,
                },
                dedupe_key=f"table_free:{watch.pk}",
            )
            fired += 1
    return fired


# --- match invites ---------------------------------------------------------------------------------

MAX_PENDING_INVITES = 10


def invite_create(*, from_user, to_user, discipline: str, message: str = ""):
    """Invite `to_user` to a match; they get a `match_invite` with Accept / Decline buttons.

    Raises Unprocessable (`invite_self`), Conflict (`invite_exists` when a pending invite for the
    same pair and discipline exists, `too_many_invites` over MAX_PENDING_INVITES)."""
    from django.utils.translation import gettext as _

    from core.errors import Conflict, Unprocessable
    from realtime.notifications.models import DISCIPLINES, MatchInvite

    if from_user.pk == to_user.pk:
        raise Unprocessable(_("You cannot invite yourself."), code="invite_self")
    with transaction.atomic():
        # Serialise one sender's invites (the pending checks below).
        get_user_model().objects.select_for_update().filter(pk=from_user.pk).first()
        pending = MatchInvite.objects.filter(from_user=from_user, status=MatchInvite.Status.PENDING)
        if pending.filter(to_user=to_user, discipline=discipline).exists():
            raise Conflict(_("You have already invited this player."), code="invite_exists")
        if pending.count() >= MAX_PENDING_INVITES:
            raise Conflict(
                _("Too many invites are waiting for an answer."), code="too_many_invites"
            )
        invite = MatchInvite.objects.create(
            from_user=from_user, to_user=to_user, discipline=discipline, message=message.strip()
        )
        notify(
            user=to_user,
            kind=Kind.MATCH_INVITE,
            payload={
                "invite_id": invite.pk,
                "from_name": from_user.display_name,
                "from_user_id": from_user.pk,
                "discipline": discipline,
                "discipline_name": str(dict(DISCIPLINES).get(discipline, discipline)),
                "message": invite.message,
            },
            dedupe_key=f"match_invite:{invite.pk}",
        )
    return invite


def invite_respond(*, user, invite_id: int, accept: bool):
    """The invited player accepts or declines; the inviter is told. Answering the same way again
    is a no-op (a double tap in the bot). Raises NotFound (`invite_not_found`, also for someone
    else's invite) and Conflict (`invite_closed`: already answered the other way or cancelled)."""
    from django.utils.translation import gettext as _

    from core.errors import Conflict, NotFound
    from realtime.notifications.models import DISCIPLINES, MatchInvite

    status = MatchInvite.Status.ACCEPTED if accept else MatchInvite.Status.DECLINED
    with transaction.atomic():
        invite = (
            MatchInvite.objects.select_for_update()
            .filter(pk=invite_id, to_user=user)
            .select_related("from_user")
            .first()
        )
        if invite is None:
            raise NotFound(_("Invite not found."), code="invite_not_found")
        if invite.status == status:
            return invite
        if invite.status != MatchInvite.Status.PENDING:
            raise Conflict(_("This invite is closed."), code="invite_closed", status=invite.status)
        invite.status = status
        invite.responded_at = timezone.now()
        invite.save(update_fields=["status", "responded_at"])
        notify(
            user=invite.from_user,
            kind=Kind.MATCH_INVITE,
            payload={
                "invite_id": invite.pk,
                "response": status,
                "by_name": user.display_name,
                "discipline": invite.discipline,
                "discipline_name": str(dict(DISCIPLINES).get(invite.discipline, invite.discipline)),
            },
            dedupe_key=f"match_invite_reply:{invite.pk}",
        )
    return invite


def invite_cancel(*, user, invite_id: int):
    from django.utils.translation import gettext as _

    from core.errors import NotFound
    from realtime.notifications.models import MatchInvite

    with transaction.atomic():
        invite = (
            MatchInvite.objects.select_for_update()
            .filter(pk=invite_id, from_user=user, status=MatchInvite.Status.PENDING)
            .first()
        )
        if invite is None:
            raise NotFound(_("Invite not found."), code="invite_not_found")
        invite.status = MatchInvite.Status.CANCELLED
        invite.responded_at = timezone.now()
        invite.save(update_fields=["status", "responded_at"])
        notification_cancel(dedupe_key=f"match_invite:{invite.pk}")
    return invite


# --- broadcasts ------------------------------------------------------------------------------------


def broadcast_audience(*, audience: str, table_kind: str = ""):
    """The users a broadcast goes to (active; opted in to bot messages)."""
    from realtime.notifications.models import Broadcast

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
    from django.db.models import Q

    return Q(bookings__table__kind=table_kind) | Q(table_sessions__table__kind=table_kind)


def broadcast_create(*, created_by, audience: str, text: str, table_kind: str = ""):
    """Write a staff announcement and one outbox row per recipient (one transaction); the beat
    sweep delivers them within the shared rate limit (the admin list shows the progress).
    Returns the Broadcast."""
    from realtime.notifications.models import Broadcast

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


def achievement_notify(*, user, code: str, title: str, description: str = "", icon: str = ""):
    """For the stats code: tell the player about an achievement just awarded (call it inside the
    awarding transaction; not when history is recomputed). Once per player and code."""
    return notify(
        user=user,
        kind=Kind.ACHIEVEMENT,
        payload={"code": code, "title": title, "description": description, "icon": icon},
        dedupe_key=f"achievement:{user.pk}:{code}",
    )
