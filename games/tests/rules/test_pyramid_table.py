"""The Russian pyramid rule table of docs/rules-pyramid.md: one case per row (same case id)."""

import re
from pathlib import Path

import pytest

from games import rules
from games.rules import IllegalEvent, base

from .support import ev, play, pots

DOC = Path(__file__).resolve().parents[3] / "docs" / "rules-pyramid.md"
PYRAMIDS = ("pyramid_free", "pyramid_moscow", "pyramid_nevskaya")
FMT = {"race_to": 3}
CLOCK = {"race_to": 3, "shot_clock": {"seconds": 45, "extensions": 1}}


def pot(side, count=1, **extra):
    return ev("pot", side=side, count=count, **extra)


# case id -> (disciplines, format, events, expected state subset)
CASES = {
    "P1-eight-points": (PYRAMIDS, FMT, pots(0, 8), {"frames": [1, 0], "score": [0, 0]}),
    "P1-no-points-past-eight": (
        PYRAMIDS,
        FMT,
        [*pots(0, 7), pot(0, 2)],
        {"frames": [1, 0]},
    ),
    "P4-break-from-hand": (PYRAMIDS, FMT, [], {"at_table": 0, "breaker": 0}),
    "G-lag": (PYRAMIDS, FMT, [ev("lag", side=1)], {"at_table": 1, "breaker": 1}),
    "G-next-break-alternate": (PYRAMIDS, FMT, [pot(0, 8)], {"breaker": 1, "at_table": 1}),
    "G-next-break-setting": (
        PYRAMIDS,
        {**FMT, "break_order": "winner"},
        [pot(0, 8)],
        {"breaker": 0, "at_table": 0},
    ),
    "G-foul-transfer": (
        PYRAMIDS,
        FMT,
        [pot(0, 3), ev("foul", side=0)],
        {"score": [2, 1], "at_table": 1},
    ),
    "G-owed-ball": (
        PYRAMIDS,
        FMT,
        [ev("foul", side=0), ev("end_turn", side=1), pot(0)],
        {"score": [0, 1], "owed": [0, 0], "balls_on_table": 14},
    ),
    "G-foul-ends-frame": (
        PYRAMIDS,
        FMT,
        [*pots(0, 7), ev("end_turn", side=0), ev("foul", side=1)],
        {"frames": [1, 0]},
    ),
    "G-no-three-fouls": (
        PYRAMIDS,
        FMT,
        [
            ev("foul", side=0),
            ev("end_turn", side=1),
            ev("foul", side=0),
            ev("end_turn", side=1),
            ev("foul", side=0),
        ],
        {"frames": [0, 0], "fouls": [3, 0], "score": [0, 3]},
    ),
    "K2-bonus-ball": (
        ("pyramid_moscow", "pyramid_nevskaya"),
        FMT,
        [pot(0, bonus=True)],
        {"score": [1, 0], "bonus_balls": [1, 0]},
    ),
    "S-no-bonus": (("pyramid_free",), FMT, [pot(0, bonus=True)], base.UNKNOWN_FIELD),
    "T-time-foul": (
        PYRAMIDS,
        CLOCK,
        [ev("time_foul", side=0)],
        {"score": [0, 1], "owed": [1, 0]},
    ),
}

PARAMS = [(case, d) for case, (ds, *_rest) in CASES.items() for d in ds]


@pytest.mark.parametrize(("case", "discipline"), PARAMS)
def test_rule_case(case, discipline):
    _, fmt, events, expected = CASES[case]
    if isinstance(expected, str):
        with pytest.raises(IllegalEvent) as exc:
            play(discipline, fmt, events)
        assert exc.value.reason == expected
        return
    state = play(discipline, fmt, events)
    for key, value in expected.items():
        assert state[key] == value, (case, key)


def test_the_doc_table_and_the_cases_match():
    ids = set(re.findall(r"^\| `([A-Z0-9]+-[a-z-]+)` \|", DOC.read_text(), re.MULTILINE))
    assert ids == set(CASES)


@pytest.mark.parametrize("discipline", PYRAMIDS)
def test_the_legal_actions_follow_the_turn(discipline):
    state = play(discipline, FMT, [pot(0, 2), ev("end_turn", side=0)])
    legal = rules.legal_actions(discipline, state)
    pot_action = next(a for a in legal["actions"] if a["type"] == "pot")
    assert pot_action["sides"] == [1] and pot_action["max_count"] == 13
    assert ("bonus" in pot_action) is (discipline != "pyramid_free")
