"""Snooker engine: ``snooker``.

Rule source: WPBSA Official Rules of the Games of Snooker and English Billiards (Section 2
"Definitions": ball on, break, snookers required; Section 3 "The Game": order of play, points
for fouls, end of frame, re-spotted black). Ball values: red 1, yellow 2, green 3, brown 4,
blue 5, pink 6, black 7. While reds remain the ball on alternates red → a colour (re-spotted)
→ red ...; after the last red and the colour that follows it (potted or not), the colours are
on in ascending order yellow → black. A foul scores max(4, value of the ball on / the highest
value ball involved) to the opponent. When only the black remains, the first score or foul
ends the frame, unless the scores are then equal: the black is re-spotted and the next score
or foul decides. Match = best of N frames (first to (N + 1) / 2); breaks alternate.

Rule decisions:

* ``pot {"side", "ball", "count"?}``: ``count`` (1..reds remaining) is only for several reds
  on one shot (each scores 1); with a colour it may only be 1. Potting a ball that is not on
  → ``wrong_ball_on`` (the scorer records a ``foul`` instead).
* ``pot {"side", "ball", "free_ball": true}``: after a foul (first shot of the visit) the
  striker potted a nominated free ball (a colour other than the ball on): it scores the value
  of the ball on and is re-spotted; with a red on a colour is on next (reds are unchanged), in
  the colours phase the ball on stays on (WPBSA Section 3 Rule 12, "Free Ball").
* ``foul {"side", "value": 4..7, "reds_potted"?: n}``: value must be ≥ max(4, value of the
  ball on) — with a red or "any colour" on that is 4 — and ≤ 7; ``reds_potted`` is the number
  of reds that went down on the foul (they stay off the table). The opponent scores
  ``value``; the turn passes; the ball on becomes red if reds remain, otherwise the lowest
  colour remaining (yellow right after the reds phase).
* ``end_turn {"side"}``: the visit ends (a miss); same ball-on reset as after a foul.
* The side at the table (``at_table``) must be the one that pots, fouls or ends the turn
  (``not_your_turn``); during a re-spotted black ``at_table`` is None until someone plays
  (the toss decides who plays first).
* ``fouls`` counts consecutive fouls per side (reset by that side's pot or end_turn).
* After a foul that leaves the frame live, the incoming player chooses (WPBSA Section 3 Rule 10
  "Fouls" and Rule 13 "Requested to Play Again"): ``foul_choice {"side": incoming, "choice":
  "play"}`` (play from the position left; a free ball stays possible), ``"put_back"`` (the
  offender plays again from the position left; the free ball is void, Rule 12) or, after a
  ``foul {"miss": true}`` only, ``"replace"`` (Rule 14 "Foul and a Miss": the balls go back and
  the offender plays again from the original position; the foul's points stay, the
  position-dependent state — reds on the table, ball on — is restored from before the foul). The
  choice is pending in ``choice`` {"side", "options"}; any event of the incoming side other than
  ``foul_choice`` means "play" (so logs written before the choice existed fold as before).
* ``foul {"miss": true, "clear": true}`` is a miss with a clear path to a full ball on
  (Rule 14(c)): ``misses`` [a, b] counts them in a row from a replaced position; after two the
  referee warns (notice ``three_miss_warning``), the third awards the frame to the opponent
  (frame_history how "three_misses"). Any other event than the replace resets the count.
* ``time_foul {"side"}`` (shot clock): a foul worth max(4, the ball on's value).
* ``correction {"frames", "score"?}``: scores 0..9999; the current break is cleared.

Discipline-specific state keys: ``reds_remaining`` (0..15), ``ball_on`` ("red" | "colour" |
"yellow" | "green" | "brown" | "blue" | "pink" | "black"), ``points_remaining`` (the most points
still available to the striker's side in the current situation: 8 per red + 27 for the colours
(+7 for the colour after a potted red), or the sum of the colours from the ball on, or 7 on a
re-spotted black), ``snookers_required`` [bool, bool] (the side is behind by more than
``points_remaining``), ``respotted_black`` (bool), ``break`` (points of the current break),
``frame_high`` [a, b] (best break of each side in this frame; copied into frame_history
``breaks``) and ``high_run`` [a, b] (best break of the match).
"""

from __future__ import annotations

from .base import (
    BAD_FOUL_VALUE,
    BAD_VALUE,
    COMMON_FIELDS,
    NO_CHOICE_PENDING,
    NO_FIELDS,
    NOT_AVAILABLE,
    NOT_YOUR_TURN,
    SIDE_ONLY,
    TOO_MANY_BALLS,
    WRONG_BALL_ON,
    Engine,
    IllegalEvent,
    boolean,
    choice,
    int_pair,
    int_range,
    side,
)

REDS = 15
VALUES = {"red": 1, "yellow": 2, "green": 3, "brown": 4, "blue": 5, "pink": 6, "black": 7}
COLOURS = ("yellow", "green", "brown", "blue", "pink", "black")
ALL_COLOURS_VALUE = sum(VALUES[c] for c in COLOURS)  # 27
MIN_FOUL = 4
MAX_FOUL = 7
THREE_MISSES = 3
FOUL_CHOICES = ("play", "put_back", "replace")
#: The position-dependent keys a foul-and-miss "replace" restores.
POSITION_KEYS = ("reds_remaining", "ball_on", "respotted_black")
#: Events after which a pending foul choice (and a possible free ball) still stand.
KEEPS_CHOICE = ("foul", "time_foul", "clock_extension")


def points_remaining(state: dict) -> int:
    if state["respotted_black"]:
        return VALUES["black"]
    ball_on = state["ball_on"]
    reds = state["reds_remaining"]
    if ball_on == "red":
        return reds * (VALUES["red"] + VALUES["black"]) + ALL_COLOURS_VALUE
    if ball_on == "colour":
        return VALUES["black"] + reds * (VALUES["red"] + VALUES["black"]) + ALL_COLOURS_VALUE
    return sum(VALUES[c] for c in COLOURS[COLOURS.index(ball_on) :])


class SnookerEngine(Engine):
    discipline = "snooker"
    family = "snooker"
    tracks_runs = True
    FIELDS = {
        "pot": (
            {"side": side, "ball": choice(*VALUES)},
            {"count": int_range(1, REDS), "free_ball": boolean},
        ),
        "foul": (
            {"side": side, "value": int_range(MIN_FOUL, MAX_FOUL)},
            {"reds_potted": int_range(1, REDS), "miss": boolean, "clear": boolean},
        ),
        "foul_choice": ({"side": side, "choice": choice(*FOUL_CHOICES)}, {}),
        "end_turn": SIDE_ONLY,
        "concede_frame": SIDE_ONLY,
        "concede_match": SIDE_ONLY,
        "abandon": NO_FIELDS,
        "correction": ({"frames": int_pair(0, 50)}, {"score": int_pair(0, 9999)}),
        **COMMON_FIELDS,
    }

    def reset_frame(self, state: dict) -> None:
        super().reset_frame(state)
        state["reds_remaining"] = REDS
        state["ball_on"] = "red"
        state["respotted_black"] = False
        state["break"] = 0
        state["frame_high"] = [0, 0]
        state["choice"] = None
        state["replace"] = None
        state["misses"] = [0, 0]
        state["free_ball_open"] = False

    def finalize(self, state: dict) -> None:
        last = state["last_event"]
        if last not in KEEPS_CHOICE:
            if last != "foul_choice":
                state["free_ball_open"] = False
            state["choice"] = None
            state["replace"] = None
            if last not in ("foul_choice", None):
                state["misses"] = [0, 0]
        remaining = points_remaining(state)
        state["points_remaining"] = remaining
        score = state["score"]
        state["snookers_required"] = [score[1 - s] - score[s] > remaining for s in (0, 1)]

    def frame_breaks(self, state: dict) -> list[int]:
        return list(state["frame_high"])

    def _next_ball_on_after_visit(self, state: dict) -> None:
        if state["reds_remaining"] > 0:
            state["ball_on"] = "red"
        elif state["ball_on"] in ("red", "colour"):
            state["ball_on"] = "yellow"

    def _decide_on_black(self, state: dict) -> None:
        """The last black has just been scored or fouled: end the frame or re-spot it."""
        a, b = state["score"]
        if a == b:
            state["respotted_black"] = True
            state["ball_on"] = "black"
            state["at_table"] = None
            state["break"] = 0
        else:
            self.end_frame(state, 0 if a > b else 1)

    def _free_ball(self, state: dict, f: dict) -> int:
        """Points for a potted free ball (a nominated ball played as the ball on)."""
        ball_on = state["ball_on"]
        if not state["free_ball_open"] or ball_on in ("colour", "black"):
            raise IllegalEvent(
                BAD_VALUE, "A free ball is only possible on the first shot after a foul."
            )
        if f["ball"] == "red" or f["ball"] == ball_on or "count" in f:
            raise IllegalEvent(BAD_VALUE, "The free ball is a colour other than the ball on.")
        if ball_on == "red":
            # counts as a red (the nominated colour is re-spotted): a colour is on next
            state["ball_on"] = "colour"
        # in the colours phase the nominated ball is re-spotted and the ball on stays on
        return VALUES[ball_on]

    def on_pot(self, state: dict, f: dict) -> None:
        s, ball = f["side"], f["ball"]
        count = f.get("count", 1)
        self.check_turn(state, s)
        ball_on = state["ball_on"]
        if f.get("free_ball", False):
            points = self._free_ball(state, f)
        elif ball == "red":
            if ball_on != "red":
                raise IllegalEvent(WRONG_BALL_ON, f"The ball on is {ball_on}, not a red.")
            if count > state["reds_remaining"]:
                raise IllegalEvent(
                    TOO_MANY_BALLS, f"Only {state['reds_remaining']} red(s) are left."
                )
            state["reds_remaining"] -= count
            points = count
            state["ball_on"] = "colour"
        else:
            if count != 1:
                raise IllegalEvent(BAD_VALUE, "'count' is only for several reds on one shot.")
            if ball_on == "colour":
                state["ball_on"] = "red" if state["reds_remaining"] > 0 else "yellow"
            elif ball_on == ball:
                if ball != "black":
                    state["ball_on"] = COLOURS[COLOURS.index(ball) + 1]
            else:
                shown = "a red" if ball_on == "red" else ball_on
                raise IllegalEvent(WRONG_BALL_ON, f"The ball on is {shown}, not the {ball}.")
            points = VALUES[ball]
        state["score"][s] += points
        state["break"] += points
        state["frame_high"][s] = max(state["frame_high"][s], state["break"])
        state["high_run"][s] = max(state["high_run"][s], state["break"])
        state["fouls"][s] = 0
        state["at_table"] = s
        if ball == "black" and ball_on == "black" and not f.get("free_ball", False):
            if state["respotted_black"]:
                self.end_frame(state, s)
            else:
                self._decide_on_black(state)

    def on_foul(self, state: dict, f: dict) -> None:
        s = f["side"]
        self.check_turn(state, s)
        before = {key: state[key] for key in POSITION_KEYS}
        frame_no = state["frame_no"]
        self._foul(state, f)
        if state["frame_no"] != frame_no or state["at_table"] is None:
            return  # the foul ended the frame, or the black is re-spotted: nothing to choose
        miss = f.get("miss", False)
        if miss and f.get("clear", False):
            state["misses"][s] += 1
            state["misses"][1 - s] = 0
            if state["misses"][s] >= THREE_MISSES:
                self.end_frame(state, 1 - s, "three_misses")
                return
        else:
            state["misses"] = [0, 0]
        state["choice"] = {
            "side": 1 - s,
            "options": list(FOUL_CHOICES if miss else FOUL_CHOICES[:2]),
        }
        state["replace"] = before if miss else None
        state["free_ball_open"] = True

    def on_foul_choice(self, state: dict, f: dict) -> None:
        pending = state["choice"]
        if not pending:
            raise IllegalEvent(NO_CHOICE_PENDING)
        s, picked = f["side"], f["choice"]
        if s != pending["side"]:
            raise IllegalEvent(NOT_YOUR_TURN, f"The choice is side {pending['side']}'s to make.")
        if picked not in pending["options"]:
            raise IllegalEvent(
                NOT_AVAILABLE, "The balls are only replaced after a foul and a miss."
            )
        if picked == "play":
            state["at_table"] = s
        else:
            state["at_table"] = 1 - s
            state["free_ball_open"] = False
            if picked == "replace":
                state.update(state["replace"])
        if picked != "replace":
            state["misses"] = [0, 0]
        state["choice"] = None
        state["replace"] = None

    def time_foul(self, state: dict, side_: int) -> None:
        value = max(MIN_FOUL, VALUES.get(state["ball_on"], 0))
        self.on_foul(state, {"side": side_, "value": value})

    def _foul(self, state: dict, f: dict) -> None:
        s, value = f["side"], f["value"]
        ball_on = state["ball_on"]
        minimum = max(MIN_FOUL, VALUES.get(ball_on, 0))
        if value < minimum:
            raise IllegalEvent(
                BAD_FOUL_VALUE, f"With the {ball_on} on, a foul is worth at least {minimum}."
            )
        reds_potted = f.get("reds_potted", 0)
        if reds_potted:
            if ball_on not in ("red", "colour"):
                raise IllegalEvent(BAD_VALUE, "No reds are left on the table.")
            if reds_potted > state["reds_remaining"]:
                raise IllegalEvent(
                    TOO_MANY_BALLS, f"Only {state['reds_remaining']} red(s) are left."
                )
        state["reds_remaining"] -= reds_potted
        state["score"][1 - s] += value
        state["fouls"][s] += 1
        state["break"] = 0
        state["at_table"] = 1 - s
        if state["respotted_black"]:
            self.end_frame(state, 1 - s)
        elif ball_on == "black":
            self._decide_on_black(state)
        else:
            self._next_ball_on_after_visit(state)

    def on_end_turn(self, state: dict, f: dict) -> None:
        s = f["side"]
        self.check_turn(state, s)
        state["fouls"][s] = 0
        state["break"] = 0
        state["at_table"] = 1 - s
        if not state["respotted_black"]:
            self._next_ball_on_after_visit(state)

    def after_correction(self, state: dict) -> None:
        state["break"] = 0

    # -- legal actions ---------------------------------------------------------------------------
    def play_actions(self, state: dict) -> list[dict]:
        sides = self.turn_sides(state)
        ball_on, reds = state["ball_on"], state["reds_remaining"]
        actions = []
        pending = state["choice"]
        if pending:
            actions.append(
                {"type": "foul_choice", "sides": [pending["side"]], "choices": pending["options"]}
            )
        if ball_on == "red":
            pot = {"type": "pot", "sides": sides, "balls": ["red"], "max_count": reds}
        elif ball_on == "colour":
            pot = {"type": "pot", "sides": sides, "balls": list(COLOURS)}
        else:
            pot = {"type": "pot", "sides": sides, "balls": [ball_on]}
        if state["free_ball_open"] and ball_on not in ("colour", "black"):
            pot["free_balls"] = [c for c in COLOURS if c != ball_on]
        foul = {
            "type": "foul",
            "sides": sides,
            "min_value": max(MIN_FOUL, VALUES.get(ball_on, 0)),
            "max_value": MAX_FOUL,
            "miss": True,  # the foul may be called a miss (and a clear-ball miss)
        }
        if ball_on in ("red", "colour") and reds:
            foul["max_reds_potted"] = reds
        actions += [pot, foul, {"type": "end_turn", "sides": sides}]
        return actions

    def notices(self, state: dict) -> list[dict]:
        out = []
        if state["choice"]:
            out.append({"code": "foul_choice", "side": state["choice"]["side"]})
        for s in (0, 1):
            if state["misses"][s] == THREE_MISSES - 1:
                out.append({"code": "three_miss_warning", "side": s})
        if state["respotted_black"]:
            out.append({"code": "respotted_black"})
        at = state["at_table"]
        if at is not None and state["snookers_required"][at]:
            out.append({"code": "snookers_required", "side": at})
        return out


SNOOKER = SnookerEngine()
ENGINES = (SNOOKER,)
