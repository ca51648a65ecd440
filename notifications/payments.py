"""Pay a share of a table's bill in Telegram (Bot API payments, a provider token, RUB).

* `invoice_link_create` — the Mini App's "Pay": an invoice link (`createInvoiceLink`) for what is
  left of the player's share; the Mini App opens it with `Telegram.WebApp.openInvoice`.
* `pre_checkout_answer` — Telegram asks before charging: answered ok only if the share still
  owes exactly the invoiced amount (refused if the bill changed or is already paid).
* `successful_payment_record` — the charge: recorded once by Telegram's charge id (the payment's
  idempotency key is `tg:<telegram_payment_charge_id>`), however often it is delivered.

Refunds of provider payments are made in the provider's dashboard (`refundStarPayment` is for
Telegram Stars only); staff record them from the admin (`games.services.payment_refund`).
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import Conflict, DomainError, NotFound
from games import selectors as games_selectors
from games import services as games_services
from games.models import Booking, Payment, SessionShare
from notifications import telegram

logger = logging.getLogger(__name__)

CURRENCY = "RUB"
_PAYLOAD_RE = re.compile(r"^share:(\d{1,12}):(\d{1,12})$")
_DEPOSIT_RE = re.compile(r"^deposit:(\d{1,12}):(\d{1,12})$")


class PaymentsDisabled(Conflict):
    code = "payments_disabled"
    default_detail = gettext_lazy(
        "Paying in Telegram is not set up at this club yet: please pay at the desk."
    )


class NothingToPay(Conflict):
    code = "nothing_to_pay"
    default_detail = gettext_lazy("Your share is already paid.")


class ShareNotFound(NotFound):
    code = "not_found"
    default_detail = gettext_lazy("Share not found.")


def payments_enabled() -> bool:
    return bool(settings.TELEGRAM_PAYMENT_PROVIDER_TOKEN and settings.TELEGRAM_BOT_TOKEN)


def _share_left(share: SessionShare) -> int:
    return max(0, share.amount - games_selectors.share_paid(share))


def invoice_link_create(*, user, share_id: int) -> dict:
    """An invoice link for what is left of the player's own share.

    Raises PaymentsDisabled (no provider token), ShareNotFound (not theirs), NothingToPay;
    telegram.TelegramError when the Bot API refuses."""
    if not payments_enabled():
        raise PaymentsDisabled()
    share = (
        SessionShare.objects.select_related("session__table__club")
        .filter(pk=share_id, player=user)
        .first()
    )
    if share is None:
        raise ShareNotFound()
    left = _share_left(share)
    if left <= 0 or share.session.paid:
        raise NothingToPay()
    session = share.session
    title = _("Table %(table)s") % {"table": session.table.number}
    url = telegram.get_client().call(
        "createInvoiceLink",
        {
            "title": title[:32],
            "description": (_("Your share of the bill at %(club)s") % {"club": session.table.club})[
                :255
            ],
            "payload": f"share:{share.id}:{left}",
            "provider_token": settings.TELEGRAM_PAYMENT_PROVIDER_TOKEN,
            "currency": CURRENCY,
            "prices": [{"label": title[:32], "amount": left}],
        },
    )
    return {"url": url, "amount": left, "currency": CURRENCY, "share": share.id}


def _share_for(payload: str) -> tuple[SessionShare | None, int]:
    match = _PAYLOAD_RE.match(payload or "")
    if match is None:
        return None, 0
    share = SessionShare.objects.select_related("session").filter(pk=int(match.group(1))).first()
    return share, int(match.group(2))


def deposit_invoice_link_create(*, user, booking_id: int) -> dict:
    """An invoice link for the deposit of the player's own booking. Raises PaymentsDisabled,
    ShareNotFound (not theirs), NothingToPay (no deposit waiting)."""
    if not payments_enabled():
        raise PaymentsDisabled()
    booking = (
        Booking.objects.select_related("table__club").filter(pk=booking_id, player=user).first()
    )
    if booking is None:
        raise ShareNotFound()
    if booking.deposit_status != Booking.Deposit.PENDING or booking.status != "confirmed":
        raise NothingToPay()
    title = (_("Deposit, table %(table)s") % {"table": booking.table.number})[:32]
    url = telegram.get_client().call(
        "createInvoiceLink",
        {
            "title": title,
            "description": title,
            "payload": f"deposit:{booking.id}:{booking.deposit_amount}",
            "provider_token": settings.TELEGRAM_PAYMENT_PROVIDER_TOKEN,
            "currency": CURRENCY,
            "prices": [{"label": title, "amount": booking.deposit_amount}],
        },
    )
    return {"url": url, "amount": booking.deposit_amount, "currency": CURRENCY}


def _deposit_error(payload: str, total) -> str | None:
    match = _DEPOSIT_RE.match(payload)
    booking = Booking.objects.filter(pk=int(match.group(1))).first()
    amount = int(match.group(2))
    if booking is None or booking.status != "confirmed":
        return _("This booking is no longer active.")
    if booking.deposit_status != Booking.Deposit.PENDING:
        return _("This deposit is already paid.")
    if booking.deposit_amount != amount or total != amount:
        return _("The bill has changed: open it in the app and pay again.")
    return None


def pre_checkout_answer(query: dict) -> bool:
    """Answer a `pre_checkout_query` (Telegram waits at most 10 s). Returns the verdict."""
    payload = str(query.get("invoice_payload") or "")
    share, amount = _share_for(payload)
    error = None
    if _DEPOSIT_RE.match(payload):
        error = _deposit_error(payload, query.get("total_amount"))
    elif share is None:
        error = _("This invoice is no longer valid.")
    elif share.session.paid or _share_left(share) <= 0:
        error = _("This bill is already paid.")
    elif (
        _share_left(share) != amount
        or query.get("total_amount") != amount
        or query.get("currency") != CURRENCY
    ):
        error = _("The bill has changed: open it in the app and pay again.")
    client = telegram.get_client()
    if error is None:
        client.call("answerPreCheckoutQuery", {"pre_checkout_query_id": query["id"], "ok": True})
        return True
    client.call(
        "answerPreCheckoutQuery",
        {"pre_checkout_query_id": query["id"], "ok": False, "error_message": error},
    )
    return False


def successful_payment_record(message: dict) -> Payment | None:
    """Record a `successful_payment` once, by its Telegram charge id. A charge that no longer
    fits the bill (paid meanwhile at the desk) is logged for a refund, not lost."""
    paid = message.get("successful_payment") or {}
    charge = str(paid.get("telegram_payment_charge_id") or "")
    amount = paid.get("total_amount")
    deposit = _DEPOSIT_RE.match(str(paid.get("invoice_payload") or ""))
    if deposit and charge and isinstance(amount, int):
        try:
            payment, _created = games_services.deposit_pay(
                booking_id=int(deposit.group(1)),
                method=Payment.Method.ONLINE,
                amount=amount,
                idempotency_key=f"tg:{charge}",
                charge_id=str(paid.get("provider_payment_charge_id") or charge)[:200],
                actor=None,
            )
        except DomainError as exc:
            logger.error("telegram deposit charge %s not applied (%s): refund it", charge, exc.code)
            return Payment.objects.filter(idempotency_key=f"tg:{charge}").first()
        return payment
    share, _amount = _share_for(str(paid.get("invoice_payload") or ""))
    if not charge or share is None or not isinstance(amount, int):
        logger.error("successful_payment that matches no share: %r", paid)
        return None
    try:
        payment, created = games_services.payment_record(
            session_id=share.session_id,
            method=Payment.Method.ONLINE,
            amount=amount,
            share_id=share.id,
            idempotency_key=f"tg:{charge}",
            charge_id=str(paid.get("provider_payment_charge_id") or charge)[:200],
            actor=share.player,
            note="Telegram",
        )
    except DomainError as exc:
        existing = Payment.objects.filter(idempotency_key=f"tg:{charge}").first()
        if existing is not None:
            return existing
        logger.error(
            "telegram charge %s of %s kopecks for share %s not applied (%s): refund it",
            charge,
            amount,
            share.id,
            exc.code,
        )
        return None
    if created:
        logger.info("telegram payment %s recorded for share %s", charge, share.id)
    return payment
