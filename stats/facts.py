"""What one finished match says about each side: pure functions over the match's state and log.

Fed plain values (no ORM) so they are tested without a database and shared by the finish task
and the rebuild. The input is the stored engine state (``frame_history``, ``frames``,
``high_run``) and the effective events in order (undo events and the events they void are left
out by the caller), each ``(type, payload, created_at)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from games import rules

PYRAMID_FRAME_POINTS = 8


@dataclass
class SideFacts:
    frames_won: int = 0
    frames_lost: int = 0
    fouls: int = 0
    high_run: int | None = None
    clean_frames: int = 0  # pyramid frames won 8–0
    break_and_runs: int = 0  # 9-ball racks won by break-and-run


@dataclass
class MatchFacts:
    family: str
    winner: int | None
    # Frame winners in play order (what the ratings replay, one update per frame).
    frame_winners: list[int]
    sides: list[SideFacts] = field(default_factory=lambda: [SideFacts(), SideFacts()])
    frame_seconds: list[int] = field(default_factory=list)


def effective_events(events: list[tuple[int, str, dict, datetime, int | None]]) -> list:
    """``(seq, type, payload, created_at, voids_seq)`` rows → the effective ``(type, payload,
    created_at)`` in order: undo events and the events they void are dropped."""
    voided = {voids for _seq, etype, _p, _at, voids in events if etype == "undo" and voids}
    return [
        (etype, payload, at)
        for seq, etype, payload, at, _voids in sorted(events, key=lambda e: e[0])
        if etype != "undo" and seq not in voided
    ]


def frame_winners(family: str, state: dict) -> list[int]:
    winners = [
        int(f["winner"]) for f in state.get("frame_history") or [] if f.get("winner") in (0, 1)
    ]
    frames = state.get("frames") or [0, 0]
    if (
        family != "straight_pool"
        and state.get("corrected")
        and [winners.count(0), winners.count(1)] != list(frames)
    ):
        # A staff correction set the frame count without the frames' order: interleave them
        # (the rating of a race depends little on the order inside one match).
        a, b = int(frames[0]), int(frames[1])
        winners = []
        while a or b:
            if a:
                winners.append(0)
                a -= 1
            if b:
                winners.append(1)
                b -= 1
    if not winners and state.get("winner") in (0, 1):
        # Conceded before any frame was finished: the match counts as one frame.
        winners = [int(state["winner"])]
    return winners


def match_facts(
    discipline: str,
    state: dict,
    events: list[tuple[str, dict, datetime]],
    started_at: datetime | None,
) -> MatchFacts:
    """The facts of a finished match. ``events`` are the effective events in order."""
    family = rules.FAMILY[discipline]
    winners = frame_winners(family, state)
    facts = MatchFacts(family=family, winner=state.get("winner"), frame_winners=winners)
    for w in winners:
        facts.sides[w].frames_won += 1
        facts.sides[1 - w].frames_lost += 1
    high = state.get("high_run")
    if high is not None:
        for s in (0, 1):
            facts.sides[s].high_run = int(high[s])
    for frame in state.get("frame_history") or []:
        w = frame.get("winner")
        if w not in (0, 1):
            continue
        score = frame.get("score") or [0, 0]
        if family == "pyramid" and score[w] >= PYRAMID_FRAME_POINTS and score[1 - w] == 0:
            facts.sides[w].clean_frames += 1
        if discipline == "pool_9" and frame.get("how") == "break_and_run":
            facts.sides[w].break_and_runs += 1
    _fold_log(discipline, state, events, started_at, facts)
    return facts


def _fold_log(
    discipline: str,
    state: dict,
    events: list[tuple[str, dict, datetime]],
    started_at: datetime | None,
    facts: MatchFacts,
) -> None:
    """Fouls per side and the length of each frame, from the log. A frame's length runs from the
    end of the previous frame (the first: the match start) to the event that ended it; frames
    touched by a correction are not timed."""
    for etype, payload, _at in events:
        if etype == "foul" and payload.get("side") in (0, 1):
            facts.sides[payload["side"]].fouls += 1
    if started_at is None or not events:
        return
    try:
        current: dict[str, Any] = rules.initial(discipline, state["format"])
    except (rules.InvalidFormat, KeyError):
        return
    frame_start = started_at
    for etype, payload, at in events:
        before = len(current["frame_history"])
        try:
            current = rules.apply(discipline, current, {"type": etype, **payload})
        except rules.IllegalEvent:
            return
        if etype == "correction":
            frame_start = at
            continue
        if len(current["frame_history"]) > before:
            facts.frame_seconds.append(max(0, int((at - frame_start).total_seconds())))
            frame_start = at
