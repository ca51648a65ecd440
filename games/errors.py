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


# --- money at the table (issue 18) ----------------------------------------------------------


class SessionPaused(Conflict):
    code = "session_paused"
    default_detail = _("This session is paused.")


class SessionNotPaused(Conflict):
    code = "session_not_paused"
    default_detail = _("This session is not paused.")


class SameTable(DomainError):
    code = "same_table"
    default_detail = _("The session is already at this table.")


class NotInSession(NotFound):
    code = "not_in_session"
    default_detail = _("You are not checked in at this session.")


class PlayerAlreadyIn(Conflict):
    code = "player_already_in"
    default_detail = _("This player is already in the session.")


class ItemNotFound(NotFound):
    code = "not_found"
    default_detail = _("Item not found.")


class ItemUnavailable(Conflict):
    code = "item_unavailable"
    default_detail = _("This item is not available now.")


class BadQuantity(DomainError):
    code = "bad_quantity"
    default_detail = _("The quantity must be between 1 and %(max)d.")


class ReasonRequired(DomainError):
    code = "reason_required"
    default_detail = _("Say why.")


class BadDiscount(DomainError):
    code = "bad_discount"
    default_detail = _("A discount is a percent from 0 to 100 or a non-negative amount.")


class BillPaid(Conflict):
    code = "bill_paid"
    default_detail = _("This bill is already paid.")


class BillLocked(Conflict):
    code = "bill_locked"
    default_detail = _("Payments are recorded on this bill: refund them before changing the split.")


class NothingToSplit(Conflict):
    code = "nothing_to_split"
    default_detail = _("The session has no players to split the bill between.")


class BadAmount(DomainError):
    code = "bad_amount"
    default_detail = _("The amount must be a positive number of kopecks.")


class Overpayment(Conflict):
    code = "overpayment"
    default_detail = _("That is more than the %(owed)s still owed.")


class NotEnoughTendered(DomainError):
    code = "not_enough_tendered"
    default_detail = _("The cash handed over is less than the amount.")


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    default_detail = _("This request id was already used for a different payment.")


class ShareNotFound(NotFound):
    code = "not_found"
    default_detail = _("Share not found.")


class PaymentNotFound(NotFound):
    code = "not_found"
    default_detail = _("Payment not found.")


class RefundTooLarge(Conflict):
    code = "refund_too_large"
    default_detail = _("A refund cannot exceed what is left of the payment (%(left)s).")


class ShiftNotOpen(Conflict):
    code = "shift_not_open"
    default_detail = _("Open the shift before taking cash.")


class ShiftAlreadyOpen(Conflict):
    code = "shift_open"
    default_detail = _("A shift is already open at this club.")


class ShiftNotFound(NotFound):
    code = "not_found"
    default_detail = _("Shift not found.")


class ShiftClosed(Conflict):
    code = "shift_closed"
    default_detail = _("This shift is already closed.")


class DepositNotDue(Conflict):
    code = "deposit_not_due"
    default_detail = _("This booking has no deposit to pay.")


class DepositExpired(Conflict):
    code = "deposit_expired"
    default_detail = _("The time to pay the deposit is over: the booking was released.")
