"""Russian pyramid engines: ``pyramid_free``, ``pyramid_moscow``, ``pyramid_nevskaya``.

Rule source: the Russian pyramid rules of the FBSR (Федерация бильярдного спорта России) /
IPA (International Pyramid Association): 15 object balls, a frame is won by the first side to
8 points (8 balls is a majority of 15), a foul costs one point ("штраф — одно очко"), a player
without pocketed balls owes the penalty ball ("долг") until their first pocketed ball. Moscow
(combined) and Nevskaya pyramid let the striker take an extra ball after legally pocketing the
cue ball; free pyramid has no such bonus. Match = race to N frames; breaks alternate (side 0
breaks frame 1).

Rule decisions (documented because rule books differ on how the penalty is booked):

* A foul is booked as a *transfer*: the opponent gets +1 immediately; the offender gives up
  one pocketed ball (−1), or, with none, owes it (``owed`` +1). An owed ball is paid out of
  the offender's next pocketed ball(s): those balls do not add to their score. Hence, per
  frame, ``sum(score) - sum(owed) == 15 - balls_on_table``.
* A scoring pot keeps the turn; ``end_turn`` (a legal shot without a pot) and ``foul`` pass it.
  ``pot``, ``foul`` and ``end_turn`` must come from the side at the table (``not_your_turn``).
* A pot that would take a side past 8 (e.g. two balls on one shot at 7) ends the frame with
  the frame score recorded as 8: points beyond the frame target do not exist.
* A frame ended by pots has frame_history ``how`` None; one whose 8th point came from the
  opponent's foul has ``how`` "foul".
* ``fouls`` counts consecutive fouls per side (reset by that side's legal pot or end_turn);
  it is informational, no three-foul penalty is applied (the FBSR rules have none).
* ``bonus: true`` on a ``pot`` (Moscow/Nevskaya only, with ``count`` 1) is the extra ball
  taken after pocketing the cue ball: it scores like a pocketed ball and is counted in
  ``bonus_balls`` (match totals per side). ``bonus`` in free pyramid → ``unknown_field``.

Events (``side`` is 0 or 1):
  ``pot {"side", "count": 1..15, "bonus"?: bool}``, ``foul {"side"}``, ``end_turn {"side"}``,
  ``concede_frame {"side"}``, ``concede_match {"side"}``, ``abandon {}``,
  ``correction {"frames": [a, b], "score"?: [a, b]}`` (scores 0..7; resets owed).

Discipline-specific state keys: ``owed`` [a, b] (penalty balls owed in this frame),
``balls_on_table`` (object balls left, 15 at the start of a frame), ``bonus_balls`` [a, b].
``high_run`` is None (runs are not tracked) and frame_history ``breaks`` is None.
"""

from __future__ import annotations

from .base import (
    BAD_VALUE,
    COMMON_FIELDS,
    CORRECTION_FIELDS_FRAMES,
    NO_FIELDS,
    SIDE_ONLY,
    TOO_MANY_BALLS,
    Engine,
    IllegalEvent,
    boolean,
    break_order_setting,
    int_range,
    shot_clock_setting,
    side,
)

FRAME_POINTS = 8
BALLS = 15


class PyramidEngine(Engine):
    family = "pyramid"
    SETTINGS = {"shot_clock": shot_clock_setting, "break_order": break_order_setting}

    def __init__(self, discipline: str, *, bonus: bool):
        self.discipline = discipline
        self.bonus_allowed = bonus
        pot_optional = {"bonus": boolean} if bonus else {}
        self.FIELDS = {
            "pot": ({"side": side, "count": int_range(1, BALLS)}, pot_optional),
            "foul": SIDE_ONLY,
            "end_turn": SIDE_ONLY,
            "concede_frame": SIDE_ONLY,
            "concede_match": SIDE_ONLY,
            "abandon": NO_FIELDS,
            "correction": CORRECTION_FIELDS_FRAMES,
            **COMMON_FIELDS,
        }

    def extra_initial(self, state: dict) -> None:
        state["bonus_balls"] = [0, 0]

    def reset_frame(self, state: dict) -> None:
        super().reset_frame(state)
        state["owed"] = [0, 0]
        state["balls_on_table"] = BALLS

    def _check_frame_end(self, state: dict, how: str | None = None) -> None:
        for s in (0, 1):
            if state["score"][s] >= FRAME_POINTS:
                state["score"][s] = FRAME_POINTS
                self.end_frame(state, s, how)
                return

    def on_pot(self, state: dict, f: dict) -> None:
        s, count = f["side"], f["count"]
        self.check_turn(state, s)
        bonus = f.get("bonus", False)
        if bonus and count != 1:
            raise IllegalEvent(BAD_VALUE, "A bonus ball is a single ball: 'count' must be 1.")
        if count > state["balls_on_table"]:
            raise IllegalEvent(
                TOO_MANY_BALLS, f"Only {state['balls_on_table']} ball(s) are left on the table."
            )
        state["balls_on_table"] -= count
        paid = min(state["owed"][s], count)
        state["owed"][s] -= paid
        state["score"][s] += count - paid
        if bonus:
            state["bonus_balls"][s] += 1
        state["fouls"][s] = 0
        self._check_frame_end(state)

    def on_foul(self, state: dict, f: dict) -> None:
        s = f["side"]
        self.check_turn(state, s)
        if state["score"][s] > 0:
            state["score"][s] -= 1
        else:
            state["owed"][s] += 1
        state["score"][1 - s] += 1
        state["fouls"][s] += 1
        state["at_table"] = 1 - s
        self._check_frame_end(state, "foul")

    def on_end_turn(self, state: dict, f: dict) -> None:
        s = f["side"]
        self.check_turn(state, s)
        state["fouls"][s] = 0
        state["at_table"] = 1 - s

    def play_actions(self, state: dict) -> list[dict]:
        sides = self.turn_sides(state)
        pot = {"type": "pot", "sides": sides, "max_count": state["balls_on_table"]}
        if self.bonus_allowed:
            pot["bonus"] = True
        return [pot, {"type": "foul", "sides": sides}, {"type": "end_turn", "sides": sides}]

    def notices(self, state: dict) -> list[dict]:
        return [{"code": "owes_ball", "side": s} for s in (0, 1) if state["owed"][s]]

    def correct_score(self, state: dict, score: list[int]) -> None:
        if max(score) >= FRAME_POINTS:
            raise IllegalEvent(
                BAD_VALUE, f"A frame in progress has scores below {FRAME_POINTS} for both sides."
            )
        state["score"] = list(score)
        state["owed"] = [0, 0]
        state["balls_on_table"] = BALLS - sum(score)


PYRAMID_FREE = PyramidEngine("pyramid_free", bonus=False)
PYRAMID_MOSCOW = PyramidEngine("pyramid_moscow", bonus=True)
PYRAMID_NEVSKAYA = PyramidEngine("pyramid_nevskaya", bonus=True)
ENGINES = (PYRAMID_FREE, PYRAMID_MOSCOW, PYRAMID_NEVSKAYA)
