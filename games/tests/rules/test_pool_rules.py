"""Pool: break order, push-out, ball in hand, three-foul warning, golden break, 8 / 10 on the break.

Rule source: WPA World Standardized Rules — 9-ball "Order of Break" (alternate break unless the
organiser says otherwise), "Push Out", "Three Consecutive Fouls" (the warning before the third),
"Legal Break Shot" (9 on a legal break wins); 10-ball "the 10 pocketed on the break is spotted";
8-ball "8-Ball Pocketed on the Break" (not a win: re-spotted, or re-rack at the breaker's option).
Sections are named, not numbered: the numbering differs between editions.
"""

import pytest

from games import rules
from games.rules import IllegalEvent, InvalidFormat, base

from .support import ev, play


def acts(discipline, state):
    return {a["type"]: a for a in rules.legal_actions(discipline, state)["actions"]}


def codes(discipline, state):
    return [(n["code"], n.get("side")) for n in rules.legal_actions(discipline, state)["notices"]]


# (rule, discipline, format, events, expected state subset)
CASES = [
    (
        "Order of break: alternate by default",
        "pool_9",
        {"race_to": 3},
        [ev("rack", side=0)],
        {"breaker": 1},
    ),
    (
        "Order of break: winner breaks",
        "pool_9",
        {"race_to": 3, "break_order": "winner"},
        [ev("rack", side=0)],
        {"breaker": 0},
    ),
    (
        "Order of break: loser breaks",
        "pool_10",
        {"race_to": 3, "break_order": "loser"},
        [ev("rack", side=0), ev("rack", side=1)],
        {"breaker": 0},
    ),
    (
        "Lag: its winner breaks rack 1, then alternate",
        "pool_8",
        {"race_to": 3},
        [ev("lag", side=1), ev("rack", side=1)],
        {"breaker": 0, "first_breaker": 1},
    ),
    (
        "Push out: the opponent chooses after it",
        "pool_9",
        {"race_to": 3},
        [ev("end_turn", side=0), ev("push_out", side=1)],
        {"choice": {"side": 0, "options": ["play", "pass"]}},
    ),
    (
        "Push out: the choice is recorded and clears",
        "pool_9",
        {"race_to": 3},
        [
            ev("end_turn", side=0),
            ev("push_out", side=1),
            ev("push_out_choice", side=0, choice="pass"),
        ],
        {"choice": None, "fouls": [0, 0]},
    ),
    (
        "Fouls: ball in hand for the incoming player",
        "pool_10",
        {"race_to": 3},
        [ev("foul", side=0)],
        {"ball_in_hand": 1},
    ),
    (
        "Three consecutive fouls lose the rack",
        "pool_9",
        {"race_to": 3},
        [ev("foul", side=0)] * 3,
        {"frames": [0, 1]},
    ),
    (
        "Legal break: a golden break wins the rack",
        "pool_9",
        {"race_to": 3},
        [ev("rack", side=0, how="golden_break")],
        {"frames": [1, 0]},
    ),
]


@pytest.mark.parametrize(
    ("rule", "discipline", "fmt", "events", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_rule_case(rule, discipline, fmt, events, expected):
    state = play(discipline, fmt, events)
    for key, value in expected.items():
        assert state[key] == value, (rule, key)


def test_the_breaker_is_announced_before_the_break():
    state = rules.initial("pool_9", {"race_to": 3, "break_order": "winner"})
    assert ("break", 0) in codes("pool_9", state)
    assert "lag" in acts("pool_9", state)


def test_push_out_is_only_offered_on_the_shot_after_the_break():
    state = rules.initial("pool_9", {"race_to": 3})
    assert "push_out" not in acts("pool_9", state)
    state = rules.apply("pool_9", state, ev("end_turn", side=0))
    assert acts("pool_9", state)["push_out"]["sides"] == [0, 1]
    state = rules.apply("pool_9", state, ev("end_turn", side=1))
    assert "push_out" not in acts("pool_9", state)
    with pytest.raises(IllegalEvent) as exc:
        rules.apply("pool_9", state, ev("push_out", side=0))
    assert exc.value.reason == base.NOT_AVAILABLE


def test_8_ball_has_no_push_out():
    with pytest.raises(IllegalEvent) as exc:
        play("pool_8", {"race_to": 2}, [ev("end_turn", side=0), ev("push_out", side=1)])
    assert exc.value.reason == base.UNKNOWN_EVENT


def test_only_the_other_player_answers_a_push_out():
    state = play("pool_9", {"race_to": 3}, [ev("end_turn", side=0), ev("push_out", side=1)])
    assert acts("pool_9", state)["push_out_choice"]["sides"] == [0]
    with pytest.raises(IllegalEvent) as exc:
        rules.apply("pool_9", state, ev("push_out_choice", side=1, choice="play"))
    assert exc.value.reason == base.NOT_YOUR_TURN


def test_ball_in_hand_and_the_three_foul_warning_are_announced():
    state = play("pool_9", {"race_to": 3}, [ev("foul", side=0), ev("foul", side=0)])
    notices = codes("pool_9", state)
    assert ("ball_in_hand", 1) in notices
    assert ("three_foul_warning", 0) in notices


def test_8_ball_gives_no_three_foul_warning():
    state = play("pool_8", {"race_to": 3}, [ev("foul", side=0), ev("foul", side=0)])
    assert ("three_foul_warning", 0) not in codes("pool_8", state)


@pytest.mark.parametrize(
    ("discipline", "fmt", "offered"),
    [
        ("pool_9", {"race_to": 2}, True),  # WPA 9-ball: the 9 on a legal break wins
        ("pool_9", {"race_to": 2, "golden_break": False}, False),
        ("pool_10", {"race_to": 2}, False),  # WPA 10-ball: the 10 on the break is spotted
        ("pool_10", {"race_to": 2, "golden_break": True}, True),
    ],
)
def test_golden_break_follows_the_match_setting(discipline, fmt, offered):
    state = rules.initial(discipline, fmt)
    assert ("golden_break" in acts(discipline, state)["rack"]["hows"]) is offered


def test_golden_break_switched_off_is_refused():
    with pytest.raises(IllegalEvent) as exc:
        play(
            "pool_9",
            {"race_to": 2, "golden_break": False},
            [ev("rack", side=0, how="golden_break")],
        )
    assert exc.value.reason == base.NOT_IN_FORMAT


def test_10_on_the_break_respotted_is_announced():
    state = rules.initial("pool_10", {"race_to": 2})
    assert ("ten_on_break_respotted", None) in codes("pool_10", state)


def test_golden_break_is_only_offered_on_the_break():
    state = play("pool_9", {"race_to": 2}, [ev("end_turn", side=0), ev("end_turn", side=1)])
    assert "golden_break" not in acts("pool_9", state)["rack"]["hows"]


@pytest.mark.parametrize(
    ("setting", "offered", "accepted"),
    [(None, False, True), ("respot", False, False), ("win", True, True)],
)
def test_8_on_the_break_follows_the_match_setting(setting, offered, accepted):
    fmt = {"race_to": 2} | ({"eight_on_break": setting} if setting else {})
    state = rules.initial("pool_8", fmt)
    assert ("eight_on_break" in acts("pool_8", state)["rack"]["hows"]) is offered
    event = ev("rack", side=0, how="eight_on_break")
    if accepted:
        assert rules.apply("pool_8", state, event)["frames"] == [1, 0]
    else:
        with pytest.raises(IllegalEvent):
            rules.apply("pool_8", state, event)


@pytest.mark.parametrize(
    "fmt",
    [
        {"race_to": 2, "break_order": "sometimes"},
        {"race_to": 2, "golden_break": "yes"},
        {"race_to": 2, "shot_clock": {"seconds": 5}},
        {"race_to": 2, "shot_clock": {"seconds": 30, "extensions": 9}},
        {"race_to": 2, "shot_clock": 30},
    ],
)
def test_bad_settings_are_invalid_formats(fmt):
    with pytest.raises(InvalidFormat) as exc:
        rules.validate_format("pool_9", fmt)
    assert exc.value.reason == base.FORMAT_BAD_VALUE


def test_settings_validate_to_themselves_and_old_formats_are_unchanged():
    fmt = rules.validate_format(
        "pool_9", {"race_to": 2, "break_order": "winner", "shot_clock": {"seconds": 30}}
    )
    assert fmt == {
        "race_to": 2,
        "best_of": 3,
        "break_order": "winner",
        "shot_clock": {"seconds": 30, "extensions": 1},
    }
    assert rules.validate_format("pool_9", fmt) == fmt
    assert rules.validate_format("pool_9", {"race_to": 2}) == {"race_to": 2, "best_of": 3}
