"""Straight pool (14.1 continuous): rule cases from the WPA World Standardized Rules."""

import pytest

from games import rules
from games.rules import IllegalEvent, base

from .support import ev, play

D = "straight_pool"
FMT = {"points_to": 100}


def pot(side, count=1):
    return ev("pot", side=side, count=count)


def foul(side, **extra):
    return ev("foul", side=side, **extra)


def end_turn(side):
    return ev("end_turn", side=side)


@pytest.mark.parametrize(
    ("events", "score", "fouls"),
    [
        ([pot(0, 5)], [5, 0], [0, 0]),
        ([pot(0, 5), end_turn(0), pot(1, 14), pot(1)], [5, 15], [0, 0]),
        # standard foul: -1, the score may go negative
        ([end_turn(0), foul(1)], [0, -1], [0, 1]),
        # opening-break foul: -2, not counted toward three, and may be repeated
        ([foul(0, **{"break": True})], [-2, 0], [0, 0]),
        ([foul(0, **{"break": True}), foul(0, **{"break": True})], [-4, 0], [0, 0]),
        ([foul(0, **{"break": True}), foul(0)], [-3, 0], [1, 0]),
        ([foul(0, **{"break": False})], [-1, 0], [1, 0]),
        # second consecutive foul
        ([foul(0), end_turn(1), foul(0)], [-2, 0], [2, 0]),
        # third consecutive foul: -1 and -15 extra (-16 for that foul), the count resets
        ([foul(0), end_turn(1), foul(0), end_turn(1), foul(0)], [-18, 0], [0, 0]),
        # a legal pot resets the side's consecutive fouls
        (
            [foul(0), end_turn(1), foul(0), end_turn(1), pot(0), end_turn(0), end_turn(1), foul(0)],
            [-2, 0],
            [1, 0],
        ),
        # so does an inning ended by a legal shot without a foul
        (
            [foul(0), end_turn(1), foul(0), end_turn(1), end_turn(0), end_turn(1), foul(0)],
            [-3, 0],
            [1, 0],
        ),
        # the opponent's fouls in between do not reset them
        ([foul(0), foul(1), foul(0), foul(1), foul(0)], [-18, -2], [0, 2]),
    ],
)
def test_points_and_foul_penalties(events, score, fouls):
    state = play(D, FMT, events)
    assert state["score"] == score
    assert state["fouls"] == fouls
    assert state["frames"] == [0, 0] and state["over"] is False


def test_third_consecutive_foul_costs_sixteen_and_resets_the_count():
    state = play(D, FMT, [pot(0, 10), foul(0), end_turn(1), foul(0), end_turn(1)])
    assert state["score"] == [8, 0] and state["fouls"] == [2, 0]
    state = rules.apply(D, state, foul(0))
    assert state["score"] == [-8, 0]
    assert state["fouls"] == [0, 0]
    # WPA: the balls are re-racked and the offender breaks under opening-break rules again
    assert state["opening_break"] is True and state["at_table"] == 0
    state = rules.apply(D, state, foul(0, **{"break": True}))
    assert state["score"] == [-10, 0] and state["fouls"] == [0, 0]


def test_break_foul_is_only_possible_on_the_opening_break():
    state = play(D, FMT, [pot(0)])
    with pytest.raises(IllegalEvent) as exc:
        rules.apply(D, state, foul(0, **{"break": True}))
    assert exc.value.reason == base.NOT_OPENING_BREAK


def test_after_a_break_foul_either_side_may_play():
    # the opponent may accept the table or ask the breaker to break again
    for side in (0, 1):
        state = play(D, FMT, [foul(0, **{"break": True}), pot(side, 2)])
        assert state["score"][side] == (2 if side == 1 else 0)


def test_reaching_the_points_target_wins_the_game():
    state = play(D, {"points_to": 20}, [pot(0, 14), pot(0, 5), end_turn(0), pot(1, 3)])
    assert state["over"] is False
    state = rules.apply(D, state, end_turn(1))
    state = rules.apply(D, state, pot(0, 2))
    assert state["score"] == [21, 3]
    assert state["over"] is True and state["winner"] == 0 and state["ended_by"] == "points"
    assert state["frames"] == [0, 0]
    assert state["frame_history"] == [
        {"winner": 0, "score": [21, 3], "how": "points", "breaks": [19, 3]}
    ]
    with pytest.raises(IllegalEvent) as exc:
        rules.apply(D, state, pot(1))
    assert exc.value.reason == base.MATCH_OVER


def test_a_negative_score_can_still_win():
    state = play(D, {"points_to": 5}, [foul(0, **{"break": True}), end_turn(1), pot(0, 7)])
    assert state["score"] == [5, 0] and state["winner"] == 0


@pytest.mark.parametrize(
    ("events", "run", "high_run"),
    [
        ([pot(0, 3), pot(0, 4)], [7, 0], [7, 0]),
        ([pot(0, 3), end_turn(0), pot(1, 2), end_turn(1), pot(0, 1)], [1, 0], [3, 2]),
        ([pot(0, 14), pot(0, 14), foul(0)], [0, 0], [28, 0]),
        ([pot(0, 3), foul(0), pot(1, 5)], [0, 5], [3, 5]),
    ],
)
def test_runs_and_high_run(events, run, high_run):
    state = play(D, FMT, events)
    assert state["run"] == run
    assert state["high_run"] == high_run


@pytest.mark.parametrize(
    ("events", "bad", "reason"),
    [
        ([pot(0)], pot(1), base.NOT_YOUR_TURN),
        ([pot(0), end_turn(0)], foul(0), base.NOT_YOUR_TURN),
        ([], pot(0, 16), base.BAD_VALUE),
        ([], pot(0, 0), base.BAD_VALUE),
        ([], ev("pot", side=0, ball="red"), base.UNKNOWN_FIELD),
        ([], foul(0, **{"break": 1}), base.BAD_VALUE),
        ([], foul(0, value=4), base.UNKNOWN_FIELD),
        ([], ev("rack", side=0), base.UNKNOWN_EVENT),
        ([], ev("correction", frames=[1, 0]), base.UNKNOWN_FIELD),
        ([], ev("correction", score=[100, 100]), base.BAD_VALUE),
        ([], ev("correction", score=[1.5, 0]), base.BAD_VALUE),
    ],
)
def test_illegal_straight_pool_events(events, bad, reason):
    state = play(D, FMT, events)
    with pytest.raises(IllegalEvent) as exc:
        rules.apply(D, state, bad)
    assert exc.value.reason == reason


@pytest.mark.parametrize("event_type", ["concede_frame", "concede_match"])
def test_conceding_concedes_the_single_game(event_type):
    state = play(D, FMT, [pot(0, 15), pot(0, 15), ev(event_type, side=0)])
    assert state["over"] is True and state["winner"] == 1 and state["ended_by"] == "conceded"
    assert state["frame_history"][-1]["winner"] == 1


def test_correction_sets_the_scores_and_can_reopen_the_game():
    state = play(D, {"points_to": 10}, [pot(0, 10)])
    assert state["over"] is True
    state = rules.apply(D, state, ev("correction", score=[8, -3]))
    assert state["over"] is False and state["winner"] is None
    assert state["score"] == [8, -3] and state["frame_history"] == []
    assert state["corrected"] is True
    state = rules.apply(D, state, ev("correction", score=[8, 12]))
    assert state["over"] is True and state["winner"] == 1 and state["ended_by"] == "correction"
