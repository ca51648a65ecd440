"""The club and its floor: clubs, opening hours, tables, tariffs.

Bookings, table sessions and matches are added next to these (see shared/DESIGN.md, "Domain").
"""

import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value}) from exc


def validate_weekdays(value) -> None:
    if (
        not isinstance(value, list)
        or not value
        or any(not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= 6 for d in value)
    ):
        raise ValidationError(_("Weekdays must be a non-empty list of numbers 0 (Mon) to 6 (Sun)."))


def new_checkin_secret() -> str:
    return secrets.token_urlsafe(16)


class Club(models.Model):
    class Rounding(models.TextChoices):
        KOPECK = "kopeck", _("to the kopeck")
        RUBLE_UP = "ruble_up", _("up to a whole rouble")
        TEN_RUBLES_UP = "ten_rubles_up", _("up to ten roubles")

    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=255, blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Moscow", validators=[validate_timezone]
    )
    # Booking policy
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot step, minutes"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
    )
    min_booking_minutes = models.PositiveSmallIntegerField(
        _("minimum booking, minutes"), default=60
    )
    max_booking_minutes = models.PositiveSmallIntegerField(
        _("maximum booking, minutes"), default=240
    )
    booking_horizon_days = models.PositiveSmallIntegerField(
        _("book how far ahead, days"), default=14
    )
    max_active_bookings = models.PositiveSmallIntegerField(
        _("active bookings per player"), default=3
    )
    cancel_deadline_minutes = models.PositiveSmallIntegerField(
        _("cancel at the latest, minutes before start"), default=60
    )
    no_show_grace_minutes = models.PositiveSmallIntegerField(
        _("no-show after, minutes past start"), default=15
    )
    hold_window_minutes = models.PositiveSmallIntegerField(
        _("show a table reserved, minutes before a booking"), default=30
    )
    deposit_hold_minutes = models.PositiveSmallIntegerField(
        _("a booking waits for its deposit, minutes"), default=15
    )
    # Billing policy
    minimum_charge = models.PositiveIntegerField(_("minimum charge, kopecks"), default=0)
    rounding = models.CharField(
        _("bill rounding"), max_length=16, choices=Rounding.choices, default=Rounding.KOPECK
    )
    # Version of the live floor (topic `club:<id>`): incremented with F() under this row's lock
    # by every change that alters the floor, in the same transaction, and sent with each update.
    floor_version = models.BigIntegerField(_("floor version"), default=0, editable=False)
    # Version of the staff's `till:<id>` topic (open sessions' bills, items, payments).
    till_version = models.BigIntegerField(_("till version"), default=0, editable=False)

    # Key of the club's check-in screen link (rotating it retires every screen's link).
    screen_secret = models.CharField(max_length=64, default=new_checkin_secret, editable=False)

    class Meta:
        verbose_name = _("club")
        verbose_name_plural = _("clubs")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class OpeningHours(models.Model):
    """One weekday's hours. `closes` <= `opens` means the club closes after midnight."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    closed = models.BooleanField(_("closed all day"), default=False)

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["club", "weekday"]
        constraints = [
            models.UniqueConstraint(
                fields=["club", "weekday"], name="opening_hours_one_per_weekday"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Table(models.Model):
    class Kind(models.TextChoices):
        PYRAMID = "pyramid", _("Russian pyramid, 12 ft")
        POOL = "pool", _("Pool, 9 ft")
        SNOOKER = "snooker", _("Snooker, 12 ft")

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="tables")
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # Position on the floor plan, in percent of the plan's width/height (0–100).
    x = models.PositiveSmallIntegerField(
        _("floor x, %"), default=0, validators=[MaxValueValidator(100)]
    )
    y = models.PositiveSmallIntegerField(
        _("floor y, %"), default=0, validators=[MaxValueValidator(100)]
    )
    rotation = models.PositiveSmallIntegerField(_("rotation, degrees"), default=0)
    in_service = models.BooleanField(_("in service"), default=True)
    # Key of the table's check-in codes (they rotate every CHECKIN_CODE_SECONDS; rotating the key
    # retires every code at once).
    checkin_secret = models.CharField(max_length=64, default=new_checkin_secret, editable=False)

    class Meta:
        verbose_name = _("table")
        verbose_name_plural = _("tables")
        ordering = ["club", "number"]
        constraints = [
            models.UniqueConstraint(fields=["club", "number"], name="table_number_unique_per_club")
        ]

    def __str__(self) -> str:
        return self.name or f"{_('Table')} {self.number}"


class Tariff(models.Model):
    """Price per hour for a table kind in a weekly time window.

    A window with `end_time` <= `start_time` crosses midnight and belongs to the weekday it starts on.
    """

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="tariffs")
    name = models.CharField(_("name"), max_length=60)
    table_kind = models.CharField(_("table kind"), max_length=16, choices=Table.Kind.choices)
    price_per_hour = models.PositiveIntegerField(_("price per hour, kopecks"))
    weekdays = models.JSONField(
        _("weekdays"),
        default=list,
        validators=[validate_weekdays],
        help_text=_("0 = Monday … 6 = Sunday"),
    )
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    priority = models.SmallIntegerField(
        _("priority"), default=0, help_text=_("Where windows overlap, the higher priority wins.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")
        ordering = ["club", "table_kind", "-priority", "start_time"]
        indexes = [
            # Billing and the price list load the active tariffs of one club and table kind.
            models.Index(
                fields=["club", "table_kind", "is_active"], name="tariff_club_kind_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_table_kind_display()})"


class ClubToday(Club):
    """The admin's "Today" page (floor, bookings timeline, open sessions, revenue) for a club.

    A proxy so the page shows up on the admin index like any model, with no template override.
    """

    class Meta:
        proxy = True
        verbose_name = _("today")
        verbose_name_plural = _("today")


class CheckInAttempt(models.Model):
    """One scan of a table's check-in code: who, where, when, and what came of it (the staff's
    log; a refused scan is recorded too, so an old photo of a code shows up here)."""

    class Outcome(models.TextChoices):
        CHECKED_IN = "checked_in", _("checked in")
        EXPIRED = "expired", _("code expired")
        BAD_CODE = "bad_code", _("wrong code")
        REFUSED = "refused", _("refused (table busy, reserved or out of service)")

    table = models.ForeignKey(Table, on_delete=models.CASCADE, related_name="checkin_attempts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checkin_attempts"
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    detail = models.CharField(_("detail"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["-at"], name="checkin_attempt_at_idx")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.table} {self.at:%Y-%m-%d %H:%M} {self.outcome}"
