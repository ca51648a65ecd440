"""Bookings and table sessions (the table's rental) with their stored bill lines.

Two invariants live in the database, not only in the services:

* two active bookings of one table never overlap: an exclusion constraint on PostgreSQL
  (`btree_gist`, `tstzrange(start, end)` over the active statuses). SQLite has no such
  constraint; there the service serialises writers (IMMEDIATE transactions) and checks overlap
  inside its transaction.
* at most one open session per table: a partial unique constraint (both databases).
"""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Func, Q
from django.utils.translation import gettext_lazy as _

from games.models.club import Table, Tariff


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint that exists on PostgreSQL and is silently absent elsewhere.

    SQLite cannot express it (nor validate it in `full_clean`), so its SQL is empty there and
    `validate` is skipped; the booking service does the overlap check under its write lock.
    """

    def constraint_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if connections[using].vendor != "postgresql":
            return
        # A form that leaves out a field the constraint reads (the admin's booking form has no
        # `status`) cannot be checked here; the service checks and the database enforces it.
        if exclude and {"table", "start", "end", "status"} & set(exclude):
            return
        super().validate(model, instance, exclude=exclude, using=using)


class Booking(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        CANCELLED = "cancelled", _("cancelled")
        CHECKED_IN = "checked_in", _("checked in")
        NO_SHOW = "no_show", _("no-show")

    #: statuses that hold the table (overlap is forbidden among these)
    ACTIVE = (Status.CONFIRMED, Status.CHECKED_IN)

    table = models.ForeignKey(
        Table, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("table")
    )
    player = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("player"),
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.CONFIRMED
    )

    class Deposit(models.TextChoices):
        NONE = "none", _("no deposit")
        PENDING = "pending", _("waiting for the deposit")
        PAID = "paid", _("deposit paid")
        REFUNDED = "refunded", _("deposit refunded")
        KEPT = "kept", _("deposit kept (no-show)")
        CREDITED = "credited", _("deposit credited to the bill")

    # A club may ask a deposit (games.DepositRule): the booking holds until `deposit_due_at`.
    deposit_amount = models.PositiveIntegerField(_("deposit, kopecks"), default=0)
    deposit_status = models.CharField(
        _("deposit"), max_length=10, choices=Deposit.choices, default=Deposit.NONE
    )
    deposit_due_at = models.DateTimeField(_("deposit due by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="booking_end_after_start"
            ),
            PostgresExclusionConstraint(
                name="booking_no_overlap_per_table",
                expressions=[
                    ("table", RangeOperators.EQUAL),
                    (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=["confirmed", "checked_in"]),
                violation_error_code="slot_taken",
            ),
        ]
        indexes = [
            # Slots and the floor: a table's bookings around a time (also the overlap check).
            models.Index(fields=["table", "start"], name="booking_table_start"),
            # "My bookings" and the per-player active-booking limit.
            models.Index(fields=["player", "status", "start"], name="booking_player_status"),
            # The no-show sweep: confirmed bookings whose start has passed.
            models.Index(fields=["status", "start"], name="booking_status_start"),
        ]

    def __str__(self) -> str:
        return f"{self.table} {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


class TableSession(models.Model):
    """A table's rental: open while `ended_at` is empty; billed when closed."""

    table = models.ForeignKey(
        Table, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("table")
    )
    players = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="table_sessions",
        blank=True,
        verbose_name=_("players"),
    )
    booking = models.OneToOneField(
        Booking,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="session",
        verbose_name=_("booking"),
    )
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    # The bill (set on close): billed minutes, the total in kopecks, and the part of the total
    # that is not in the lines (minimum charge, rounding up).
    minutes = models.PositiveIntegerField(_("billed minutes"), default=0)
    amount = models.PositiveIntegerField(_("amount, kopecks"), default=0)
    adjustment = models.IntegerField(_("adjustment, kopecks"), default=0)
    # Money at the table (issue 18): the parts of `amount`, the staff's discount, what is paid.
    paused_minutes = models.PositiveIntegerField(_("paused minutes"), default=0)
    time_amount = models.PositiveIntegerField(_("table time, kopecks"), default=0)
    items_amount = models.PositiveIntegerField(_("items, kopecks"), default=0)
    discount_percent = models.PositiveSmallIntegerField(_("discount, %"), default=0)
    discount_amount = models.PositiveIntegerField(_("discount, kopecks"), default=0)
    discount_reason = models.CharField(_("discount reason"), max_length=200, blank=True)
    discount = models.PositiveIntegerField(_("discount taken off, kopecks"), default=0)
    paid_amount = models.IntegerField(_("paid, kopecks"), default=0)
    paid = models.BooleanField(_("paid"), default=False)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("table session")
        verbose_name_plural = _("table sessions")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["table"],
                condition=Q(ended_at__isnull=True),
                name="table_session_one_open_per_table",
                violation_error_code="table_busy",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="table_session_ends_after_start",
            ),
        ]
        indexes = [
            # Revenue of a day and the sessions list: closed sessions by end time.
            models.Index(fields=["ended_at"], name="table_session_ended_at"),
            # A table's history in the admin and the floor's open-session lookup.
            models.Index(fields=["table", "started_at"], name="table_session_table_start"),
        ]

    def __str__(self) -> str:
        if self.started_at is None:
            return str(self.table)
        return f"{self.table} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def owed(self) -> int:
        """What is still to pay on the bill (0 when paid or overpaid)."""
        return 0 if self.paid else max(0, self.amount - self.paid_amount)


class SessionBillLine(models.Model):
    """One tariff's share of a closed session's bill (games.billing.BillLine, stored)."""

    session = models.ForeignKey(
        TableSession, on_delete=models.CASCADE, related_name="bill_lines", verbose_name=_("session")
    )
    tariff = models.ForeignKey(
        Tariff,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tariff"),
    )
    # The table of the stretch (a transferred session is billed at each table's tariffs).
    table = models.ForeignKey(
        Table, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Copied from the tariff at billing time: a later price change never rewrites a bill.
    tariff_name = models.CharField(_("tariff"), max_length=60)
    price_per_hour = models.PositiveIntegerField(_("price per hour, kopecks"))
    minutes = models.PositiveIntegerField(_("minutes"))
    amount = models.PositiveIntegerField(_("amount, kopecks"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("bill line")
        verbose_name_plural = _("bill lines")
        ordering = ["session", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "position"], name="session_bill_line_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tariff_name}: {self.minutes} min"
