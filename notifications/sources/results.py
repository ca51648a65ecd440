"""Result confirmation: the other side is asked to confirm a pending result (Confirm / Dispute
buttons in the bot and the inbox), and both sides hear how it was settled.

Fed by `games.scoring.signals`: `match_finished` (a pending result → `result_confirm` to each
player of the other side), `match_result_changed` (confirmed, disputed, voided → `result_update`
to everyone in the match but the one who did it) and `match_reopen_requested` (→ `result_update`
to the other side). All run inside the scoring transaction, so a row commits with its change.
"""

from __future__ import annotations

from games.models import Match
from notifications.models import DISCIPLINES, Kind
from notifications.outbox import notification_cancel, notify


def _sides(match: Match) -> list:
    return list(match.sides.prefetch_related("players").order_by("index"))


def _names(sides) -> list[str]:
    return [
        ", ".join(p.display_name for p in side.players.all()) or side.guest_name for side in sides
    ]


def _payload(match: Match, index: int, names: list[str]) -> dict:
    frames = (match.state or {}).get("frames") or [0, 0]
    return {
        "match_id": match.pk,
        "won": match.winner_side == index,
        "score": f"{frames[index]}:{frames[1 - index]}",
        "opponent": names[1 - index],
        "discipline": match.discipline,
        "discipline_name": str(dict(DISCIPLINES).get(match.discipline, match.discipline)),
    }


def confirm_key(match: Match, player_id: int) -> str:
    return f"result_confirm:{match.pk}:{player_id}:{match.version}"


def result_confirm_request(*, match: Match) -> int:
    """A result is pending: ask each player of the other side to confirm it (once per player
    and match version). Returns how many rows were written."""
    if match.result_status != Match.ResultStatus.PENDING or match.result_side is None:
        return 0
    sides = _sides(match)
    if len(sides) != 2:
        return 0
    names = _names(sides)
    asked = sides[1 - match.result_side]
    written = 0
    for player in asked.players.all():
        payload = {**_payload(match, asked.index, names), "by_name": names[match.result_side]}
        row = notify(
            user=player,
            kind=Kind.RESULT_CONFIRM,
            payload=payload,
            dedupe_key=confirm_key(match, player.pk),
        )
        written += row is not None
    return written


def result_update_notify(*, match: Match, action: str, actor=None, reason: str = "") -> int:
    """Tell the players (all but `actor`) how the result was settled; the open requests to
    confirm it are withdrawn."""
    sides = _sides(match)
    if len(sides) != 2:
        return 0
    names = _names(sides)
    by_name = actor.display_name if actor is not None and actor.is_authenticated else ""
    at = match.result_at.isoformat() if match.result_at else str(match.version)
    written = 0
    for side in sides:
        for player in side.players.all():
            notification_cancel(dedupe_key=confirm_key(match, player.pk))
            if actor is not None and player.pk == actor.pk:
                continue
            payload = {
                **_payload(match, side.index, names),
                "action": action,
                "by_name": by_name,
                "reason": reason or match.dispute_reason,
            }
            row = notify(
                user=player,
                kind=Kind.RESULT_UPDATE,
                payload=payload,
                dedupe_key=f"result_update:{match.pk}:{player.pk}:{action}:{at}",
            )
            written += row is not None
    return written


def result_reopen_notify(*, match: Match, side: int, actor=None) -> int:
    """A side asked to reopen the finished match: the other side is asked to agree."""
    sides = _sides(match)
    if len(sides) != 2:
        return 0
    names = _names(sides)
    other = sides[1 - side]
    written = 0
    for player in other.players.all():
        payload = {
            **_payload(match, other.index, names),
            "action": "reopen_request",
            "by_name": names[side],
        }
        row = notify(
            user=player,
            kind=Kind.RESULT_UPDATE,
            payload=payload,
            dedupe_key=f"result_reopen:{match.pk}:{player.pk}:{match.version}",
        )
        written += row is not None
    return written


def on_match_finished(sender, match=None, **kwargs):
    if match is not None:
        result_confirm_request(match=match)


def on_match_result_changed(sender, match=None, action="", actor=None, **kwargs):
    if match is not None:
        result_update_notify(match=match, action=str(action), actor=actor)


def on_match_reopen_requested(sender, match=None, side=None, actor=None, **kwargs):
    if match is not None and side is not None:
        result_reopen_notify(match=match, side=side, actor=actor)
