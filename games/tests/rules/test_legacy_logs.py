"""Event logs written before issue 19 fold to the same states: every key the engines had then keeps
its value (the rules' new keys — choices, misses, rack_shots, ball_in_hand, ... — are additions).

The fixture holds logs of every discipline with the final state the engines computed before the
foul choices, push-out, break order and shot clock existed (generated from the pre-issue-19
engines with the property tests' event generator)."""

import json
from pathlib import Path

import pytest

from games import rules

LOGS = json.loads((Path(__file__).parent / "fixtures" / "legacy_logs.json").read_text())


@pytest.mark.parametrize("log", LOGS, ids=[f"{x['discipline']}-{i}" for i, x in enumerate(LOGS)])
def test_a_stored_log_folds_to_the_same_state(log):
    state = rules.fold(log["discipline"], log["format"], log["events"])
    old = log["state"]
    assert {k: state[k] for k in old} == old
    assert json.loads(json.dumps(rules.legal_actions(log["discipline"], state)))
