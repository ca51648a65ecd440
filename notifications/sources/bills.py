"""The itemised bill as a bot message, when a table session closes (games.signals.session_billed).

One message per player who was at the session: table time per tariff, the items, the discount,
the total, what is paid and what is still owed. Written in the closing transaction (the outbox).
"""

from __future__ import annotations

from games import selectors as games_selectors
from notifications.models import Kind
from notifications.outbox import notify


def rub(kopecks: int) -> str:
    sign = "-" if kopecks < 0 else ""
    kopecks = abs(kopecks)
    return f"{sign}{kopecks // 100}.{kopecks % 100:02d} ₽"


def bill_payload(session) -> dict:
    lines = [
        {"label": f"{line.tariff_name}, {line.minutes} min", "amount_text": rub(line.amount)}
        for line in session.bill_lines.all()
    ]
    if session.adjustment:
        lines.append({"label": "±", "amount_text": rub(session.adjustment)})
    lines += [
        {"label": f"{item.name} × {item.quantity}", "amount_text": rub(item.amount)}
        for item in games_selectors.session_live_items(session)
    ]
    return {
        "session_id": session.pk,
        "table": str(session.table.number),
        "club": str(session.table.club),
        "minutes": session.minutes,
        "paused_minutes": session.paused_minutes,
        "lines": lines,
        "discount_text": rub(session.discount) if session.discount else "",
        "discount_reason": session.discount_reason,
        "total_text": rub(session.amount),
        "paid_text": rub(session.paid_amount),
        "owed_text": rub(session.owed),
    }


def on_session_billed(sender, session, **kwargs) -> None:
    if session.amount <= 0:
        return
    payload = bill_payload(session)
    User = session.players.model
    for user in User.objects.filter(pk__in=games_selectors.session_participant_ids(session)):
        notify(
            user=user,
            kind=Kind.SESSION_BILL,
            payload=payload,
            dedupe_key=f"session_bill:{session.pk}:{user.pk}",
        )
