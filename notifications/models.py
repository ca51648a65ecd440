"""Notifications: the outbox, per-user preferences, message templates, the bot's bookkeeping.

These models belonged to the `realtime` app until notifications became an app of its own; they
keep its table names (`db_table`), so the move touched no data (migration `notifications/0001`).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

__all__ = [
    "Broadcast",
    "Kind",
    "MatchInvite",
    "MessageTemplate",
    "Notification",
    "NotificationPreference",
    "NotificationProfile",
    "ProcessedUpdate",
    "TableWatch",
]


class Kind(models.TextChoices):
    BOOKING_CONFIRMED = "booking_confirmed", _("booking confirmed")
    BOOKING_REMINDER = "booking_reminder", _("booking reminder")
    BOOKING_CANCELLED = "booking_cancelled", _("booking cancelled")
    BOOKING_NO_SHOW = "booking_no_show", _("booking no-show")
    MATCH_INVITE = "match_invite", _("match invite")
    MATCH_RESULT = "match_result", _("match result")
    RESULT_CONFIRM = "result_confirm", _("result to confirm")
    RESULT_UPDATE = "result_update", _("result confirmed, disputed or settled")
    ACHIEVEMENT = "achievement", _("achievement earned")
    TABLE_FREE = "table_free", _("table free again")
    ANNOUNCEMENT = "announcement", _("club announcement")
    SESSION_BILL = "session_bill", _("the bill of a table session")


class Channel(models.TextChoices):
    TELEGRAM = "telegram", _("Telegram and in the app")
    IN_APP = "in_app", _("in the app only")
    OFF = "off", _("off")


class Notification(models.Model):
    """One message to one user: the outbox row.

    Written by `services.notify()` in the transaction of the change it reports. A Telegram row
    is delivered by `services.notification_deliver()`, which claims it with
    `select_for_update(skip_locked=True)` and records the outcome in the same transaction, so a
    row is sent at most once however many workers and sweeps race for it. While the Telegram
    call runs the row is `sending` (no lock is held over the network); `claimed_at` says since when.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    class Via(models.TextChoices):
        TELEGRAM = "telegram", _("Telegram")
        IN_APP = "in_app", _("in the app")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=200)
    via = models.CharField(_("delivered via"), max_length=16, choices=Via.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    # Sent without sound (Telegram's disable_notification): a time-critical message in quiet hours.
    silent = models.BooleanField(_("silent"), default=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    send_after = models.DateTimeField(_("send after"))
    claimed_at = models.DateTimeField(_("claimed for sending"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    telegram_message_id = models.BigIntegerField(_("Telegram message id"), null=True, blank=True)
    # Pushed on the user's `me` topic (when due: at once, or by the delivery of a deferred row).
    pushed = models.BooleanField(_("pushed in the app"), default=False)
    broadcast = models.ForeignKey(
        "notifications.Broadcast",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("broadcast"),
    )

    class Meta:
        db_table = "realtime_notification"  # the table from before notifications/ was an app
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], name="notification_dedupe_key_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed", "cancelled"]),
                name="notification_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(status="sent"),
                name="notification_sent_at_only_when_sent",
            ),
        ]
        indexes = [
            # The sweep and the backlog gauge: pending rows whose time has come.
            models.Index(fields=["status", "send_after"], name="notification_status_due"),
            # The inbox: a user's delivered messages, newest first (and the unread count).
            models.Index(fields=["user", "status", "-created_at"], name="notification_user_inbox"),
            # Admin filters and the broadcast progress counts.
            models.Index(fields=["broadcast", "status"], name="notification_broadcast"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.user_id} ({self.status})"


class NotificationPreference(models.Model):
    """How a user wants one kind: Telegram (and in the app), in the app only, or not at all.
    A missing row means the kind's default (`services.DEFAULT_CHANNELS`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)

    class Meta:
        db_table = (
            "realtime_notificationpreference"  # the table from before notifications/ was an app
        )
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"], name="notification_preference_user_kind_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.channel}"


class NotificationProfile(models.Model):
    """Per-user notification state: quiet hours (club time) and Telegram reachability."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_profile",
        verbose_name=_("user"),
        primary_key=True,
    )
    # Quiet hours in the club's time zone; start > end spans midnight (23:00–08:00).
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    # Set when Telegram refused delivery for good (blocked the bot, chat not found); cleared when
    # the user writes to the bot again. While set, no Telegram message is attempted.
    unreachable_since = models.DateTimeField(_("unreachable since"), null=True, blank=True)
    unreachable_reason = models.CharField(_("unreachable reason"), max_length=200, blank=True)

    class Meta:
        db_table = "realtime_notificationprofile"  # the table from before notifications/ was an app
        verbose_name = _("notification profile")
        verbose_name_plural = _("notification profiles")
        constraints = [
            models.CheckConstraint(
                condition=(Q(quiet_start__isnull=True) & Q(quiet_end__isnull=True))
                | (
                    Q(quiet_start__isnull=False)
                    & Q(quiet_end__isnull=False)
                    & ~Q(quiet_start=F("quiet_end"))
                ),
                name="notification_profile_quiet_hours_pair",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user_id)

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_start is not None and self.quiet_end is not None


class MessageTemplate(models.Model):
    """A manager's override of a message text (Django template syntax, Telegram HTML).
    Without an active row for the kind and language the file template is used."""

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    body = models.TextField(
        _("text"),
        help_text=_(
            "Django template syntax; Telegram HTML tags <b>, <i>, <a href> are allowed. "
            "Variables: see the preview."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        db_table = "realtime_messagetemplate"  # the table from before notifications/ was an app
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["kind", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "language"], name="message_template_kind_language_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"


class ProcessedUpdate(models.Model):
    """A Telegram update seen by the webhook (or polling): a repeated `update_id` is ignored.
    `handled_at` is set once the bot acted on it; the sweep re-queues old unhandled ones."""

    update_id = models.BigIntegerField(_("update id"), primary_key=True)
    payload = models.JSONField(_("update"), default=dict)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)

    class Meta:
        db_table = "realtime_processedupdate"  # the table from before notifications/ was an app
        verbose_name = _("Telegram update")
        verbose_name_plural = _("Telegram updates")
        indexes = [
            # The sweep: updates received but not handled (broker was down).
            models.Index(fields=["handled_at", "received_at"], name="processed_update_unhandled"),
        ]

    def __str__(self) -> str:
        return str(self.update_id)


DISCIPLINES = [
    ("pyramid_free", _("free pyramid")),
    ("pyramid_moscow", _("Moscow pyramid")),
    ("pyramid_nevskaya", _("Nevskaya pyramid")),
    ("pool_8", _("8-ball")),
    ("pool_9", _("9-ball")),
    ("pool_10", _("10-ball")),
    ("straight_pool", _("straight pool (14.1)")),
    ("snooker", _("snooker")),
]


class MatchInvite(models.Model):
    """One player invites another to a match; answered in the bot or in the Mini App."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        CANCELLED = "cancelled", _("cancelled")

    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="invites_sent",
        verbose_name=_("from"),
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="invites_received",
        verbose_name=_("to"),
    )
    discipline = models.CharField(_("discipline"), max_length=32, choices=DISCIPLINES)
    message = models.CharField(_("message"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        db_table = "realtime_matchinvite"  # the table from before notifications/ was an app
        verbose_name = _("match invite")
        verbose_name_plural = _("match invites")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_user=F("to_user")), name="match_invite_not_self"
            ),
        ]
        indexes = [
            # "Invites for me" and the per-pair pending check.
            models.Index(fields=["to_user", "status"], name="match_invite_to_status"),
            # "Invites I sent" and the sender's pending limit.
            models.Index(fields=["from_user", "status"], name="match_invite_from_status"),
        ]

    def __str__(self) -> str:
        return f"{self.from_user_id} → {self.to_user_id} {self.discipline} ({self.status})"


class TableWatch(models.Model):
    """ "Tell me when a table of this kind is free tonight": one message, then done."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="table_watches",
        verbose_name=_("user"),
    )
    club = models.ForeignKey(
        "games.Club", on_delete=models.CASCADE, related_name="+", verbose_name=_("club")
    )
    table_kind = models.CharField(_("table kind"), max_length=16)
    until = models.DateTimeField(_("until"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    notified_at = models.DateTimeField(_("notified"), null=True, blank=True)

    class Meta:
        db_table = "realtime_tablewatch"  # the table from before notifications/ was an app
        verbose_name = _("table watch")
        verbose_name_plural = _("table watches")
        ordering = ["created_at", "id"]
        constraints = [
            # One open watch per user, club and kind.
            models.UniqueConstraint(
                fields=["user", "club", "table_kind"],
                condition=Q(notified_at__isnull=True),
                name="table_watch_one_open_per_kind",
            ),
        ]
        indexes = [
            # When a table frees up: open watches of its club and kind.
            models.Index(fields=["club", "table_kind", "until"], name="table_watch_open"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.table_kind} until {self.until:%H:%M}"


class Broadcast(models.Model):
    """A staff announcement to an audience; one outbox row per recipient."""

    class Audience(models.TextChoices):
        ALL = "all", _("everyone who opted in")
        DISCIPLINE = "discipline", _("players of a table kind")
        BOOKED_TODAY = "booked_today", _("players with a booking today")

    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    table_kind = models.CharField(
        _("table kind"),
        max_length=16,
        blank=True,
        help_text=_("For “players of a table kind”: pyramid, pool or snooker."),
    )
    text = models.TextField(_("text"), max_length=3000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        db_table = "realtime_broadcast"  # the table from before notifications/ was an app
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_audience_display()} {self.created_at:%Y-%m-%d %H:%M}"
