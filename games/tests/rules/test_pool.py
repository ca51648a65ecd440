"""Pool (8-ball, 9-ball, 10-ball): rule cases from the WPA World Standardized Rules."""

import pytest

from games import rules
from games.rules import IllegalEvent, base

from .support import ev, play

POOLS = ("pool_8", "pool_9", "pool_10")
FMT = {"race_to": 3}


def foul(side, **extra):
    return ev("foul", side=side, **extra)


@pytest.mark.parametrize("discipline", POOLS)
@pytest.mark.parametrize("how", [None, "break_and_run", "foul"])
def test_rack_event_awards_the_rack(discipline, how):
    event = ev("rack", side=1) if how is None else ev("rack", side=1, how=how)
    state = play(discipline, FMT, [event])
    assert state["frames"] == [0, 1] and state["frame_no"] == 2
    assert state["frame_history"] == [{"winner": 1, "score": [0, 0], "how": how, "breaks": None}]
    assert state["at_table"] is None and state["breaker"] == 1


@pytest.mark.parametrize(
    ("discipline", "how", "ok"),
    [
        ("pool_9", "golden_break", True),
        ("pool_10", "golden_break", True),
        ("pool_8", "golden_break", False),
        ("pool_8", "eight_on_break", True),
        ("pool_9", "eight_on_break", False),
        ("pool_10", "eight_on_break", False),
        ("pool_9", "three_fouls", False),
        ("pool_9", "magic", False),
    ],
)
def test_rack_how_depends_on_the_game(discipline, how, ok):
    state = rules.initial(discipline, FMT)
    if ok:
        state = rules.apply(discipline, state, ev("rack", side=0, how=how))
        assert state["frame_history"][-1]["how"] == how
    else:
        with pytest.raises(IllegalEvent) as exc:
            rules.apply(discipline, state, ev("rack", side=0, how=how))
        assert exc.value.reason == base.BAD_VALUE


@pytest.mark.parametrize("discipline", ["pool_9", "pool_10"])
@pytest.mark.parametrize("side", [0, 1])
def test_third_consecutive_foul_loses_the_rack_in_nine_and_ten_ball(discipline, side):
    state = play(discipline, FMT, [foul(side), foul(side)])
    assert state["fouls"][side] == 2 and state["frames"] == [0, 0]
    state = rules.apply(discipline, state, foul(side))
    assert state["frames"][1 - side] == 1
    assert state["frame_history"][-1] == {
        "winner": 1 - side,
        "score": [0, 0],
        "how": "three_fouls",
        "breaks": None,
    }
    assert state["fouls"] == [0, 0]


def test_third_consecutive_foul_loses_the_rack_in_nine_ball():
    state = play("pool_9", FMT, [foul(0), foul(1), foul(0), foul(1), foul(0)])
    assert state["frames"] == [0, 1]
    assert state["fouls"] == [0, 0]


@pytest.mark.parametrize("discipline", ["pool_9", "pool_10"])
@pytest.mark.parametrize(
    "reset",
    [ev("end_turn", side=0), ev("pot", side=0, count=1)],
    ids=["legal_shot", "legal_pot"],
)
def test_a_legal_shot_resets_the_consecutive_fouls(discipline, reset):
    state = play(discipline, FMT, [foul(0), foul(0), reset, foul(0), foul(0)])
    assert state["frames"] == [0, 0] and state["fouls"] == [2, 0]


@pytest.mark.parametrize("discipline", ["pool_9", "pool_10"])
def test_the_opponents_legal_shot_does_not_reset_a_sides_fouls(discipline):
    state = play(discipline, FMT, [foul(0), ev("end_turn", side=1), foul(0)])
    assert state["fouls"] == [2, 0]
    state = rules.apply(discipline, state, foul(0))
    assert state["frames"] == [0, 1]


@pytest.mark.parametrize("discipline", ["pool_9", "pool_10"])
def test_the_end_of_a_rack_resets_the_foul_counters(discipline):
    state = play(discipline, FMT, [foul(0), foul(0), foul(1), ev("rack", side=1), foul(0)])
    assert state["fouls"] == [1, 0] and state["frames"] == [0, 1]


def test_eight_ball_has_no_three_foul_rule():
    state = play("pool_8", FMT, [foul(0)] * 5)
    assert state["fouls"] == [5, 0] and state["frames"] == [0, 0]


@pytest.mark.parametrize(
    ("eight_ball", "how"), [("early", "eight_ball_early"), ("scratch", "eight_ball_scratch")]
)
@pytest.mark.parametrize("side", [0, 1])
def test_pocketing_the_eight_early_or_scratching_on_it_loses_the_rack(eight_ball, how, side):
    state = play("pool_8", FMT, [foul(side, eight_ball=eight_ball)])
    assert state["frames"][1 - side] == 1 and state["frames"][side] == 0
    assert state["frame_history"][-1]["how"] == how
    assert state["frame_history"][-1]["winner"] == 1 - side


@pytest.mark.parametrize("discipline", ["pool_9", "pool_10"])
def test_eight_ball_field_is_unknown_outside_eight_ball(discipline):
    with pytest.raises(IllegalEvent) as exc:
        play(discipline, FMT, [foul(0, eight_ball="early")])
    assert exc.value.reason == base.UNKNOWN_FIELD


@pytest.mark.parametrize(
    ("discipline", "events", "score"),
    [
        ("pool_9", [ev("pot", side=0, count=3), ev("pot", side=1, count=2)], [3, 2]),
        ("pool_8", [ev("pot", side=0, count=7), ev("pot", side=1, count=7)], [7, 7]),
    ],
)
def test_pots_track_balls_per_side_in_the_rack(discipline, events, score):
    state = play(discipline, FMT, events)
    assert state["score"] == score
    state = rules.apply(discipline, state, ev("rack", side=0))
    assert state["score"] == [0, 0] and state["frame_history"][-1]["score"] == score


@pytest.mark.parametrize(
    ("discipline", "events", "bad", "reason"),
    [
        ("pool_9", [], ev("pot", side=0, ball="9"), base.UNKNOWN_FIELD),
        ("pool_9", [], ev("pot", side=0, count=1, ball="9"), base.UNKNOWN_FIELD),
        ("pool_9", [], ev("pot", side=0, count=10), base.BAD_VALUE),
        ("pool_10", [ev("pot", side=0, count=8)], ev("pot", side=1, count=3), base.TOO_MANY_BALLS),
        ("pool_8", [], ev("pot", side=0, count=16), base.BAD_VALUE),
        ("pool_8", [], ev("pot", side=0), base.MISSING_FIELD),
        ("pool_8", [], foul(0, eight_ball="late"), base.BAD_VALUE),
        ("pool_8", [], foul(0, eight_ball=True), base.BAD_VALUE),
        ("pool_9", [], foul(0, value=4), base.UNKNOWN_FIELD),
        ("pool_9", [], ev("rack"), base.MISSING_FIELD),
        ("pool_9", [], ev("rack", side=0, how=None), base.BAD_VALUE),
        ("pool_9", [], ev("rack", side=0, winner=0), base.UNKNOWN_FIELD),
        ("pool_9", [], ev("correction", frames=[0, 0], score=[5, 5]), base.BAD_VALUE),
    ],
)
def test_illegal_pool_events(discipline, events, bad, reason):
    state = play(discipline, FMT, events)
    with pytest.raises(IllegalEvent) as exc:
        rules.apply(discipline, state, bad)
    assert exc.value.reason == reason


def test_nine_ball_race_to_three_is_won_by_the_third_rack():
    events = [
        ev("rack", side=0, how="break_and_run"),
        foul(1),
        foul(1),
        foul(1),
        ev("rack", side=1),
        ev("rack", side=0, how="golden_break"),
    ]
    state = play("pool_9", FMT, events)
    assert state["frames"] == [3, 1]
    assert state["over"] is True and state["winner"] == 0 and state["ended_by"] == "frames"
    assert [f["how"] for f in state["frame_history"]] == [
        "break_and_run",
        "three_fouls",
        None,
        "golden_break",
    ]
    with pytest.raises(IllegalEvent) as exc:
        rules.apply("pool_9", state, ev("rack", side=1))
    assert exc.value.reason == base.MATCH_OVER
