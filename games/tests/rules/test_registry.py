"""Registry, formats and the contracts shared by every engine (no Django)."""

import json

import pytest

from games import rules
from games.rules import DISCIPLINES, FAMILY, InvalidFormat, base, get_engine


def fmt_for(discipline):
    return {"points_to": 50} if discipline == "straight_pool" else {"race_to": 3}


def test_registry_lists_the_eight_disciplines_with_their_family():
    assert DISCIPLINES == (
        "pyramid_free",
        "pyramid_moscow",
        "pyramid_nevskaya",
        "pool_8",
        "pool_9",
        "pool_10",
        "straight_pool",
        "snooker",
    )
    assert FAMILY == {
        "pyramid_free": "pyramid",
        "pyramid_moscow": "pyramid",
        "pyramid_nevskaya": "pyramid",
        "pool_8": "pool",
        "pool_9": "pool",
        "pool_10": "pool",
        "straight_pool": "straight_pool",
        "snooker": "snooker",
    }


def test_unknown_discipline_is_an_invalid_format():
    with pytest.raises(InvalidFormat) as exc:
        get_engine("carom")
    assert exc.value.reason == base.UNKNOWN_DISCIPLINE


@pytest.mark.parametrize("discipline", DISCIPLINES)
def test_initial_state_has_the_common_keys_and_is_json(discipline):
    state = rules.initial(discipline, fmt_for(discipline))
    for key in (
        "discipline",
        "format",
        "score",
        "frames",
        "frame_no",
        "at_table",
        "fouls",
        "over",
        "winner",
        "abandoned",
        "frame_history",
        "high_run",
        "last_event",
    ):
        assert key in state
    assert state["discipline"] == discipline
    assert state["score"] == [0, 0] and state["frames"] == [0, 0] and state["frame_no"] == 1
    assert state["over"] is False and state["winner"] is None and state["abandoned"] is False
    assert json.loads(json.dumps(state)) == state


@pytest.mark.parametrize("discipline", DISCIPLINES)
def test_engine_exposes_the_public_api(discipline):
    engine = get_engine(discipline)
    assert engine.discipline == discipline
    assert engine.family == FAMILY[discipline]
    assert set(engine.EVENT_TYPES) >= {"concede_match", "abandon", "correction", "foul", "pot"}
    assert "undo" not in engine.EVENT_TYPES
    assert ("rack" in engine.EVENT_TYPES) == (FAMILY[discipline] == "pool")
