"""Rules engines for every discipline the club plays (pure Python, no Django import).

Registry and convenience API::

    from games.rules import DISCIPLINES, FAMILY, get_engine, initial, apply, fold
    from games.rules import IllegalEvent, InvalidFormat

    engine = get_engine("pool_9")        # .initial(format) .apply(state, event)
                                         # .validate_format(format) .fold(format, events)
                                         # .EVENT_TYPES .discipline .family
    state = initial("snooker", {"best_of": 7})
    state = apply("snooker", state, {"type": "pot", "side": 0, "ball": "red"})
    assert fold("snooker", {"best_of": 7}, events) == state   # folding == stepwise
    legal_actions("snooker", state)   # {"at_table", "breaker", "actions", "notices"}

States are plain JSON-serialisable dicts and are never mutated: ``apply`` returns a new dict.
``undo`` is not an engine event: the match layer folds the remaining events instead.
See ``base`` for errors, reason codes and the common state keys, and each family module
(``pyramid``, ``pool``, ``straight_pool``, ``snooker``) for its rules, events and state keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import pool, pyramid, snooker, straight_pool
from .base import UNKNOWN_DISCIPLINE, Engine, IllegalEvent, InvalidFormat

__all__ = [
    "DISCIPLINES",
    "FAMILY",
    "Engine",
    "IllegalEvent",
    "InvalidFormat",
    "apply",
    "fold",
    "get_engine",
    "initial",
    "legal_actions",
    "validate_format",
]

_ENGINES: dict[str, Engine] = {
    engine.discipline: engine
    for engine in (*pyramid.ENGINES, *pool.ENGINES, *straight_pool.ENGINES, *snooker.ENGINES)
}

DISCIPLINES: tuple[str, ...] = (
    "pyramid_free",
    "pyramid_moscow",
    "pyramid_nevskaya",
    "pool_8",
    "pool_9",
    "pool_10",
    "straight_pool",
    "snooker",
)

FAMILY: dict[str, str] = {name: _ENGINES[name].family for name in DISCIPLINES}


def get_engine(discipline: str) -> Engine:
    """The engine of ``discipline``; raises InvalidFormat(reason="unknown_discipline")."""
    try:
        return _ENGINES[discipline]
    except (KeyError, TypeError):
        raise InvalidFormat(
            UNKNOWN_DISCIPLINE,
            f"Unknown discipline {discipline!r}; expected one of {', '.join(DISCIPLINES)}.",
        ) from None


def validate_format(discipline: str, format: Any) -> dict:  # noqa: A002 - API field name
    return get_engine(discipline).validate_format(format)


def initial(discipline: str, format: Any) -> dict:  # noqa: A002 - API field name
    return get_engine(discipline).initial(format)


def apply(discipline: str, state: dict, event: Any) -> dict:
    return get_engine(discipline).apply(state, event)


def fold(discipline: str, format: Any, events: Iterable[Any]) -> dict:  # noqa: A002
    """``initial(format)`` then ``apply`` each event in order."""
    return get_engine(discipline).fold(format, events)


def legal_actions(discipline: str, state: dict) -> dict:
    """The legal next actions for ``state`` (see ``Engine.legal_actions``)."""
    return get_engine(discipline).legal_actions(state)
