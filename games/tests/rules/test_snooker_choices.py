"""Snooker: the incoming player's choices after a foul (WPBSA Official Rules, Section 3).

Rule references: 3.10 "Fouls" (the next player may play or ask the offender to play again),
3.12 "Snookered after a Foul" (free ball; void when the offender is asked to play again),
3.13 "Requested to Play Again", 3.14 "Foul and a Miss" ((a) replace from the original position
with the same ball on, (c) the warning after two misses with a clear ball on, the third awards the
frame).
"""

import pytest

from games import rules
from games.rules import IllegalEvent, base

from .support import ev, play

D = "snooker"
FMT = {"best_of": 3}


def pot(side, ball, **extra):
    return ev("pot", side=side, ball=ball, **extra)


def foul(side, value=4, **extra):
    return ev("foul", side=side, value=value, **extra)


def choose(side, choice):
    return ev("foul_choice", side=side, choice=choice)


def actions(state):
    return {a["type"]: a for a in rules.legal_actions(D, state)["actions"]}


# (rule, events, expected state subset)
CASES = [
    (
        "3.10: after a foul the incoming player may play",
        [foul(0), choose(1, "play")],
        {"score": [0, 4], "at_table": 1, "choice": None},
    ),
    (
        "3.10 / 3.13: or ask the offender to play again from the position left",
        [foul(0), choose(1, "put_back")],
        {"score": [0, 4], "at_table": 0, "ball_on": "red", "choice": None},
    ),
    (
        "3.10: an event of the incoming player is the choice to play (old logs fold as before)",
        [foul(0), pot(1, "red")],
        {"score": [0, 5], "at_table": 1, "ball_on": "colour"},
    ),
    (
        "3.14(a): foul and a miss, replaced: reds potted on the foul go back, the points stay",
        [
            pot(0, "red"),
            pot(0, "black"),
            foul(0, 4, miss=True, reds_potted=2),
            choose(1, "replace"),
        ],
        {"score": [8, 4], "reds_remaining": 14, "ball_on": "red", "at_table": 0, "break": 0},
    ),
    (
        "3.14(a): after a red the replaced ball on is a colour again",
        [pot(0, "red"), foul(0, 7, miss=True), choose(1, "replace")],
        {"score": [1, 7], "ball_on": "colour", "at_table": 0},
    ),
    (
        "3.14(a): the colours phase: the same colour is on after the replace",
        [
            pot(0, "red", count=15),
            ev("end_turn", side=0),
            pot(1, "yellow"),
            foul(1, 4, miss=True),
            choose(0, "replace"),
        ],
        {"score": [19, 2], "ball_on": "green", "at_table": 1, "reds_remaining": 0},
    ),
    (
        "3.14(c): two clear-ball misses in a row: the warning is due, the frame goes on",
        [foul(0, miss=True, clear=True), choose(1, "replace"), foul(0, miss=True, clear=True)],
        {"misses": [2, 0], "score": [0, 8], "frames": [0, 0]},
    ),
    (
        "3.14(c)(ii): the third clear-ball miss awards the frame to the opponent",
        [
            foul(0, miss=True, clear=True),
            choose(1, "replace"),
            foul(0, miss=True, clear=True),
            choose(1, "replace"),
            foul(0, miss=True, clear=True),
        ],
        {"frames": [0, 1], "frame_no": 2, "misses": [0, 0]},
    ),
    (
        "3.14(c): a miss played from the position left does not count towards three",
        [
            foul(0, miss=True, clear=True),
            choose(1, "put_back"),
            foul(0, miss=True, clear=True),
            choose(1, "replace"),
            foul(0, miss=True, clear=True),
        ],
        {"frames": [0, 0], "misses": [2, 0]},
    ),
]


@pytest.mark.parametrize(("rule", "events", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_rule_case(rule, events, expected):
    state = play(D, FMT, events)
    for key, value in expected.items():
        assert state[key] == value, (rule, key)


def test_after_a_foul_the_choices_are_offered_to_the_incoming_player():
    state = play(D, FMT, [foul(0)])
    legal = rules.legal_actions(D, state)
    offered = actions(state)
    assert offered["foul_choice"] == {
        "type": "foul_choice",
        "sides": [1],
        "choices": ["play", "put_back"],
    }
    assert {"code": "foul_choice", "side": 1} in legal["notices"]
    assert offered["pot"]["sides"] == [1]


def test_after_a_foul_and_a_miss_replace_is_offered_too():
    state = play(D, FMT, [foul(0, miss=True)])
    assert actions(state)["foul_choice"]["choices"] == ["play", "put_back", "replace"]


def test_replace_without_a_miss_is_refused():
    state = play(D, FMT, [foul(0)])
    with pytest.raises(IllegalEvent) as exc:
        rules.apply(D, state, choose(1, "replace"))
    assert exc.value.reason == base.NOT_AVAILABLE


def test_only_the_incoming_player_chooses():
    state = play(D, FMT, [foul(0)])
    with pytest.raises(IllegalEvent) as exc:
        rules.apply(D, state, choose(0, "play"))
    assert exc.value.reason == base.NOT_YOUR_TURN


def test_no_choice_without_a_foul():
    state = play(D, FMT, [pot(0, "red")])
    with pytest.raises(IllegalEvent) as exc:
        rules.apply(D, state, choose(1, "play"))
    assert exc.value.reason == base.NO_CHOICE_PENDING
    assert "foul_choice" not in actions(state)


def test_the_choice_lapses_once_the_incoming_player_plays():
    state = play(D, FMT, [foul(0), pot(1, "red")])
    assert state["choice"] is None
    with pytest.raises(IllegalEvent):
        rules.apply(D, state, choose(1, "put_back"))


def test_3_12_free_ball_stays_possible_after_choosing_to_play():
    state = play(D, FMT, [foul(0), choose(1, "play")])
    assert actions(state)["pot"]["free_balls"] == [
        "yellow",
        "green",
        "brown",
        "blue",
        "pink",
        "black",
    ]
    state = rules.apply(D, state, pot(1, "blue", free_ball=True))
    assert state["score"] == [0, 5] and state["ball_on"] == "colour"


def test_3_12_free_ball_is_void_when_the_offender_plays_again():
    state = play(D, FMT, [foul(0), choose(1, "put_back")])
    assert "free_balls" not in actions(state)["pot"]
    with pytest.raises(IllegalEvent):
        rules.apply(D, state, pot(0, "blue", free_ball=True))


def test_3_14_c_the_warning_is_announced_after_two_misses():
    state = play(
        D,
        FMT,
        [foul(0, miss=True, clear=True), choose(1, "replace"), foul(0, miss=True, clear=True)],
    )
    assert {"code": "three_miss_warning", "side": 0} in rules.legal_actions(D, state)["notices"]


def test_no_choice_when_the_foul_ends_the_frame_on_the_last_black():
    events = [
        pot(0, "red", count=15),
        ev("end_turn", side=0),
        *[pot(1, c) for c in ("yellow", "green", "brown", "blue", "pink")],
        foul(1, 7),
    ]
    state = play(D, FMT, events)
    assert state["frames"] == [1, 0] and state["choice"] is None


def test_points_remaining_go_back_with_the_replaced_reds():
    state = play(D, FMT, [foul(0, 4, miss=True, reds_potted=3)])
    assert state["points_remaining"] == 12 * 8 + 27
    state = rules.apply(D, state, choose(1, "replace"))
    assert state["points_remaining"] == 15 * 8 + 27
