"""Match results: each registered player of a finished match is told the score (and, once the
stats have it, the new rating). Sent from `games.scoring.signals.match_finished`. A result that
awaits the other side's confirmation is announced to the side that entered it only (saying it
does not count yet); the other side gets the request to confirm (sources/results.py)."""

from __future__ import annotations

from games.rules import FAMILY
from notifications.enrichment import rating_of
from notifications.models import Kind
from notifications.outbox import notify


def match_result_notify(*, match, **_kwargs) -> int:
    """A match finished: tell each registered player the result (dedupe per match, player and
    result, so a corrected result is announced again). Returns how many rows were written."""
    sides = list(match.sides.prefetch_related("players").order_by("index"))
    if len(sides) != 2:
        return 0
    state = match.state or {}
    frames = state.get("frames") or [0, 0]
    family = FAMILY.get(match.discipline, "")
    names = [
        ", ".join(p.display_name for p in side.players.all()) or side.guest_name for side in sides
    ]
    # A result awaiting the other side: they are asked to confirm it instead (sources/results.py),
    # and there is no new rating to wait for.
    pending = (
        match.status == match.Status.FINISHED and match.result_status == match.ResultStatus.PENDING
    )
    asked = 1 - match.result_side if pending and match.result_side is not None else None
    if pending:
        family = ""
    written = 0
    for side in sides:
        index = side.index
        if index == asked:
            continue
        mine, theirs = frames[index], frames[1 - index]
        for player in side.players.all():
            payload = {
                "match_id": match.pk,
                "won": match.winner_side == index,
                "score": f"{mine}:{theirs}",
                "opponent": names[1 - index],
                "discipline": match.discipline,
                "family": family,
                "rating_before": rating_of(player.pk, family) if family else None,
                "pending": pending,
            }
            row = notify(
                user=player,
                kind=Kind.MATCH_RESULT,
                payload=payload,
                dedupe_key=f"match_result:{match.pk}:{player.pk}:{match.winner_side}:{mine}-{theirs}",
            )
            written += row is not None
    return written


def on_match_finished(sender, match=None, **kwargs):
    if match is not None:
        match_result_notify(match=match, **kwargs)
