"""Money at the table: the catalogue, items on a session's bill, pauses and transfer stretches,
who was at the table when, the split shares, payments and the staff shift (issue 18).

Money is integer kopecks. Two guarantees live in the database, not only in the services:

* a payment is recorded once: its idempotency key (a staff form's nonce, the player's request id,
  ``tg:<charge id>`` for a Telegram payment) is unique, so a retried request is answered with the
  payment it already made;
* at most one open pause per session and one open shift per club (partial unique constraints).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from games.models.bookings import Booking, TableSession
from games.models.club import Club, Table


class CatalogueItem(models.Model):
    """Something a club sells to the table: food, drinks, a cue rental."""

    class Category(models.TextChoices):
        DRINK = "drink", _("drinks")
        FOOD = "food", _("food")
        RENTAL = "rental", _("rental")
        OTHER = "other", _("other")

    club = models.ForeignKey(
        Club, on_delete=models.CASCADE, related_name="catalogue", verbose_name=_("club")
    )
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(
        _("category"), max_length=16, choices=Category.choices, default=Category.DRINK
    )
    price = models.PositiveIntegerField(_("price, kopecks"))
    is_available = models.BooleanField(_("available"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("catalogue item")
        verbose_name_plural = _("catalogue")
        ordering = ["club", "category", "position", "name"]

    def __str__(self) -> str:
        return self.name


class SessionItem(models.Model):
    """A line of food, drink or rental on a session's bill. Removing it keeps the row (with who,
    when and why), so the shift report and the audit see what was taken off."""

    session = models.ForeignKey(
        TableSession, on_delete=models.CASCADE, related_name="items", verbose_name=_("session")
    )
    item = models.ForeignKey(
        CatalogueItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Copied at the time it was added: a later price change never rewrites a bill.
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=16, default="other")
    price = models.PositiveIntegerField(_("price, kopecks"))
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    added_at = models.DateTimeField(_("added"))
    request_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    removal_reason = models.CharField(_("removal reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("item on the bill")
        verbose_name_plural = _("items on the bill")
        ordering = ["session", "added_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="session_item_quantity_pos")
        ]

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"

    @property
    def amount(self) -> int:
        return self.price * self.quantity

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class SessionPause(models.Model):
    """A pause of a running session: its minutes are not billed."""

    session = models.ForeignKey(TableSession, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField(_("paused"))
    ended_at = models.DateTimeField(_("resumed"), null=True, blank=True)

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["session", "started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session"],
                condition=Q(ended_at__isnull=True),
                name="session_pause_one_open",
                violation_error_code="session_paused",
            )
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%H:%M}–{self.ended_at:%H:%M}" if self.ended_at else "…"


class SessionStretch(models.Model):
    """A finished stretch of a session at a table it was transferred away from. The current
    stretch is implicit: ``session.table`` from the last stretch's end (or the start) on."""

    session = models.ForeignKey(TableSession, on_delete=models.CASCADE, related_name="stretches")
    table = models.ForeignKey(Table, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()

    class Meta:
        verbose_name = _("stretch")
        verbose_name_plural = _("stretches")
        ordering = ["session", "started_at"]

    def __str__(self) -> str:
        return f"{self.table}: {self.started_at:%H:%M}–{self.ended_at:%H:%M}"


class SessionPresence(models.Model):
    """When a player joined and left a session (the split "by time at the table")."""

    session = models.ForeignKey(TableSession, on_delete=models.CASCADE, related_name="presence")
    player = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "joined_at", "id"]
        indexes = [
            # A session's presence by player (add / remove a player, the time split).
            models.Index(fields=["session", "player"], name="session_presence_player"),
        ]

    def __str__(self) -> str:
        return f"{self.player} {self.joined_at:%H:%M}"


class SessionShare(models.Model):
    """One player's share of a split bill (the shares sum to the bill's total)."""

    class Mode(models.TextChoices):
        EQUAL = "equal", _("equally")
        TIME = "time", _("by time at the table")
        LOSER = "loser", _("the loser pays the table time")

    session = models.ForeignKey(TableSession, on_delete=models.CASCADE, related_name="shares")
    player = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    label = models.CharField(max_length=150)
    amount = models.PositiveIntegerField(_("amount, kopecks"))
    mode = models.CharField(max_length=8, choices=Mode.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        ordering = ["session", "position"]

    def __str__(self) -> str:
        return f"{self.label}: {self.amount}"


class Shift(models.Model):
    """A staff shift at the till: opened with the cash in the drawer, closed with the count."""

    club = models.ForeignKey(Club, on_delete=models.PROTECT, related_name="shifts")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"))
    opening_cash = models.PositiveIntegerField(_("cash at opening, kopecks"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    counted_cash = models.PositiveIntegerField(_("counted cash, kopecks"), null=True, blank=True)
    expected_cash = models.IntegerField(_("expected cash, kopecks"), null=True, blank=True)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["club"],
                condition=Q(closed_at__isnull=True),
                name="shift_one_open_per_club",
                violation_error_code="shift_open",
            )
        ]

    def __str__(self) -> str:
        if self.opened_at is None:
            return str(self.club)
        return f"{self.club} {self.opened_at:%Y-%m-%d %H:%M}"

    @property
    def cash_difference(self) -> int | None:
        if self.counted_cash is None or self.expected_cash is None:
            return None
        return self.counted_cash - self.expected_cash


class Payment(models.Model):
    """Money in (a payment) or out (a refund) for a session's bill."""

    class Method(models.TextChoices):
        CASH = "cash", _("cash")
        CARD = "card", _("card")
        ONLINE = "online", _("online (Telegram)")
        DEPOSIT = "deposit", _("booking deposit")

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("payment")
        REFUND = "refund", _("refund")

    # A session's payment, or a booking's deposit (before there is a session).
    session = models.ForeignKey(
        TableSession, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    booking = models.ForeignKey(
        Booking, on_delete=models.PROTECT, null=True, blank=True, related_name="deposit_payments"
    )
    share = models.ForeignKey(
        SessionShare, on_delete=models.SET_NULL, null=True, blank=True, related_name="payments"
    )
    shift = models.ForeignKey(
        Shift, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    refund_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="refunds"
    )
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.PAYMENT)
    amount = models.PositiveIntegerField(_("amount, kopecks"))
    tendered = models.PositiveIntegerField(_("tendered, kopecks"), null=True, blank=True)
    change = models.PositiveIntegerField(_("change, kopecks"), default=0)
    idempotency_key = models.CharField(max_length=100, unique=True)
    charge_id = models.CharField(_("provider charge id"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(session__isnull=False) | Q(booking__isnull=False),
                name="payment_for_session_or_booking",
            ),
        ]
        indexes = [
            # The shift report: a shift's payments.
            models.Index(fields=["shift", "method"], name="payment_shift_method"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.method}"

    @property
    def signed(self) -> int:
        return self.amount if self.kind == self.Kind.PAYMENT else -self.amount


class DepositRule(models.Model):
    """A club asks a deposit for bookings starting in this weekday/time window: an amount, or a
    percent of the booking's price at the tariffs."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="deposit_rules")
    weekdays = models.JSONField(_("weekdays"), default=list)  # 0=Mon .. 6=Sun
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("to"))  # end <= start: crosses midnight
    amount = models.PositiveIntegerField(_("amount, kopecks"), default=0)
    percent = models.PositiveSmallIntegerField(_("percent of the price"), default=0)

    class Meta:
        verbose_name = _("deposit rule")
        verbose_name_plural = _("deposit rules")
        ordering = ["club", "start_time"]

    def __str__(self) -> str:
        return f"{self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def applies(self, local) -> bool:
        t, day = local.time(), local.weekday()
        if self.end_time > self.start_time:
            return day in self.weekdays and self.start_time <= t < self.end_time
        return (day in self.weekdays and t >= self.start_time) or (
            (day - 1) % 7 in self.weekdays and t < self.end_time
        )
