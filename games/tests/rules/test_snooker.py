"""Snooker: rule cases from the WPBSA Official Rules (ball on, fouls, end of frame, re-spotted black)."""

import pytest

from games import rules
from games.rules import IllegalEvent, base
from games.rules.snooker import points_remaining

from .support import ev, play

D = "snooker"
FMT = {"best_of": 3}
COLOURS = ["yellow", "green", "brown", "blue", "pink", "black"]


def pot(side, ball, **extra):
    return ev("pot", side=side, ball=ball, **extra)


def foul(side, value=4, **extra):
    return ev("foul", side=side, value=value, **extra)


def end_turn(side):
    return ev("end_turn", side=side)


# all reds in one visit by side 0 with a black after each: 120 points, colours phase next
CLEARANCE_REDS = [e for _ in range(15) for e in (pot(0, "red"), pot(0, "black"))]


def to_colours(side_at_table=1):
    """Reach the colours phase (yellow on) with ``side_at_table`` to play."""
    events = [pot(0, "red", count=15), end_turn(0)]
    if side_at_table == 0:
        events.append(end_turn(1))
    return events


@pytest.mark.parametrize(
    ("events", "score", "ball_on", "reds", "remaining"),
    [
        ([], [0, 0], "red", 15, 147),
        ([pot(0, "red")], [1, 0], "colour", 14, 146),
        ([pot(0, "red"), pot(0, "black")], [8, 0], "red", 14, 139),
        ([pot(0, "red"), pot(0, "yellow")], [3, 0], "red", 14, 139),
        ([pot(0, "red", count=3)], [3, 0], "colour", 12, 130),
        ([pot(0, "red"), pot(0, "pink"), end_turn(0)], [7, 0], "red", 14, 139),
        # after a red, the player who misses the colour leaves a red on for the opponent
        ([pot(0, "red"), end_turn(0)], [1, 0], "red", 14, 139),
        # after the last red, the colour is still a free choice ...
        ([pot(0, "red", count=15)], [15, 0], "colour", 0, 34),
        # ... and once it is taken (or missed) the colours go in order from yellow
        ([pot(0, "red", count=15), pot(0, "blue")], [20, 0], "yellow", 0, 27),
        ([pot(0, "red", count=15), end_turn(0)], [15, 0], "yellow", 0, 27),
        ([*to_colours(), pot(1, "yellow"), pot(1, "green")], [15, 5], "brown", 0, 22),
        (
            [*to_colours(), pot(1, "yellow"), pot(1, "green"), pot(1, "brown"), pot(1, "blue")],
            [15, 14],
            "pink",
            0,
            13,
        ),
        ([*to_colours(), *[pot(1, c) for c in COLOURS[:5]]], [15, 20], "black", 0, 7),
    ],
)
def test_ball_on_and_points_remaining(events, score, ball_on, reds, remaining):
    state = play(D, FMT, events)
    assert state["score"] == score
    assert state["ball_on"] == ball_on
    assert state["reds_remaining"] == reds
    assert state["points_remaining"] == remaining == points_remaining(state)


def test_a_maximum_break_is_147():
    state = play(D, FMT, [*CLEARANCE_REDS, *[pot(0, c) for c in COLOURS]])
    assert state["frames"] == [1, 0]
    assert state["frame_history"] == [
        {"winner": 0, "score": [147, 0], "how": None, "breaks": [147, 0]}
    ]
    assert state["high_run"] == [147, 0]
    assert state["reds_remaining"] == 15 and state["ball_on"] == "red"
    assert state["at_table"] == 1  # side 1 breaks frame 2


@pytest.mark.parametrize(
    ("events", "bad"),
    [
        ([], pot(0, "black")),
        ([], pot(0, "yellow")),
        ([pot(0, "red")], pot(0, "red")),
        ([pot(0, "red"), pot(0, "blue")], pot(0, "pink")),
        ([*to_colours()], pot(1, "green")),
        ([*to_colours()], pot(1, "black")),
        ([*to_colours()], pot(1, "red")),
        ([*to_colours(), pot(1, "yellow")], pot(1, "yellow")),
        ([*to_colours(), pot(1, "yellow")], pot(1, "brown")),
    ],
)
def test_potting_a_ball_that_is_not_on_is_rejected(events, bad):
    state = play(D, FMT, events)
    with pytest.raises(IllegalEvent) as exc:
        rules.apply(D, state, bad)
    assert exc.value.reason == base.WRONG_BALL_ON
    assert exc.value.detail


@pytest.mark.parametrize(
    ("events", "value", "ok"),
    [
        ([], 4, True),  # red on: minimum 4
        ([], 7, True),  # e.g. hitting the black first
        ([pot(0, "red")], 4, True),  # any colour on: minimum 4
        ([*to_colours()], 4, True),  # yellow on
        ([*to_colours(), pot(1, "yellow"), pot(1, "green")], 4, True),  # brown on
        ([*to_colours(), *[pot(1, c) for c in COLOURS[:3]]], 4, False),  # blue on: 5
        ([*to_colours(), *[pot(1, c) for c in COLOURS[:3]]], 5, True),
        ([*to_colours(), *[pot(1, c) for c in COLOURS[:4]]], 5, False),  # pink on: 6
        ([*to_colours(), *[pot(1, c) for c in COLOURS[:4]]], 6, True),
        ([*to_colours(), *[pot(1, c) for c in COLOURS[:5]]], 6, False),  # black on: 7
    ],
)
def test_foul_value_is_at_least_max_of_four_and_the_ball_on(events, value, ok):
    state = play(D, FMT, events)
    side = state["at_table"]
    if ok:
        new = rules.apply(D, state, foul(side, value))
        assert new["score"][1 - side] == state["score"][1 - side] + value
        assert new["score"][side] == state["score"][side]
        assert new["at_table"] == 1 - side
        assert new["fouls"][side] == state["fouls"][side] + 1
    else:
        with pytest.raises(IllegalEvent) as exc:
            rules.apply(D, state, foul(side, value))
        assert exc.value.reason == base.BAD_FOUL_VALUE


@pytest.mark.parametrize("value", [0, 1, 3, 8, 147, True, "4", 4.0, None])
def test_foul_values_outside_four_to_seven_are_rejected(value):
    state = rules.initial(D, FMT)
    with pytest.raises(IllegalEvent) as exc:
        rules.apply(D, state, foul(0, value))
    assert exc.value.reason == base.BAD_VALUE


@pytest.mark.parametrize(
    ("events", "ball_on"),
    [
        ([pot(0, "red"), foul(0)], "red"),
        ([pot(0, "red", count=15), foul(0)], "yellow"),
        ([pot(0, "red", count=14), foul(0, reds_potted=1)], "yellow"),
        ([*to_colours(), pot(1, "yellow"), foul(1)], "green"),
    ],
)
def test_after_a_foul_the_turn_passes_and_the_ball_on_is_reset(events, ball_on):
    state = play(D, FMT, events)
    assert state["ball_on"] == ball_on
    assert state["break"] == 0


def test_reds_potted_on_a_foul_stay_off_the_table():
    state = play(D, FMT, [foul(0, reds_potted=2)])
    assert state["reds_remaining"] == 13 and state["score"] == [0, 4]
    assert state["points_remaining"] == 13 * 8 + 27


def test_breaks_and_high_run():
    events = [pot(0, "red"), pot(0, "black"), pot(0, "red"), pot(0, "pink"), end_turn(0)]
    state = play(D, FMT, events)
    assert state["break"] == 0 and state["high_run"] == [15, 0] and state["frame_high"] == [15, 0]
    state = play(D, FMT, [*events, pot(1, "red"), pot(1, "blue"), foul(1)])
    assert state["break"] == 0 and state["high_run"] == [15, 6]
    assert state["score"] == [19, 6]


@pytest.mark.parametrize(
    ("events", "required"),
    [
        ([], [False, False]),
        (CLEARANCE_REDS, [False, True]),  # 120 behind with 27 on the table
        ([*to_colours(), ev("correction", frames=[0, 0], score=[27, 0])], [False, False]),
        ([*to_colours(), ev("correction", frames=[0, 0], score=[28, 0])], [False, True]),
        ([*to_colours(), ev("correction", frames=[0, 0], score=[0, 30])], [True, False]),
        (
            [*to_colours(), ev("correction", frames=[0, 0], score=[20, 0]), pot(1, "yellow")],
            [False, False],
        ),
        (
            [*to_colours(), ev("correction", frames=[0, 0], score=[30, 0]), pot(1, "yellow")],
            [False, True],
        ),
    ],
)
def test_snookers_required_when_behind_by_more_than_points_remaining(events, required):
    state = play(D, FMT, events)
    assert state["snookers_required"] == required


def _tied_on_the_black():
    # yellow..pink by side 1 make 20; a correction sets up a tie after the black
    return [
        *to_colours(),
        ev("correction", frames=[0, 0], score=[50, 23]),
        *[pot(1, c) for c in COLOURS],
    ]


def test_a_tie_after_the_last_black_respots_the_black():
    state = play(D, FMT, _tied_on_the_black())
    assert state["score"] == [50, 50]
    assert state["respotted_black"] is True
    assert state["ball_on"] == "black" and state["points_remaining"] == 7
    assert state["frames"] == [0, 0] and state["at_table"] is None
    assert state["snookers_required"] == [False, False]


@pytest.mark.parametrize("side", [0, 1])
def test_potting_the_respotted_black_wins_the_frame(side):
    state = play(D, FMT, [*_tied_on_the_black(), pot(side, "black")])
    assert state["frames"][side] == 1
    history = state["frame_history"][-1]
    assert history["winner"] == side
    assert history["score"][side] == 57 and history["score"][1 - side] == 50


@pytest.mark.parametrize("side", [0, 1])
def test_a_foul_on_the_respotted_black_loses_the_frame(side):
    state = play(D, FMT, [*_tied_on_the_black(), end_turn(side), foul(1 - side, 7)])
    assert state["frames"][side] == 1
    with pytest.raises(IllegalEvent) as exc:
        play(D, FMT, [*_tied_on_the_black(), foul(side, 4)])
    assert exc.value.reason == base.BAD_FOUL_VALUE


def test_potting_the_last_black_ends_the_frame():
    events = [*to_colours(), *[pot(1, c) for c in COLOURS]]
    state = play(D, FMT, events)
    assert state["frames"] == [0, 1]  # 15 - 27
    assert state["frame_history"][-1]["score"] == [15, 27]


def test_a_foul_on_the_last_black_ends_the_frame():
    events = [*to_colours(), *[pot(1, c) for c in COLOURS[:5]], foul(1, 7)]
    state = play(D, FMT, events)
    assert state["frame_history"][-1]["score"] == [22, 20]
    assert state["frames"] == [1, 0]


def test_a_foul_on_the_last_black_that_ties_the_scores_respots_it():
    events = [
        *to_colours(),
        ev("correction", frames=[0, 0], score=[27, 0]),
        *[pot(1, c) for c in COLOURS[:5]],
        end_turn(1),
        foul(0, 7),
    ]
    state = play(D, FMT, events)
    assert state["score"] == [27, 27]
    assert state["respotted_black"] is True and state["frames"] == [0, 0]


def test_best_of_three_ends_after_two_frames():
    frame = [pot(0, "red", count=15), pot(0, "black"), *[pot(0, c) for c in COLOURS]]
    state = play(D, FMT, [*frame, ev("concede_frame", side=0)])
    assert state["frames"] == [1, 1]
    state = rules.apply(D, state, ev("concede_frame", side=0))
    assert state["over"] is True and state["winner"] == 1
    assert state["frame_history"][0]["breaks"] == [49, 0]


@pytest.mark.parametrize(
    ("events", "bad", "reason"),
    [
        ([], pot(1, "red"), base.NOT_YOUR_TURN),
        ([], foul(1), base.NOT_YOUR_TURN),
        ([pot(0, "red"), end_turn(0)], pot(0, "red"), base.NOT_YOUR_TURN),
        ([], pot(0, "white"), base.BAD_VALUE),
        ([], pot(0, "Red"), base.BAD_VALUE),
        ([], ev("pot", side=0), base.MISSING_FIELD),
        ([], ev("pot", side=0, count=1), base.MISSING_FIELD),
        ([], pot(0, "red", count=16), base.BAD_VALUE),
        ([], pot(0, "red", count=0), base.BAD_VALUE),
        ([pot(0, "red", count=14), pot(0, "black")], pot(0, "red", count=2), base.TOO_MANY_BALLS),
        ([pot(0, "red")], pot(0, "black", count=2), base.BAD_VALUE),
        ([], ev("foul", side=0), base.MISSING_FIELD),
        ([], foul(0, 4, reds_potted=16), base.BAD_VALUE),
        ([*to_colours()], foul(1, 4, reds_potted=1), base.BAD_VALUE),
        ([pot(0, "red", count=14), end_turn(0)], foul(1, 4, reds_potted=2), base.TOO_MANY_BALLS),
        ([], ev("rack", side=0), base.UNKNOWN_EVENT),
        ([], ev("foul", side=0, value=4, **{"break": True}), base.UNKNOWN_FIELD),
    ],
)
def test_illegal_snooker_events(events, bad, reason):
    state = play(D, FMT, events)
    with pytest.raises(IllegalEvent) as exc:
        rules.apply(D, state, bad)
    assert exc.value.reason == reason


def test_a_free_ball_with_a_red_on_counts_as_a_red_and_leaves_the_reds():
    state = play(D, FMT, [foul(0), pot(1, "blue", free_ball=True)])
    assert state["score"] == [0, 5]
    assert state["reds_remaining"] == 15 and state["ball_on"] == "colour"
    state = rules.apply(D, state, pot(1, "black"))
    assert state["score"] == [0, 12] and state["ball_on"] == "red"


def test_a_free_ball_in_the_colours_phase_scores_the_ball_on_which_stays_on():
    events = [*to_colours(), pot(1, "yellow"), foul(1), pot(0, "pink", free_ball=True)]
    state = play(D, FMT, events)
    assert state["score"] == [15 + 4 + 3, 2]
    assert state["ball_on"] == "green"
    state = rules.apply(D, state, pot(0, "green"))
    assert state["ball_on"] == "brown"


@pytest.mark.parametrize(
    ("events", "bad"),
    [
        ([], pot(0, "blue", free_ball=True)),  # no foul before
        ([foul(0), end_turn(1)], pot(0, "blue", free_ball=True)),  # not the first shot
        ([foul(0)], pot(1, "red", free_ball=True)),  # a red is never a free ball
        ([*to_colours(), foul(1)], pot(0, "yellow", free_ball=True)),  # that is the ball on
        ([pot(0, "red"), foul(0)], pot(1, "blue", free_ball=1)),
    ],
)
def test_free_ball_misuse_is_rejected(events, bad):
    state = play(D, FMT, events)
    with pytest.raises(IllegalEvent) as exc:
        rules.apply(D, state, bad)
    assert exc.value.reason == base.BAD_VALUE
