"""Hypothesis: random legal event sequences never produce an impossible state.

For each discipline a random format is drawn, then up to ``MAX_STEPS`` candidate events, each
drawn from a strategy that looks at the current state (so most candidates are plausible, some
are not). A candidate is kept when ``apply`` accepts it and skipped on ``IllegalEvent``. After
every accepted event the invariants are checked; at the end ``fold`` over the kept events must
equal the stepwise state.
"""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from games import rules
from games.rules import DISCIPLINES, FAMILY, IllegalEvent
from games.rules.snooker import COLOURS, VALUES, points_remaining

MAX_STEPS = 150
SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HOWS = ("break_and_run", "golden_break", "eight_on_break", "foul", "three_fouls")
JUNK = (
    {"type": "undo"},
    {"type": "pot", "side": 0, "count": 1, "ball": "red"},
    {"type": "foul", "side": 2},
    {"type": "foul", "side": True},
    {"type": "end_turn", "side": "0"},
    {"side": 0},
)

# One step = (kind, side, a, b): four small integers drawn up front, mapped to an event that
# depends on the current state. Drawing plain integers keeps hypothesis fast and shrinkable.
steps_strategy = st.lists(
    st.tuples(st.integers(0, 99), st.integers(0, 1), st.integers(0, 15), st.integers(0, 15)),
    max_size=MAX_STEPS,
)


def format_strategy(discipline):
    if discipline == "straight_pool":
        return st.builds(lambda n: {"points_to": n}, st.integers(1, 40))
    frames = st.one_of(
        st.builds(lambda n: {"race_to": n}, st.integers(1, 3)),
        st.builds(lambda n: {"best_of": n}, st.sampled_from([1, 3, 5])),
    )
    settings_ = {"shot_clock": st.builds(dict, seconds=st.just(30), extensions=st.integers(0, 2))}
    if FAMILY[discipline] in ("pool", "pyramid"):
        settings_["break_order"] = st.sampled_from(["alternate", "winner", "loser"])
    if discipline in ("pool_9", "pool_10"):
        settings_["golden_break"] = st.booleans()
    if discipline == "pool_8":
        settings_["eight_on_break"] = st.sampled_from(["respot", "win"])
    extra = st.fixed_dictionaries({}, optional=settings_)
    return st.builds(lambda f, e: {**f, **e}, frames, extra)


RULE_EVENTS = ("lag", "time_foul", "clock_extension")


def rare_event(discipline, state, kind, side, a, b):
    """Concessions, abandon, corrections and malformed events (kind 0..5)."""
    if kind == 0:
        return {"type": "concede_frame", "side": side}
    if kind == 1:
        return {"type": "concede_match", "side": side} if a < 8 else {"type": "abandon"}
    if kind in (2, 3):
        if discipline == "straight_pool":
            return {"type": "correction", "score": [a * 3 - 5, b * 3 - 5]}
        target = state["format"]["race_to"]
        event = {"type": "correction", "frames": [a % (target + 1), b % (target + 1)]}
        if kind == 3:
            event["score"] = [a % 8, b % 8]
        return event
    return dict(JUNK[(a + b) % len(JUNK)])


def pyramid_event(discipline, state, kind, side, a, b):
    if kind < 40:
        event = {"type": "pot", "side": side, "count": 1 + a % 3 if b < 12 else a or 1}
        if discipline != "pyramid_free" and b >= 14:
            event["bonus"] = b == 15
        return event
    if kind < 60:
        return {"type": "foul", "side": side}
    return {"type": "end_turn", "side": side}


def pool_event(discipline, state, kind, side, a, b):
    if kind < 25:
        event = {"type": "rack", "side": side}
        if a < 8:
            event["how"] = HOWS[a % len(HOWS)]
        return event
    if kind < 55:
        event = {"type": "foul", "side": side}
        if discipline == "pool_8" and a == 0:
            event["eight_ball"] = "early" if b % 2 else "scratch"
        return event
    if kind < 75:
        return {"type": "pot", "side": side, "count": 1 + a % 4}
    if kind < 80 and discipline != "pool_8":
        return {"type": "push_out", "side": side}
    if kind < 85 and discipline != "pool_8":
        return {"type": "push_out_choice", "side": side, "choice": "play" if a % 2 else "pass"}
    return {"type": "end_turn", "side": side}


def straight_pool_event(discipline, state, kind, side, a, b):
    if kind < 50:
        return {"type": "pot", "side": side, "count": 1 + a % 3 if b < 12 else a or 1}
    if kind < 75:
        event = {"type": "foul", "side": side}
        if a < 5:
            event["break"] = a < 3
        return event
    return {"type": "end_turn", "side": side}


def snooker_event(discipline, state, kind, side, a, b):
    ball_on = state["ball_on"]
    if kind < 55:
        if ball_on == "red":
            return {"type": "pot", "side": side, "ball": "red", "count": 1 + a % 3}
        if ball_on == "colour":
            return {"type": "pot", "side": side, "ball": COLOURS[a % 6]}
        return {"type": "pot", "side": side, "ball": ball_on}
    if kind < 65:
        event = {"type": "pot", "side": side, "ball": list(VALUES)[a % 7]}
        if b >= 10:
            event["free_ball"] = b >= 12
        return event
    if kind < 80:
        event = {"type": "foul", "side": side, "value": 4 + a % 4}
        if b < 3:
            event["reds_potted"] = 1 + b
        if a % 3:
            event["miss"] = True
            event["clear"] = a % 3 == 2
        return event
    if kind < 90:
        choice = ("play", "put_back", "replace", "replace")[a % 4]
        return {"type": "foul_choice", "side": side, "choice": choice}
    return {"type": "end_turn", "side": side}


FAMILY_EVENTS = {
    "pyramid": pyramid_event,
    "pool": pool_event,
    "straight_pool": straight_pool_event,
    "snooker": snooker_event,
}


def make_event(discipline, state, step):
    kind, side, a, b = step
    if kind < 6:
        return rare_event(discipline, state, kind, side, a, b)
    if kind < 9 and discipline != "straight_pool":
        return {"type": RULE_EVENTS[kind - 6], "side": side}
    # make the side at the table the likely actor
    if state["at_table"] is not None and b % 4:
        side = state["at_table"]
    return FAMILY_EVENTS[FAMILY[discipline]](discipline, state, kind, side, a, b)


def check_invariants(discipline, state):
    family = FAMILY[discipline]
    assert json.loads(json.dumps(state)) == state
    assert state["discipline"] == discipline
    assert state["abandoned"] is False or state["over"] is True
    assert (state["winner"] is not None) == (state["over"] and not state["abandoned"])
    assert state["winner"] in (None, 0, 1)
    assert all(f >= 0 for f in state["fouls"])
    ended_early = state["ended_by"] in ("conceded", "abandoned")
    if family == "straight_pool":
        target = state["format"]["points_to"]
        reached = max(state["score"]) >= target
        assert state["frames"] == [0, 0] and state["frame_no"] == 1
        assert state["over"] == (reached or ended_early)
        if state["ended_by"] in ("points", "correction"):
            assert state["score"][state["winner"]] >= target
        assert all(0 <= f < 3 for f in state["fouls"])
        assert all(h >= r >= 0 for h, r in zip(state["high_run"], state["run"], strict=True))
        assert len(state["frame_history"]) == (1 if state["over"] and not state["abandoned"] else 0)
        return
    target = state["format"]["race_to"]
    assert all(0 <= f <= target for f in state["frames"])
    reached = max(state["frames"]) >= target
    assert min(state["frames"]) < target
    assert state["over"] == (reached or ended_early)
    if state["ended_by"] in ("frames", "correction"):
        assert state["frames"][state["winner"]] == target
    assert state["frame_no"] == sum(state["frames"]) + 1
    if not state["corrected"]:
        assert len(state["frame_history"]) == sum(state["frames"])
        for s in (0, 1):
            assert sum(1 for f in state["frame_history"] if f["winner"] == s) == state["frames"][s]
    if family == "pyramid":
        assert all(0 <= p < 8 for p in state["score"])  # a frame ends at 8
        assert all(o >= 0 for o in state["owed"])
        assert 0 <= state["balls_on_table"] <= 15
        assert sum(state["score"]) - sum(state["owed"]) == 15 - state["balls_on_table"]
        for frame in state["frame_history"]:
            assert max(frame["score"]) <= 8
            if frame["how"] in (None, "foul"):
                assert frame["score"][frame["winner"]] == 8
        if discipline == "pyramid_free":
            assert state["bonus_balls"] == [0, 0]
    elif family == "pool":
        assert state["at_table"] is None
        assert 0 <= sum(state["score"]) <= state["rack_balls"]
        if discipline != "pool_8":
            assert all(f < 3 for f in state["fouls"])
    elif family == "snooker":
        assert 0 <= state["reds_remaining"] <= 15
        assert state["points_remaining"] >= 0
        assert state["points_remaining"] == points_remaining(state)
        assert state["ball_on"] in ("red", "colour", *COLOURS)
        if state["ball_on"] == "red":
            assert state["reds_remaining"] > 0
        for s in (0, 1):
            behind = state["score"][1 - s] - state["score"][s]
            assert state["snookers_required"][s] == (behind > state["points_remaining"])
        assert not all(state["snookers_required"])
        assert state["break"] >= 0
        assert all(h >= fh for h, fh in zip(state["high_run"], state["frame_high"], strict=True))
        if state["respotted_black"]:
            assert state["ball_on"] == "black" and state["reds_remaining"] == 0


def instances(action):
    """Concrete events for one legal action: every side, and each listed value's extremes."""
    base = {k: v for k, v in action.items() if k in ()}
    etype = action["type"]
    for s in action["sides"]:
        event = {"type": etype, "side": s, **base}
        if "choices" in action:
            yield from ({**event, "choice": c} for c in action["choices"])
        elif "hows" in action:
            yield event
            yield from ({**event, "how": how} for how in action["hows"])
        elif etype == "pot" and "balls" in action:
            yield from ({**event, "ball": ball} for ball in action["balls"])
            if "max_count" in action:
                yield {**event, "ball": "red", "count": action["max_count"]}
            yield from (
                {**event, "ball": c, "free_ball": True} for c in action.get("free_balls", ())
            )
        elif etype == "pot":
            yield {**event, "count": 1}
            yield {**event, "count": action["max_count"]}
            if action.get("bonus"):
                yield {**event, "count": 1, "bonus": True}
        elif etype == "foul" and "min_value" in action:
            yield {**event, "value": action["min_value"]}
            yield {**event, "value": action["max_value"], "miss": True, "clear": True}
            if "max_reds_potted" in action:
                yield {**event, "value": 7, "reds_potted": action["max_reds_potted"]}
        elif etype == "foul":
            yield event
            if action.get("break"):
                yield {**event, "break": True}
            yield from ({**event, "eight_ball": e} for e in action.get("eight_ball", ()))
        else:
            yield event


def check_legal_actions(discipline, state):
    """Every action the engine offers is accepted by ``apply``; a finished match offers none."""
    legal = rules.legal_actions(discipline, state)
    assert json.loads(json.dumps(legal)) == legal
    if state["over"]:
        assert legal["actions"] == []
        return
    assert legal["at_table"] == state["at_table"]
    for action in legal["actions"]:
        assert action["sides"] and set(action["sides"]) <= {0, 1}
        for event in instances(action):
            rules.apply(discipline, state, event)  # raises IllegalEvent if the offer is wrong


@pytest.mark.parametrize("discipline", DISCIPLINES)
@SETTINGS
@given(data=st.data())
def test_random_legal_sequences_keep_the_state_possible(discipline, data):
    fmt = data.draw(format_strategy(discipline), label="format")
    steps = data.draw(steps_strategy, label="steps")
    state = rules.initial(discipline, fmt)
    check_invariants(discipline, state)
    check_legal_actions(discipline, state)
    accepted = []
    for step in steps:
        event = make_event(discipline, state, step)
        before = json.dumps(state, sort_keys=True)
        try:
            new = rules.apply(discipline, state, event)
        except IllegalEvent as exc:
            assert exc.reason and exc.detail
            assert json.dumps(state, sort_keys=True) == before
            continue
        assert json.dumps(state, sort_keys=True) == before  # apply never mutates its input
        assert new["last_event"] == event["type"]
        check_invariants(discipline, new)
        check_legal_actions(discipline, new)
        accepted.append(event)
        # undo = fold of the remaining events: it restores the state before the event exactly
        assert rules.fold(discipline, fmt, accepted[:-1]) == state
        state = new
    assert rules.fold(discipline, fmt, accepted) == state


@SETTINGS
@given(
    base_score=st.integers(0, 40),
    diff=st.sampled_from([-14, -7, 0, 7, 14]),
    steps=steps_strategy,
)
def test_random_snooker_endgames_on_the_black_keep_the_state_possible(base_score, diff, steps):
    """Start with only the black left and close scores, so re-spotted blacks come up often."""
    fmt = {"best_of": 3}
    prefix = [
        {"type": "pot", "side": 0, "ball": "red", "count": 15},
        {"type": "end_turn", "side": 0},
        *[{"type": "pot", "side": 1, "ball": colour} for colour in COLOURS[:5]],
        {"type": "correction", "frames": [0, 0], "score": [base_score, max(0, base_score + diff)]},
    ]
    state = rules.fold("snooker", fmt, prefix)
    assert state["ball_on"] == "black" and state["points_remaining"] == 7
    accepted = list(prefix)
    for step in steps:
        event = make_event("snooker", state, step)
        try:
            new = rules.apply("snooker", state, event)
        except IllegalEvent:
            continue
        check_invariants("snooker", new)
        accepted.append(event)
        state = new
    assert rules.fold("snooker", fmt, accepted) == state
