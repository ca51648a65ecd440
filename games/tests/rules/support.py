"""Helpers for the rules-engine tests (no Django)."""

from games import rules


def ev(type_, **fields):
    """An event dict: ev("pot", side=0, count=1)."""
    return {"type": type_, **fields}


def play(discipline, fmt, events):
    """Apply ``events`` one by one (checking fold == stepwise) and return the final state."""
    state = rules.initial(discipline, fmt)
    for event in events:
        state = rules.apply(discipline, state, event)
    assert rules.fold(discipline, fmt, events) == state
    return state


def pots(side, n, count=1):
    return [ev("pot", side=side, count=count) for _ in range(n)]
