"""Errors of the club floor: bookings, check-in, table sessions and their bills.

Raised by `games.services` (and the views of `games.api`), turned into responses by
`core.api.exception_handler` and into messages by the admin. A `default_detail` with
`%(name)s` placeholders is filled in where it is raised (`games.services._err`); `detail` is
translated when raised.
"""

from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, DomainError, NotFound


class SlotTaken(Conflict):
    code = "slot_taken"
    default_detail = _("This table is already booked for that time.")


class OutsideOpeningHours(DomainError):
    code = "outside_opening_hours"
    default_detail = _("The club is closed at that time.")


class InvalidLength(DomainError):
    code = "invalid_length"
    default_detail = _("A booking must last between %(min)d and %(max)d minutes.")


class TooFarAhead(DomainError):
    code = "too_far_ahead"
    default_detail = _("Bookings open %(days)d days ahead.")


class InThePast(DomainError):
    code = "in_the_past"
    default_detail = _("That time has already passed.")


class Misaligned(DomainError):
    code = "misaligned"
    default_detail = _("Bookings start and end on a %(step)d-minute step.")


class BookingLimit(Conflict):
    code = "booking_limit"
    default_detail = _("You already have %(limit)d active bookings.")


class TooLateToCancel(Conflict):
    code = "too_late_to_cancel"
    default_detail = _("Bookings can be cancelled up to %(minutes)d minutes before the start.")


class NotCancellable(Conflict):
    code = "not_cancellable"
    default_detail = _("This booking is no longer active.")


class TableOutOfService(Conflict):
    code = "table_out_of_service"
    default_detail = _("This table is out of service.")


class TableBusy(Conflict):
    code = "table_busy"
    default_detail = _("Someone is already playing at this table.")


class ReservedForOther(Conflict):
    code = "reserved_for_other"
    default_detail = _("This table is booked by another player now.")


class BadCode(DomainError):
    code = "bad_code"
    default_detail = _("This check-in code is not valid for this table.")


class CodeExpired(DomainError):
    code = "code_expired"
    default_detail = _(
        "This check-in code has expired. Scan the code on the club's screen again, at the table."
    )


class SessionClosed(Conflict):
    code = "session_closed"
    default_detail = _("This session is already closed.")


class SessionStillOpen(Conflict):
    code = "session_open"
    default_detail = _("Close the session before marking it paid.")


class NoTariff(Conflict):
    code = "no_tariff"
    default_detail = _("No tariff covers %(when)s: add one before closing the session.")


class BookingNotFound(NotFound):
    code = "not_found"
    default_detail = _("Booking not found.")


class TableNotFound(NotFound):
    code = "not_found"
    default_detail = _("Table not found.")


class SessionNotFound(NotFound):
    code = "not_found"
    default_detail = _("Session not found.")
