"""Contracts every engine shares: strict events, concessions, abandon, corrections, purity."""

import copy
import json

import pytest

from games import rules
from games.rules import DISCIPLINES, FAMILY, IllegalEvent, InvalidFormat, base

from .support import ev, play

FRAME_DISCIPLINES = tuple(d for d in DISCIPLINES if d != "straight_pool")


def fmt_for(discipline, n=2):
    return {"points_to": 10} if discipline == "straight_pool" else {"race_to": n}


def scoring_event(discipline, side=0):
    """An event that scores for ``side`` from a fresh frame where ``side`` is at the table."""
    if FAMILY[discipline] == "snooker":
        return ev("pot", side=side, ball="red")
    return ev("pot", side=side, count=1)


def win_frame(discipline, side):
    """Events that make ``side`` win the current frame (any discipline with frames)."""
    if FAMILY[discipline] == "pool":
        return [ev("rack", side=side)]
    return [ev("concede_frame", side=1 - side)]


# --- strict validation ------------------------------------------------------------------------


@pytest.mark.parametrize("discipline", DISCIPLINES)
@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (ev("undo"), base.UNKNOWN_EVENT),
        (ev("shot", side=0), base.UNKNOWN_EVENT),
        ({"side": 0}, base.NOT_AN_EVENT),
        ("pot", base.NOT_AN_EVENT),
        ({"type": 3}, base.NOT_AN_EVENT),
        (ev("concede_match"), base.MISSING_FIELD),
        (ev("concede_match", side=2), base.BAD_VALUE),
        (ev("concede_match", side=-1), base.BAD_VALUE),
        (ev("concede_match", side=True), base.BAD_VALUE),
        (ev("concede_match", side="0"), base.BAD_VALUE),
        (ev("concede_match", side=0, reason="tired"), base.UNKNOWN_FIELD),
        (ev("abandon", side=0), base.UNKNOWN_FIELD),
        (ev("foul"), base.MISSING_FIELD),
        (ev("end_turn", side=None), base.BAD_VALUE),
    ],
)
def test_malformed_events_are_rejected_with_the_right_reason(discipline, event, reason):
    state = rules.initial(discipline, fmt_for(discipline))
    with pytest.raises(IllegalEvent) as exc:
        rules.apply(discipline, state, event)
    assert exc.value.reason == reason
    assert exc.value.detail


@pytest.mark.parametrize("discipline", DISCIPLINES)
def test_envelope_fields_are_ignored(discipline):
    event = scoring_event(discipline) | {"expected_version": 3, "client_event_id": "abc"}
    state = play(discipline, fmt_for(discipline), [event])
    assert state["score"][0] >= 1


@pytest.mark.parametrize("discipline", DISCIPLINES)
def test_state_of_another_discipline_is_rejected(discipline):
    other = "snooker" if discipline != "snooker" else "pool_9"
    state = rules.initial(other, fmt_for(other))
    with pytest.raises(IllegalEvent) as exc:
        rules.apply(discipline, state, ev("abandon"))
    assert exc.value.reason == base.BAD_STATE


@pytest.mark.parametrize("discipline", DISCIPLINES)
def test_apply_returns_a_new_state_and_never_mutates_its_input(discipline):
    state = rules.initial(discipline, fmt_for(discipline))
    before = copy.deepcopy(state)
    new = rules.apply(discipline, state, scoring_event(discipline))
    assert state == before
    assert new is not state and new["score"] is not state["score"]
    new2 = rules.apply(discipline, new, ev("concede_match", side=0))
    assert new["over"] is False and new2["over"] is True
    assert json.loads(json.dumps(new2)) == new2


# --- concessions, abandon, events after the end ----------------------------------------------


@pytest.mark.parametrize("discipline", DISCIPLINES)
@pytest.mark.parametrize("side", [0, 1])
def test_conceding_the_match_makes_the_other_side_win(discipline, side):
    state = play(discipline, fmt_for(discipline), [ev("concede_match", side=side)])
    assert state["over"] is True
    assert state["winner"] == 1 - side
    assert state["abandoned"] is False
    assert state["ended_by"] == "conceded"
    assert state["last_event"] == "concede_match"


@pytest.mark.parametrize("discipline", FRAME_DISCIPLINES)
def test_conceding_a_frame_gives_it_to_the_other_side(discipline):
    state = play(discipline, fmt_for(discipline), [ev("concede_frame", side=0)])
    assert state["frames"] == [0, 1]
    assert state["frame_no"] == 2
    assert state["frame_history"][-1]["winner"] == 1
    assert state["frame_history"][-1]["how"] == "conceded"
    assert state["over"] is False


@pytest.mark.parametrize("discipline", FRAME_DISCIPLINES)
def test_reaching_the_frame_target_ends_the_match(discipline):
    events = win_frame(discipline, 1) + win_frame(discipline, 0) + win_frame(discipline, 1)
    state = play(discipline, {"best_of": 3}, events)
    assert state["frames"] == [1, 2]
    assert state["over"] is True and state["winner"] == 1 and state["ended_by"] == "frames"
    assert [f["winner"] for f in state["frame_history"]] == [1, 0, 1]


@pytest.mark.parametrize("discipline", FRAME_DISCIPLINES)
def test_breaks_alternate_between_frames(discipline):
    state = play(discipline, fmt_for(discipline, 5), win_frame(discipline, 0))
    assert state["breaker"] == 1
    if FAMILY[discipline] != "pool":
        assert state["at_table"] == 1
    else:
        assert state["at_table"] is None


@pytest.mark.parametrize("discipline", DISCIPLINES)
def test_abandon_ends_the_match_without_a_winner(discipline):
    state = play(discipline, fmt_for(discipline), [ev("abandon")])
    assert state["over"] is True and state["abandoned"] is True and state["winner"] is None
    if discipline == "straight_pool":
        correction = ev("correction", score=[1, 0])
    else:
        correction = ev("correction", frames=[1, 0], score=[1, 0])
    for event in (scoring_event(discipline), correction):
        with pytest.raises(IllegalEvent) as exc:
            rules.apply(discipline, state, event)
        assert exc.value.reason == base.MATCH_OVER


@pytest.mark.parametrize("discipline", DISCIPLINES)
@pytest.mark.parametrize(
    "event_name", ["pot", "foul", "end_turn", "concede_frame", "concede_match", "abandon"]
)
def test_events_after_the_match_is_over_are_rejected(discipline, event_name):
    state = play(discipline, fmt_for(discipline), [ev("concede_match", side=1)])
    event = {
        "pot": scoring_event(discipline),
        "foul": ev("foul", side=0, value=4) if discipline == "snooker" else ev("foul", side=0),
        "end_turn": ev("end_turn", side=0),
        "concede_frame": ev("concede_frame", side=0),
        "concede_match": ev("concede_match", side=0),
        "abandon": ev("abandon"),
    }[event_name]
    with pytest.raises(IllegalEvent) as exc:
        rules.apply(discipline, state, event)
    assert exc.value.reason == base.MATCH_OVER
    assert exc.value.detail == base.MSG_MATCH_OVER


# --- corrections -----------------------------------------------------------------------------


@pytest.mark.parametrize("discipline", FRAME_DISCIPLINES)
def test_correction_sets_frames_and_can_finish_the_match(discipline):
    state = play(discipline, fmt_for(discipline, 3), [ev("correction", frames=[3, 1])])
    assert state["frames"] == [3, 1] and state["frame_no"] == 5
    assert state["over"] is True and state["winner"] == 0 and state["ended_by"] == "correction"
    assert state["corrected"] is True


@pytest.mark.parametrize("discipline", FRAME_DISCIPLINES)
def test_correction_lowering_frames_reopens_a_finished_match(discipline):
    events = win_frame(discipline, 0) + win_frame(discipline, 0)
    state = play(discipline, fmt_for(discipline), events)
    assert state["over"] is True and state["winner"] == 0
    state = rules.apply(discipline, state, ev("correction", frames=[1, 1], score=[2, 1]))
    assert state["over"] is False and state["winner"] is None and state["ended_by"] is None
    assert state["frames"] == [1, 1] and state["score"] == [2, 1] and state["frame_no"] == 3
    state = rules.apply(discipline, state, ev("concede_frame", side=0))
    assert state["over"] is True and state["winner"] == 1


@pytest.mark.parametrize("discipline", FRAME_DISCIPLINES)
@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"frames": [3, 0]}, base.BAD_VALUE),
        ({"frames": [2, 2]}, base.BAD_VALUE),
        ({"frames": [1]}, base.BAD_VALUE),
        ({"frames": [1, -1]}, base.BAD_VALUE),
        ({"frames": [1, True]}, base.BAD_VALUE),
        ({"score": [1, 0]}, base.MISSING_FIELD),
        ({"frames": [0, 0], "winner": 0}, base.UNKNOWN_FIELD),
    ],
)
def test_impossible_corrections_are_rejected(discipline, fields, reason):
    state = rules.initial(discipline, fmt_for(discipline))
    with pytest.raises(IllegalEvent) as exc:
        rules.apply(discipline, state, ev("correction", **fields))
    assert exc.value.reason == reason


# --- formats ---------------------------------------------------------------------------------


@pytest.mark.parametrize("discipline", FRAME_DISCIPLINES)
@pytest.mark.parametrize(
    ("fmt", "normal"),
    [
        ({"race_to": 1}, {"race_to": 1, "best_of": 1}),
        ({"race_to": 5}, {"race_to": 5, "best_of": 9}),
        ({"race_to": 50}, {"race_to": 50, "best_of": 99}),
        ({"best_of": 7}, {"race_to": 4, "best_of": 7}),
        ({"best_of": 1}, {"race_to": 1, "best_of": 1}),
        ({"race_to": 3, "best_of": 5}, {"race_to": 3, "best_of": 5}),
    ],
)
def test_frame_formats_are_normalised(discipline, fmt, normal):
    engine = rules.get_engine(discipline)
    assert engine.validate_format(fmt) == normal
    assert engine.validate_format(normal) == normal
    assert rules.initial(discipline, fmt)["format"] == normal


@pytest.mark.parametrize("discipline", FRAME_DISCIPLINES)
@pytest.mark.parametrize(
    ("fmt", "reason"),
    [
        (None, base.FORMAT_NOT_AN_OBJECT),
        ([3], base.FORMAT_NOT_AN_OBJECT),
        ({}, base.FORMAT_MISSING_KEY),
        ({"points_to": 100}, base.FORMAT_UNKNOWN_KEY),
        ({"race_to": 3, "sets": 2}, base.FORMAT_UNKNOWN_KEY),
        ({"race_to": 0}, base.FORMAT_BAD_VALUE),
        ({"race_to": 51}, base.FORMAT_BAD_VALUE),
        ({"race_to": "3"}, base.FORMAT_BAD_VALUE),
        ({"race_to": True}, base.FORMAT_BAD_VALUE),
        ({"race_to": 2.0}, base.FORMAT_BAD_VALUE),
        ({"best_of": 4}, base.FORMAT_BAD_VALUE),
        ({"best_of": 51}, base.FORMAT_BAD_VALUE),
        ({"race_to": 3, "best_of": 7}, base.FORMAT_INCONSISTENT),
    ],
)
def test_invalid_frame_formats_are_rejected(discipline, fmt, reason):
    with pytest.raises(InvalidFormat) as exc:
        rules.initial(discipline, fmt)
    assert exc.value.reason == reason
    assert isinstance(exc.value, ValueError)
    assert exc.value.detail


@pytest.mark.parametrize(
    ("fmt", "reason"),
    [
        ({"race_to": 3}, base.FORMAT_UNKNOWN_KEY),
        ({"best_of": 3}, base.FORMAT_UNKNOWN_KEY),
        ({}, base.FORMAT_MISSING_KEY),
        ({"points_to": 0}, base.FORMAT_BAD_VALUE),
        ({"points_to": 1001}, base.FORMAT_BAD_VALUE),
        ({"points_to": "100"}, base.FORMAT_BAD_VALUE),
        ({"points_to": False}, base.FORMAT_BAD_VALUE),
        ("100", base.FORMAT_NOT_AN_OBJECT),
    ],
)
def test_straight_pool_takes_only_points_to(fmt, reason):
    with pytest.raises(InvalidFormat) as exc:
        rules.initial("straight_pool", fmt)
    assert exc.value.reason == reason


@pytest.mark.parametrize("points", [1, 100, 1000])
def test_straight_pool_points_to_is_kept(points):
    assert rules.validate_format("straight_pool", {"points_to": points}) == {"points_to": points}


@pytest.mark.parametrize("discipline", DISCIPLINES)
def test_event_fields_describe_what_each_event_takes(discipline):
    fields = rules.get_engine(discipline).event_fields()
    assert set(fields) == set(rules.get_engine(discipline).EVENT_TYPES)
    assert fields["abandon"] == {"required": [], "optional": []}
    assert fields["concede_match"] == {"required": ["side"], "optional": []}
    assert "side" in fields["pot"]["required"]


def test_errors_pickle_with_reason_and_detail():
    import pickle

    for error in (IllegalEvent(base.NOT_YOUR_TURN), InvalidFormat(base.FORMAT_BAD_VALUE, "x")):
        clone = pickle.loads(pickle.dumps(error))
        assert type(clone) is type(error)
        assert (clone.reason, clone.detail) == (error.reason, error.detail)
    assert IllegalEvent(base.MATCH_OVER).detail == base.MSG_MATCH_OVER
