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

* Match settings in the format (each optional; absent = the WPA default, and a format stored
  before the setting existed folds as before):
  ``break_order`` "alternate" (WPA: alternate break in 9- and 10-ball) | "winner" | "loser" —
  who breaks the next rack; ``lag {"side"}`` before the first shot records who breaks rack 1.
  ``golden_break`` (9- and 10-ball; WPA 9-ball: the 9 pocketed on a legal break wins, default
  true; WPA 10-ball: the 10 on the break is re-spotted, default false): when set false,
  ``rack {"how": "golden_break"}`` → ``not_in_format``. ``eight_on_break`` (8-ball) "respot"
  (WPA: the 8 on the break is re-spotted, no win) | "win" (house rule): "respot" rejects
  ``rack {"how": "eight_on_break"}``. ``shot_clock`` {"seconds", "extensions"}.
* The break and the push-out (9- and 10-ball, WPA "Push Out"): ``rack_shots`` counts the pot /
  foul / end_turn events of the rack; the first is the break. On the shot right after the break
  (``rack_shots`` == 1) either side may record ``push_out {"side"}``; the opponent then chooses
  ``push_out_choice {"side", "choice": "play" | "pass"}`` (pending in ``choice``). A push-out is
  not a foul.
* ``ball_in_hand`` is the side that has the cue ball in hand after the opponent's foul (None
  otherwise); the notice ``three_foul_warning`` is given to a side on two consecutive fouls in
  9- and 10-ball (WPA: the player must be warned before the third).

Events: ``rack``, ``foul``, ``pot``, ``end_turn``, ``concede_frame {"side"}`` (concede the rack),
``concede_match {"side"}``, ``abandon {}``, ``correction {"frames", "score"?}``.

Discipline-specific state keys: ``rack_balls`` (15, 9 or 10). ``high_run`` is None.
"""

from __future__ import annotations

from .base import (
    BAD_VALUE,
    COMMON_FIELDS,
    CORRECTION_FIELDS_FRAMES,
    NO_CHOICE_PENDING,
    NO_FIELDS,
    NOT_AVAILABLE,
    NOT_IN_FORMAT,
    NOT_YOUR_TURN,
    SIDE_ONLY,
    TOO_MANY_BALLS,
    Engine,
    IllegalEvent,
    bool_setting,
    break_order_setting,
    choice,
    choice_setting,
    int_range,
    shot_clock_setting,
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
        self.push_out = discipline in ("pool_9", "pool_10")
        self.SETTINGS = {"shot_clock": shot_clock_setting, "break_order": break_order_setting}
        if discipline == "pool_8":
            self.SETTINGS["eight_on_break"] = choice_setting("respot", "win")
        else:
            self.SETTINGS["golden_break"] = bool_setting
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
            **COMMON_FIELDS,
        }
        if self.push_out:
            self.FIELDS["push_out"] = SIDE_ONLY
            self.FIELDS["push_out_choice"] = ({"side": side, "choice": choice("play", "pass")}, {})

    def extra_initial(self, state: dict) -> None:
        state["rack_balls"] = self.rack_balls

    def reset_frame(self, state: dict) -> None:
        super().reset_frame(state)
        state["at_table"] = None
        state["rack_shots"] = 0
        state["ball_in_hand"] = None
        state["choice"] = None

    def finalize(self, state: dict) -> None:
        last = state["last_event"]
        if last not in ("foul", "time_foul", "clock_extension"):
            state["ball_in_hand"] = None
        if last not in ("push_out", "clock_extension"):
            state["choice"] = None

    def golden_break(self, state: dict) -> bool:
        return self.setting(state, "golden_break", self.discipline == "pool_9")

    def on_rack(self, state: dict, f: dict) -> None:
        how = f.get("how")
        fmt = state["format"]
        if how == "golden_break" and fmt.get("golden_break") is False:
            raise IllegalEvent(NOT_IN_FORMAT, "This match is played without the golden break.")
        if how == "eight_on_break" and fmt.get("eight_on_break") == "respot":
            raise IllegalEvent(NOT_IN_FORMAT, "The 8 on the break is re-spotted in this match.")
        self.end_frame(state, f["side"], how)

    def on_push_out(self, state: dict, f: dict) -> None:
        if state["rack_shots"] != 1:
            raise IllegalEvent(NOT_AVAILABLE, "A push-out is only the shot right after the break.")
        state["rack_shots"] += 1
        state["choice"] = {"side": 1 - f["side"], "options": ["play", "pass"]}

    def on_push_out_choice(self, state: dict, f: dict) -> None:
        pending = state["choice"]
        if not pending:
            raise IllegalEvent(NO_CHOICE_PENDING)
        if f["side"] != pending["side"]:
            raise IllegalEvent(NOT_YOUR_TURN, f"The choice is side {pending['side']}'s to make.")

    def on_foul(self, state: dict, f: dict) -> None:
        s = f["side"]
        state["rack_shots"] += 1
        state["ball_in_hand"] = 1 - s
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
        state["rack_shots"] += 1

    def on_end_turn(self, state: dict, f: dict) -> None:
        state["fouls"][f["side"]] = 0
        state["rack_shots"] += 1

    def play_actions(self, state: dict) -> list[dict]:
        both = [0, 1]
        actions = []
        pending = state["choice"]
        if pending:
            actions.append(
                {"type": "push_out_choice", "sides": [pending["side"]], "choices": ["play", "pass"]}
            )
        left = self.rack_balls - sum(state["score"])
        if left:
            actions.append({"type": "pot", "sides": both, "max_count": left})
        foul = {"type": "foul", "sides": both}
        if self.discipline == "pool_8":
            foul["eight_ball"] = ["early", "scratch"]
        actions += [foul, {"type": "end_turn", "sides": both}]
        if self.push_out and state["rack_shots"] == 1:
            actions.append({"type": "push_out", "sides": both})
        hows = ["break_and_run", "foul"]
        on_break = state["rack_shots"] <= 1
        if on_break and self.discipline != "pool_8" and self.golden_break(state):
            hows.append("golden_break")
        if on_break and self.setting(state, "eight_on_break") == "win":
            hows.append("eight_on_break")
        actions.append({"type": "rack", "sides": both, "hows": hows})
        return actions

    def notices(self, state: dict) -> list[dict]:
        out = []
        if state["rack_shots"] == 0:
            out.append({"code": "break", "side": state["breaker"]})
            if self.discipline == "pool_10" and not self.golden_break(state):
                out.append({"code": "ten_on_break_respotted"})
            if self.discipline == "pool_8" and self.setting(state, "eight_on_break") != "win":
                out.append({"code": "eight_on_break_respotted"})
        if state["choice"]:
            out.append({"code": "push_out_choice", "side": state["choice"]["side"]})
        if state["ball_in_hand"] is not None:
            out.append({"code": "ball_in_hand", "side": state["ball_in_hand"]})
        if self.three_fouls:
            out += [
                {"code": "three_foul_warning", "side": s}
                for s in (0, 1)
                if state["fouls"][s] == THREE_FOULS - 1
            ]
        return out

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
