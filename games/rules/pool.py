"""Pool engines: ``pool_8`` (8-ball), ``pool_9`` (9-ball), ``pool_10`` (10-ball).

Rule source: WPA World Standardized Rules (8-ball, 9-ball, 10-ball sections, "Three Consecutive
Fouls" and "Loss of Game"). A match is a race to N racks; breaks alternate (side 0 breaks
rack 1). Who is at the table is not tracked (``at_table`` is None): scorers typically record
only racks and fouls.

Rules enforced:

* ``rack {"side", "how"?}``: that side wins the rack. ``how`` is "break_and_run", "foul"
  (won on the opponent's foul), "golden_break" (9-ball and 10-ball only: game ball on the
  break; note that WPA 10-ball re-spots the 10 on the break, so only house rules send it) or
  "eight_on_break" (8-ball only, house / BCA-league rule; WPA re-spots or re-racks).
* ``foul {"side"}`` increments the side's consecutive-foul counter. 9-ball and 10-ball: the third
  consecutive foul by one player loses the rack (the opponent wins it, how="three_fouls").
  WPA 8-ball has no three-foul rule: fouls are only counted.
* 8-ball: ``foul {"side", "eight_ball": "early"|"scratch"}`` is pocketing the 8 before the
  group is cleared, or scratching while pocketing the 8: the rack is lost immediately
  (how="eight_ball_early" / "eight_ball_scratch"). ``eight_ball`` in 9/10-ball → unknown_field.
* A side's consecutive-foul counter resets when that side makes a legal shot: a ``pot`` by
  that side (legal pot) or ``end_turn`` by that side (a legal shot that ended the inning without
  a foul), and for both sides when the rack ends.
* ``pot {"side", "count"}`` optionally tracks balls pocketed per side in ``score`` (at most the
  rack's balls in total: 15 / 9 / 10); ``ball`` is not a pool field (unknown_field).

Events: ``rack``, ``foul``, ``pot``, ``end_turn``, ``concede_frame {"side"}`` (concede the rack),
``concede_match {"side"}``, ``abandon {}``, ``correction {"frames", "score"?}``.

Discipline-specific state keys: ``rack_balls`` (15, 9 or 10). ``high_run`` is None.
"""

from __future__ import annotations

from .base import (
    BAD_VALUE,
    CORRECTION_FIELDS_FRAMES,
    NO_FIELDS,
    SIDE_ONLY,
    TOO_MANY_BALLS,
    Engine,
    IllegalEvent,
    choice,
    int_range,
    side,
)

THREE_FOULS = 3


class PoolEngine(Engine):
    family = "pool"

    def __init__(
        self, discipline: str, *, rack_balls: int, hows: tuple[str, ...], three_fouls: bool
    ):
        self.discipline = discipline
        self.rack_balls = rack_balls
        self.three_fouls = three_fouls
        foul_optional = {"eight_ball": choice("early", "scratch")} if discipline == "pool_8" else {}
        self.FIELDS = {
            "rack": ({"side": side}, {"how": choice(*hows)}),
            "foul": ({"side": side}, foul_optional),
            "pot": ({"side": side, "count": int_range(1, rack_balls)}, {}),
            "end_turn": SIDE_ONLY,
            "concede_frame": SIDE_ONLY,
            "concede_match": SIDE_ONLY,
            "abandon": NO_FIELDS,
            "correction": CORRECTION_FIELDS_FRAMES,
        }

    def extra_initial(self, state: dict) -> None:
        state["rack_balls"] = self.rack_balls

    def reset_frame(self, state: dict) -> None:
        super().reset_frame(state)
        state["at_table"] = None

    def on_rack(self, state: dict, f: dict) -> None:
        self.end_frame(state, f["side"], f.get("how"))

    def on_foul(self, state: dict, f: dict) -> None:
        s = f["side"]
        if "eight_ball" in f:
            self.end_frame(state, 1 - s, f"eight_ball_{f['eight_ball']}")
            return
        state["fouls"][s] += 1
        if self.three_fouls and state["fouls"][s] >= THREE_FOULS:
            self.end_frame(state, 1 - s, "three_fouls")

    def on_pot(self, state: dict, f: dict) -> None:
        s = f["side"]
        left = self.rack_balls - sum(state["score"])
        if f["count"] > left:
            raise IllegalEvent(TOO_MANY_BALLS, f"Only {left} ball(s) are left in this rack.")
        state["score"][s] += f["count"]
        state["fouls"][s] = 0

    def on_end_turn(self, state: dict, f: dict) -> None:
        state["fouls"][f["side"]] = 0

    def correct_score(self, state: dict, score: list[int]) -> None:
        if sum(score) > self.rack_balls:
            raise IllegalEvent(BAD_VALUE, f"A rack has only {self.rack_balls} balls.")
        state["score"] = list(score)


POOL_8 = PoolEngine(
    "pool_8", rack_balls=15, hows=("break_and_run", "eight_on_break", "foul"), three_fouls=False
)
POOL_9 = PoolEngine(
    "pool_9", rack_balls=9, hows=("break_and_run", "golden_break", "foul"), three_fouls=True
)
POOL_10 = PoolEngine(
    "pool_10", rack_balls=10, hows=("break_and_run", "golden_break", "foul"), three_fouls=True
)
ENGINES = (POOL_8, POOL_9, POOL_10)
