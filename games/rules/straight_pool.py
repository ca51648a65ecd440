"""Straight pool (14.1 continuous) engine: ``straight_pool``.

Rule source: WPA World Standardized Rules, 14.1 Continuous: each legally pocketed ball scores
one point; a standard foul costs one point; a foul on the opening break (failing the
opening-break requirement) costs two points and is not counted toward the three consecutive
fouls; a third consecutive foul by the same player costs one point plus an additional 15 points
(−16 for that foul), after which the player's foul count is reset to zero and, per WPA, all
fifteen balls are re-racked and the offender breaks under opening-break requirements again. The
score may go negative. The first player to reach the points target (``points_to``) wins.

Rule decisions:

* Format ``{"points_to": N}``, 1 ≤ N ≤ 1000. There are no frames: ``frames`` stays [0, 0],
  ``frame_no`` stays 1 and ``frame_history`` records the single game once it ends.
* ``pot {"side", "count": 1..15}`` scores ``count``; it resets that side's consecutive fouls.
  ``end_turn {"side"}`` is an inning ended by a legal shot without a pot: it also resets that
  side's consecutive fouls (the three-foul rule counts fouls on consecutive *turns*).
* ``foul {"side", "break"?: bool}``: ``break: true`` is only possible while ``opening_break`` is
  True (before the first legal shot or foul of a game/re-rack): −2, not counted toward three,
  the opponent chooses (table stays open for either side). Otherwise −1 / third −16.
* Who is at the table (``at_table``) is informational: after a pot the potter, after a foul or
  end_turn the opponent, after a third foul the offender (re-break). It is enforced
  (``not_your_turn``) except during the opening break, when either side may act.
* Runs: ``run`` [a, b] is the current run (consecutive scoring pots of one visit), ended by
  end_turn, a foul or the opponent scoring; ``high_run`` [a, b] is the best run of the match.
* The game ends (``over``) as soon as a score reaches ``points_to`` after a pot.
* ``concede_frame`` and ``concede_match`` both concede the game (there is one game).
* ``correction {"score": [a, b]}`` (scores −10000..10000; ``frames`` is not a 14.1 field):
  sets the scores and re-evaluates the result (a side at or above the target wins; lowering the
  scores reopens a finished game and drops its frame_history record).

Discipline-specific state keys: ``run`` [a, b], ``opening_break`` (bool). ``breaker`` is 0.
"""

from __future__ import annotations

from typing import Any

from .base import (
    BAD_VALUE,
    FORMAT_BAD_VALUE,
    FORMAT_MISSING_KEY,
    FORMAT_NOT_AN_OBJECT,
    FORMAT_UNKNOWN_KEY,
    NO_FIELDS,
    NOT_OPENING_BREAK,
    SIDE_ONLY,
    Engine,
    IllegalEvent,
    InvalidFormat,
    boolean,
    int_pair,
    int_range,
    side,
)

MAX_POINTS = 1000
MAX_BALLS_PER_SHOT = 15
STANDARD_FOUL = 1
BREAK_FOUL = 2
THIRD_FOUL_EXTRA = 15
THREE_FOULS = 3


class StraightPoolEngine(Engine):
    discipline = "straight_pool"
    family = "straight_pool"
    tracks_runs = True
    FIELDS = {
        "pot": ({"side": side, "count": int_range(1, MAX_BALLS_PER_SHOT)}, {}),
        "foul": ({"side": side}, {"break": boolean}),
        "end_turn": SIDE_ONLY,
        "concede_frame": SIDE_ONLY,
        "concede_match": SIDE_ONLY,
        "abandon": NO_FIELDS,
        "correction": ({"score": int_pair(-10000, 10000)}, {}),
    }

    def validate_format(self, fmt: Any) -> dict:
        if not isinstance(fmt, dict):
            raise InvalidFormat(FORMAT_NOT_AN_OBJECT, "The format must be a JSON object.")
        unknown = sorted(set(fmt) - {"points_to"})
        if unknown:
            raise InvalidFormat(
                FORMAT_UNKNOWN_KEY,
                f"Unknown format key(s) {', '.join(unknown)}; straight pool uses 'points_to'.",
            )
        if "points_to" not in fmt:
            raise InvalidFormat(FORMAT_MISSING_KEY, "Straight pool needs 'points_to'.")
        value = fmt["points_to"]
        if type(value) is not int or not 1 <= value <= MAX_POINTS:
            raise InvalidFormat(
                FORMAT_BAD_VALUE, f"'points_to' must be an integer from 1 to {MAX_POINTS}."
            )
        return {"points_to": value}

    def target(self, state: dict) -> int:
        return state["format"]["points_to"]

    def reset_frame(self, state: dict) -> None:
        state["breaker"] = 0
        state["at_table"] = 0
        state["run"] = [0, 0]
        state["opening_break"] = True

    def _act(self, state: dict, s: int) -> None:
        if not state["opening_break"]:
            self.check_turn(state, s)

    def _finish(self, state: dict, winner: int, how: str) -> None:
        state["frame_history"] = [
            {
                "winner": winner,
                "score": list(state["score"]),
                "how": how,
                "breaks": list(state["high_run"]),
            }
        ]
        self.end_match(state, winner, how)

    def on_pot(self, state: dict, f: dict) -> None:
        s, count = f["side"], f["count"]
        self._act(state, s)
        state["opening_break"] = False
        state["score"][s] += count
        state["run"][s] += count
        state["run"][1 - s] = 0
        state["high_run"][s] = max(state["high_run"][s], state["run"][s])
        state["fouls"][s] = 0
        state["at_table"] = s
        if state["score"][s] >= self.target(state):
            self._finish(state, s, "points")

    def on_foul(self, state: dict, f: dict) -> None:
        s = f["side"]
        self._act(state, s)
        state["run"][s] = 0
        if f.get("break", False):
            if not state["opening_break"]:
                raise IllegalEvent(NOT_OPENING_BREAK)
            state["score"][s] -= BREAK_FOUL
            state["at_table"] = 1 - s
            return
        state["opening_break"] = False
        state["fouls"][s] += 1
        if state["fouls"][s] >= THREE_FOULS:
            state["score"][s] -= STANDARD_FOUL + THIRD_FOUL_EXTRA
            state["fouls"][s] = 0
            # WPA: all fifteen balls are re-racked and the offender breaks again.
            state["opening_break"] = True
            state["at_table"] = s
        else:
            state["score"][s] -= STANDARD_FOUL
            state["at_table"] = 1 - s

    def on_end_turn(self, state: dict, f: dict) -> None:
        s = f["side"]
        self._act(state, s)
        state["opening_break"] = False
        state["run"][s] = 0
        state["fouls"][s] = 0
        state["at_table"] = 1 - s

    def on_concede_frame(self, state: dict, f: dict) -> None:
        self.on_concede_match(state, f)

    def on_concede_match(self, state: dict, f: dict) -> None:
        self._finish(state, 1 - f["side"], "conceded")

    def play_actions(self, state: dict) -> list[dict]:
        sides = [0, 1] if state["opening_break"] else [state["at_table"]]
        foul = {"type": "foul", "sides": sides}
        if state["opening_break"]:
            foul["break"] = True
        return [
            {"type": "pot", "sides": sides, "max_count": MAX_BALLS_PER_SHOT},
            foul,
            {"type": "end_turn", "sides": sides},
        ]

    def notices(self, state: dict) -> list[dict]:
        return [
            {"code": "three_foul_warning", "side": s}
            for s in (0, 1)
            if state["fouls"][s] == THREE_FOULS - 1
        ]

    def on_correction(self, state: dict, f: dict) -> None:
        score = f["score"]
        target = self.target(state)
        if min(score) >= target:
            raise IllegalEvent(BAD_VALUE, "Only one side can reach the points target.")
        state["score"] = list(score)
        state["corrected"] = True
        state["run"] = [0, 0]
        reached = [s for s in (0, 1) if score[s] >= target]
        if reached:
            self._finish(state, reached[0], "correction")
        else:
            state["over"] = False
            state["winner"] = None
            state["ended_by"] = None
            state["frame_history"] = []


STRAIGHT_POOL = StraightPoolEngine()
ENGINES = (STRAIGHT_POOL,)
