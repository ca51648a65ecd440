"""The shot clock (a match setting): time fouls booked as the discipline's foul, extensions per frame.

WPA "Shot Clock" regulations (one extension per player per rack by default); snooker has no
WPBSA shot clock: a time foul is booked as a foul worth the ball on (minimum 4, Section 3 Rule 11).
"""

import pytest

from games import rules
from games.rules import IllegalEvent, base

from .support import ev, play

CLOCK = {"seconds": 30, "extensions": 1}


def acts(discipline, state):
    return {a["type"]: a for a in rules.legal_actions(discipline, state)["actions"]}


@pytest.mark.parametrize(
    ("discipline", "fmt", "events", "expected"),
    [
        ("snooker", {"best_of": 3}, [], {"score": [0, 4], "at_table": 1}),
        (
            "snooker",
            {"best_of": 3},
            [
                ev("pot", side=0, ball="red"),
                ev("pot", side=0, ball="black"),
                ev("pot", side=0, ball="red"),
            ],
            {"score": [9, 4]},
        ),  # no colour nominated
        (
            "snooker",
            {"best_of": 3},
            [
                ev("pot", side=0, ball="red", count=15),
                ev("end_turn", side=0),
                *[ev("pot", side=1, ball=c) for c in ("yellow", "green", "brown")],
                ev("end_turn", side=1),
            ],
            {"score": [15, 14]},
        ),  # blue on: 5
        ("pool_9", {"race_to": 2}, [], {"fouls": [1, 0], "ball_in_hand": 1}),
        ("pyramid_moscow", {"race_to": 2}, [], {"score": [0, 1], "owed": [1, 0]}),
    ],
)
def test_a_time_foul_is_the_disciplines_foul(discipline, fmt, events, expected):
    side = 0
    state = play(discipline, {**fmt, "shot_clock": CLOCK}, [*events, ev("time_foul", side=side)])
    for key, value in expected.items():
        assert state[key] == value


def test_extensions_are_counted_per_player_and_frame():
    fmt = {"race_to": 2, "shot_clock": CLOCK}
    state = play("pyramid_free", fmt, [ev("clock_extension", side=0)])
    assert state["clock"] == {"seconds": 30, "extensions": [0, 1]}
    assert "clock_extension" not in acts("pyramid_free", state)
    with pytest.raises(IllegalEvent) as exc:
        rules.apply("pyramid_free", state, ev("clock_extension", side=0))
    assert exc.value.reason == base.NO_EXTENSIONS
    state = play("pyramid_free", fmt, [ev("clock_extension", side=0), ev("pot", side=0, count=8)])
    assert state["clock"]["extensions"] == [1, 1]


def test_without_a_shot_clock_the_clock_events_are_refused():
    state = rules.initial("pool_9", {"race_to": 2})
    assert "clock" not in state
    assert "time_foul" not in acts("pool_9", state)
    for etype in ("time_foul", "clock_extension"):
        with pytest.raises(IllegalEvent) as exc:
            rules.apply("pool_9", state, ev(etype, side=0))
        assert exc.value.reason == base.NOT_IN_FORMAT


def test_a_snooker_foul_choice_survives_an_extension():
    fmt = {"best_of": 3, "shot_clock": CLOCK}
    state = play("snooker", fmt, [ev("foul", side=0, value=4), ev("clock_extension", side=1)])
    assert state["choice"]["side"] == 1
