"""Russian pyramid (free, Moscow, Nevskaya): rule cases from the FBSR / IPA rules."""

import pytest

from games import rules
from games.rules import IllegalEvent, base

from .support import ev, play, pots

PYRAMIDS = ("pyramid_free", "pyramid_moscow", "pyramid_nevskaya")
FMT = {"race_to": 2}


def pot(side, count=1, **extra):
    return ev("pot", side=side, count=count, **extra)


def foul(side):
    return ev("foul", side=side)


def end_turn(side):
    return ev("end_turn", side=side)


@pytest.mark.parametrize("discipline", PYRAMIDS)
@pytest.mark.parametrize(
    ("events", "score", "owed", "at_table", "balls"),
    [
        # a scoring pot keeps the turn
        (pots(0, 3), [3, 0], [0, 0], 0, 12),
        (pots(0, 1, count=4), [4, 0], [0, 0], 0, 11),
        # end_turn (legal shot, no pot) passes the turn
        ([pot(0), end_turn(0), pot(1, 2)], [1, 2], [0, 0], 1, 12),
        # foul with balls: the offender gives up a ball, the opponent gets it (+1)
        ([pot(0, 3), foul(0)], [2, 1], [0, 0], 1, 12),
        # foul with no balls: the opponent gets +1 at once and the offender owes the ball
        ([foul(0)], [0, 1], [1, 0], 1, 15),
        ([foul(0), foul(1)], [1, 0], [1, 0], 0, 15),
        ([foul(0), end_turn(1), foul(0)], [0, 2], [2, 0], 1, 15),
        # the debt is paid out of the offender's next pocketed ball(s)
        ([foul(0), end_turn(1), pot(0)], [0, 1], [0, 0], 0, 14),
        ([foul(0), end_turn(1), pot(0, 3)], [2, 1], [0, 0], 0, 12),
        ([foul(0), end_turn(1), foul(0), end_turn(1), pot(0)], [0, 2], [1, 0], 0, 14),
    ],
)
def test_pots_fouls_and_owed_balls(discipline, events, score, owed, at_table, balls):
    state = play(discipline, FMT, events)
    assert state["score"] == score
    assert state["owed"] == owed
    assert state["at_table"] == at_table
    assert state["balls_on_table"] == balls
    assert sum(state["score"]) - sum(state["owed"]) == 15 - state["balls_on_table"]


@pytest.mark.parametrize("discipline", PYRAMIDS)
def test_eight_points_win_the_frame_and_reset_it(discipline):
    state = play(discipline, FMT, [*pots(0, 6), end_turn(0), pot(1, 3), foul(1), pot(0)])
    assert state["frames"] == [1, 0]
    assert state["frame_no"] == 2
    assert state["score"] == [0, 0]
    assert state["owed"] == [0, 0] and state["balls_on_table"] == 15
    assert state["frame_history"] == [{"winner": 0, "score": [8, 2], "how": None, "breaks": None}]
    assert state["at_table"] == 1  # breaks alternate
    assert state["over"] is False


@pytest.mark.parametrize("discipline", PYRAMIDS)
def test_a_foul_can_give_the_opponent_the_eighth_point(discipline):
    state = play(discipline, FMT, [*pots(0, 7), end_turn(0), foul(1)])
    assert state["frames"] == [1, 0]
    assert state["frame_history"][-1] == {
        "winner": 0,
        "score": [8, 0],
        "how": "foul",
        "breaks": None,
    }


@pytest.mark.parametrize("discipline", PYRAMIDS)
def test_points_beyond_eight_are_not_recorded(discipline):
    state = play(discipline, FMT, [*pots(0, 7), pot(0, 2)])
    assert state["frame_history"][-1]["score"] == [8, 0]


@pytest.mark.parametrize("discipline", PYRAMIDS)
def test_race_to_two_frames_ends_the_match(discipline):
    state = play(discipline, FMT, [pot(0, 8), pot(1, 8)])
    assert state["frames"] == [1, 1] and state["at_table"] == 0  # side 0 breaks frame 3
    state = rules.apply(discipline, state, pot(0, 8))
    assert state["frames"] == [2, 1]
    assert state["over"] is True and state["winner"] == 0 and state["ended_by"] == "frames"
    assert len(state["frame_history"]) == 3


@pytest.mark.parametrize("discipline", PYRAMIDS)
@pytest.mark.parametrize(
    ("events", "bad", "reason"),
    [
        ([], pot(1), base.NOT_YOUR_TURN),
        ([], foul(1), base.NOT_YOUR_TURN),
        ([], end_turn(1), base.NOT_YOUR_TURN),
        ([foul(0)], pot(0), base.NOT_YOUR_TURN),
        ([pot(0, 7), end_turn(0), pot(1, 7)], pot(1, 2), base.TOO_MANY_BALLS),
        ([], pot(0, 16), base.BAD_VALUE),
        ([], pot(0, 0), base.BAD_VALUE),
        ([], pot(0, True), base.BAD_VALUE),
        ([], pot(0, "1"), base.BAD_VALUE),
        ([], ev("pot", side=0), base.MISSING_FIELD),
        ([], ev("pot", side=0, count=1, ball="red"), base.UNKNOWN_FIELD),
        ([], ev("foul", side=0, value=4), base.UNKNOWN_FIELD),
        ([], ev("rack", side=0), base.UNKNOWN_EVENT),
        ([], ev("correction", frames=[0, 0], score=[8, 0]), base.BAD_VALUE),
    ],
)
def test_illegal_pyramid_events(discipline, events, bad, reason):
    state = play(discipline, FMT, events)
    with pytest.raises(IllegalEvent) as exc:
        rules.apply(discipline, state, bad)
    assert exc.value.reason == reason


@pytest.mark.parametrize("discipline", ["pyramid_moscow", "pyramid_nevskaya"])
def test_bonus_ball_after_the_cue_ball_is_recorded_in_moscow_and_nevskaya(discipline):
    state = play(discipline, FMT, [pot(0), pot(0, 1, bonus=True), pot(0, 1, bonus=False)])
    assert state["score"] == [3, 0]
    assert state["bonus_balls"] == [1, 0]
    assert state["balls_on_table"] == 12
    with pytest.raises(IllegalEvent) as exc:
        rules.apply(discipline, state, pot(0, 2, bonus=True))
    assert exc.value.reason == base.BAD_VALUE
    with pytest.raises(IllegalEvent) as exc:
        rules.apply(discipline, state, pot(0, 1, bonus=1))
    assert exc.value.reason == base.BAD_VALUE


def test_bonus_ball_is_not_a_free_pyramid_field():
    state = rules.initial("pyramid_free", FMT)
    with pytest.raises(IllegalEvent) as exc:
        rules.apply("pyramid_free", state, pot(0, 1, bonus=True))
    assert exc.value.reason == base.UNKNOWN_FIELD
    assert state["bonus_balls"] == [0, 0]


@pytest.mark.parametrize("discipline", PYRAMIDS)
def test_correction_with_score_resets_owed_and_the_table(discipline):
    state = play(discipline, FMT, [foul(0), ev("correction", frames=[1, 0], score=[3, 4])])
    assert state["score"] == [3, 4] and state["owed"] == [0, 0]
    assert state["balls_on_table"] == 8
    assert state["frames"] == [1, 0] and state["frame_no"] == 2


@pytest.mark.parametrize("discipline", PYRAMIDS)
def test_consecutive_fouls_are_counted_and_reset_by_a_legal_shot(discipline):
    state = play(discipline, FMT, [foul(0), end_turn(1), foul(0)])
    assert state["fouls"] == [2, 0]
    state = rules.apply(discipline, state, end_turn(1))
    state = rules.apply(discipline, state, end_turn(0))
    assert state["fouls"] == [0, 0]
