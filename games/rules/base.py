"""Shared machinery of the rules engines: errors, reason codes, event validation, the base engine.

Pure Python, no Django import (the engines are folded in tests, in the services layer, in
``rebuild_match_state`` and in the stats backfill, so they must stay dependency free).

Errors
------
``IllegalEvent`` is raised by an engine's ``apply`` when an event is not allowed by the rules or is
malformed (unknown type for the discipline, unknown / missing / ill-typed field, wrong turn, wrong
ball on, event after the match is over, ...). ``InvalidFormat`` (a ``ValueError``) is raised by
``validate_format`` / ``initial`` when a match format is not valid for the discipline.

Both carry ``.reason`` (a stable machine code, one of the constants below, safe to branch on and
to send to clients) and ``.detail`` (an English sentence for humans). Who catches them: the games
services layer, which turns ``IllegalEvent`` into HTTP 422 ``{"code": "illegal_event", "reason":
..., "detail": ...}`` and ``InvalidFormat`` into HTTP 400 ``{"code": "invalid_format", ...}``.

Envelope fields
---------------
The API wraps an event with ``expected_version`` and ``client_event_id``; the services layer should
strip them, but the engines ignore exactly these two names (``ENVELOPE_FIELDS``) so that a stored
payload folds the same either way. Every other unexpected field is rejected (``unknown_field``).

Common state keys (every engine)
--------------------------------
``discipline``, ``format`` (normalised), ``score`` [a, b], ``frames`` [a, b], ``frame_no`` (1-based),
``at_table`` (0/1, or None where not tracked), ``breaker`` (side that broke the current frame, None
where not used), ``fouls`` [a, b] (consecutive fouls), ``over``, ``winner`` (0/1/None),
``abandoned``, ``ended_by`` (None while live, else "frames" | "points" | "conceded" |
"abandoned" | "correction"), ``frame_history`` (list of {"winner", "score", "how", "breaks"}),
``high_run`` ([a, b] or None where runs are not tracked), ``corrected`` (True once a staff
correction was applied: frame_history may then not add up to ``frames``), ``last_event``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

SIDES = (0, 1)
ENVELOPE_FIELDS = frozenset({"expected_version", "client_event_id"})

# --- reason codes (IllegalEvent.reason) ---------------------------------------------------------
NOT_AN_EVENT = "not_an_event"
UNKNOWN_EVENT = "unknown_event"
UNKNOWN_FIELD = "unknown_field"
MISSING_FIELD = "missing_field"
BAD_VALUE = "bad_value"
NOT_YOUR_TURN = "not_your_turn"
WRONG_BALL_ON = "wrong_ball_on"
BAD_FOUL_VALUE = "bad_foul_value"
TOO_MANY_BALLS = "too_many_balls"
NOT_OPENING_BREAK = "not_opening_break"
MATCH_OVER = "match_over"
BAD_STATE = "bad_state"
NO_CHOICE_PENDING = "no_choice_pending"
NOT_AVAILABLE = "not_available"
NOT_IN_FORMAT = "not_in_format"
NO_EXTENSIONS = "no_extensions"

# --- reason codes (InvalidFormat.reason) --------------------------------------------------------
FORMAT_NOT_AN_OBJECT = "not_an_object"
FORMAT_UNKNOWN_KEY = "unknown_key"
FORMAT_MISSING_KEY = "missing_key"
FORMAT_BAD_VALUE = "bad_value"
FORMAT_INCONSISTENT = "inconsistent"
UNKNOWN_DISCIPLINE = "unknown_discipline"

# --- default messages (tests reuse them) --------------------------------------------------------
MSG_NOT_AN_EVENT = "An event must be a JSON object with a string 'type'."
MSG_UNKNOWN_EVENT = "This event type is not part of this discipline."
MSG_UNKNOWN_FIELD = "This event has a field the discipline does not know."
MSG_MISSING_FIELD = "This event is missing a required field."
MSG_BAD_VALUE = "A field of this event has a value of the wrong type or out of range."
MSG_NOT_YOUR_TURN = "It is the other side's turn at the table."
MSG_WRONG_BALL_ON = "That ball is not on; record a foul instead."
MSG_BAD_FOUL_VALUE = "The foul value does not match the ball on (minimum 4, maximum 7)."
MSG_TOO_MANY_BALLS = "More balls than are left on the table."
MSG_NOT_OPENING_BREAK = "A break foul is only possible on the opening break."
MSG_MATCH_OVER = "The match is over; only a staff correction can change it."
MSG_MATCH_ABANDONED = "The match was abandoned; nothing can change it."
MSG_BAD_STATE = "The state does not belong to this discipline's engine."
MSG_INVALID_FORMAT = "The match format is not valid for this discipline."
MSG_NO_CHOICE_PENDING = "There is no choice to make now."
MSG_NOT_AVAILABLE = "That action is not available in this position."
MSG_NOT_IN_FORMAT = "The match settings do not allow this."
MSG_NO_EXTENSIONS = "No shot-clock extensions are left in this frame."
MSG_NO_SHOT_CLOCK = "This match is played without a shot clock."

MESSAGES = {
    NOT_AN_EVENT: MSG_NOT_AN_EVENT,
    UNKNOWN_EVENT: MSG_UNKNOWN_EVENT,
    UNKNOWN_FIELD: MSG_UNKNOWN_FIELD,
    MISSING_FIELD: MSG_MISSING_FIELD,
    BAD_VALUE: MSG_BAD_VALUE,
    NOT_YOUR_TURN: MSG_NOT_YOUR_TURN,
    WRONG_BALL_ON: MSG_WRONG_BALL_ON,
    BAD_FOUL_VALUE: MSG_BAD_FOUL_VALUE,
    TOO_MANY_BALLS: MSG_TOO_MANY_BALLS,
    NOT_OPENING_BREAK: MSG_NOT_OPENING_BREAK,
    MATCH_OVER: MSG_MATCH_OVER,
    BAD_STATE: MSG_BAD_STATE,
    NO_CHOICE_PENDING: MSG_NO_CHOICE_PENDING,
    NOT_AVAILABLE: MSG_NOT_AVAILABLE,
    NOT_IN_FORMAT: MSG_NOT_IN_FORMAT,
    NO_EXTENSIONS: MSG_NO_EXTENSIONS,
}

# Frame limits for race_to / best_of formats.
MIN_FRAMES = 1
MAX_FRAMES = 50


class IllegalEvent(Exception):
    """An event the rules do not allow, or a malformed one. Raised by engines; → HTTP 422."""

    def __init__(self, reason: str, detail: str | None = None):
        self.reason = reason
        self.detail = detail or MESSAGES.get(reason, reason)
        super().__init__(f"{reason}: {self.detail}")

    def __reduce__(self):  # picklable (e.g. through Celery) with reason and detail intact
        return (type(self), (self.reason, self.detail))


class InvalidFormat(ValueError):
    """A match format the discipline does not accept. Raised by engines; → HTTP 400."""

    def __init__(self, reason: str, detail: str | None = None):
        self.reason = reason
        self.detail = detail or MSG_INVALID_FORMAT
        super().__init__(f"{reason}: {self.detail}")

    def __reduce__(self):
        return (type(self), (self.reason, self.detail))


# --- field validators -----------------------------------------------------------------------------
Validator = Callable[[str, Any], Any]


def _is_int(value: Any) -> bool:
    # bool is a subclass of int: True must not pass for 1.
    return type(value) is int


def side(name: str, value: Any) -> int:
    if not _is_int(value) or value not in SIDES:
        raise IllegalEvent(BAD_VALUE, f"'{name}' must be 0 or 1.")
    return value


def int_range(lo: int, hi: int) -> Validator:
    def check(name: str, value: Any) -> int:
        if not _is_int(value) or not lo <= value <= hi:
            raise IllegalEvent(BAD_VALUE, f"'{name}' must be an integer from {lo} to {hi}.")
        return value

    return check


def boolean(name: str, value: Any) -> bool:
    if type(value) is not bool:
        raise IllegalEvent(BAD_VALUE, f"'{name}' must be true or false.")
    return value


def choice(*options: str) -> Validator:
    def check(name: str, value: Any) -> str:
        if type(value) is not str or value not in options:
            raise IllegalEvent(BAD_VALUE, f"'{name}' must be one of: {', '.join(options)}.")
        return value

    return check


def int_pair(lo: int, hi: int) -> Validator:
    def check(name: str, value: Any) -> list[int]:
        if (
            not isinstance(value, list | tuple)
            or len(value) != 2
            or not all(_is_int(v) and lo <= v <= hi for v in value)
        ):
            raise IllegalEvent(
                BAD_VALUE, f"'{name}' must be a list of two integers from {lo} to {hi}."
            )
        return [value[0], value[1]]

    return check


# (required fields, optional fields) per event type
FieldSpec = tuple[dict[str, Validator], dict[str, Validator]]


def parse_event(event: Any, spec: dict[str, FieldSpec]) -> tuple[str, dict[str, Any]]:
    """Validate ``event`` against ``spec``; return (type, validated fields)."""
    if not isinstance(event, dict) or type(event.get("type")) is not str:
        raise IllegalEvent(NOT_AN_EVENT)
    etype = event["type"]
    if etype not in spec:
        raise IllegalEvent(UNKNOWN_EVENT, f"'{etype}' is not an event of this discipline.")
    required, optional = spec[etype]
    fields: dict[str, Any] = {}
    for name, value in event.items():
        if name == "type" or name in ENVELOPE_FIELDS:
            continue
        check = required.get(name) or optional.get(name)
        if check is None:
            raise IllegalEvent(UNKNOWN_FIELD, f"'{etype}' has no field '{name}' here.")
        fields[name] = check(name, value)
    for name in required:
        if name not in fields:
            raise IllegalEvent(MISSING_FIELD, f"'{etype}' needs the field '{name}'.")
    return etype, fields


# --- formats --------------------------------------------------------------------------------------
def frames_format(fmt: Any, *, allowed: tuple[str, ...] = ("race_to", "best_of")) -> dict:
    """Normalise a frame format: {"race_to": N} or {"best_of": odd N} → {"race_to", "best_of"}.

    The normal form carries both keys (best_of = 2 * race_to - 1) and validates to itself.
    """
    if not isinstance(fmt, dict):
        raise InvalidFormat(FORMAT_NOT_AN_OBJECT, "The format must be a JSON object.")
    unknown = sorted(set(fmt) - set(allowed))
    if unknown:
        raise InvalidFormat(
            FORMAT_UNKNOWN_KEY,
            f"Unknown format key(s) {', '.join(unknown)}; use {' or '.join(allowed)}.",
        )
    if not fmt:
        raise InvalidFormat(FORMAT_MISSING_KEY, f"The format needs {' or '.join(allowed)}.")
    for key, value in fmt.items():
        if not _is_int(value) or not MIN_FRAMES <= value <= (2 * MAX_FRAMES - 1):
            raise InvalidFormat(
                FORMAT_BAD_VALUE, f"'{key}' must be an integer from {MIN_FRAMES} to {MAX_FRAMES}."
            )
    race_to = fmt.get("race_to")
    best_of = fmt.get("best_of")
    if race_to is not None and race_to > MAX_FRAMES:
        raise InvalidFormat(
            FORMAT_BAD_VALUE, f"'race_to' must be an integer from {MIN_FRAMES} to {MAX_FRAMES}."
        )
    if best_of is not None:
        if best_of % 2 == 0:
            raise InvalidFormat(FORMAT_BAD_VALUE, "'best_of' must be an odd number.")
        if race_to is None and best_of > MAX_FRAMES:
            raise InvalidFormat(
                FORMAT_BAD_VALUE, f"'best_of' must be an odd integer from 1 to {MAX_FRAMES - 1}."
            )
        if race_to is not None and best_of != 2 * race_to - 1:
            raise InvalidFormat(
                FORMAT_INCONSISTENT, "'best_of' must equal 2 * 'race_to' - 1 when both are given."
            )
        race_to = (best_of + 1) // 2
    return {"race_to": race_to, "best_of": 2 * race_to - 1}


# --- match settings carried in the format ---------------------------------------------------------
SHOT_CLOCK_SECONDS = (10, 120)
SHOT_CLOCK_EXTENSIONS = (0, 5)
#: Extensions per player per frame when the format does not say (WPA: one per player per rack).
DEFAULT_EXTENSIONS = 1

FormatSetting = Callable[[str, Any], Any]


def shot_clock_setting(name: str, value: Any) -> dict:
    """``{"seconds": 10..120, "extensions"?: 0..5}`` → the normal form with both keys."""
    lo, hi = SHOT_CLOCK_SECONDS
    elo, ehi = SHOT_CLOCK_EXTENSIONS
    message = (
        f'\'{name}\' must be {{"seconds": {lo}..{hi}, "extensions": {elo}..{ehi}}} '
        "(extensions per player per frame)."
    )
    if not isinstance(value, dict) or set(value) - {"seconds", "extensions"}:
        raise InvalidFormat(FORMAT_BAD_VALUE, message)
    seconds = value.get("seconds")
    extensions = value.get("extensions", DEFAULT_EXTENSIONS)
    if not (_is_int(seconds) and lo <= seconds <= hi and _is_int(extensions)):
        raise InvalidFormat(FORMAT_BAD_VALUE, message)
    if not elo <= extensions <= ehi:
        raise InvalidFormat(FORMAT_BAD_VALUE, message)
    return {"seconds": seconds, "extensions": extensions}


def bool_setting(name: str, value: Any) -> bool:
    if type(value) is not bool:
        raise InvalidFormat(FORMAT_BAD_VALUE, f"'{name}' must be true or false.")
    return value


def choice_setting(*options: str) -> FormatSetting:
    def check(name: str, value: Any) -> str:
        if type(value) is not str or value not in options:
            raise InvalidFormat(FORMAT_BAD_VALUE, f"'{name}' must be one of: {', '.join(options)}.")
        return value

    return check


BREAK_ORDERS = ("alternate", "winner", "loser")
break_order_setting = choice_setting(*BREAK_ORDERS)


def split_settings(fmt: Any, settings: dict[str, FormatSetting]) -> tuple[dict, dict]:
    """Split ``fmt`` into (the frame/points keys, the validated match settings).

    Settings are kept in the normal form only when given, so formats stored before a setting
    existed validate (and fold) exactly as before; the engine applies the rule book's default.
    """
    if not isinstance(fmt, dict):
        raise InvalidFormat(FORMAT_NOT_AN_OBJECT, "The format must be a JSON object.")
    rest = {k: v for k, v in fmt.items() if k not in settings}
    chosen = {k: settings[k](k, v) for k, v in fmt.items() if k in settings}
    return rest, chosen


# --- the base engine ------------------------------------------------------------------------------
class Engine:
    """Base of every engine. Subclasses set ``discipline``, ``family``, ``FIELDS`` and ``on_<type>``.

    Public API: ``validate_format(format) -> dict``, ``initial(format) -> dict``,
    ``apply(state, event) -> dict`` (never mutates its inputs), ``fold(format, events) -> dict``,
    ``EVENT_TYPES`` (the accepted event types).
    """

    discipline: str = ""
    family: str = ""
    FIELDS: dict[str, FieldSpec] = {}
    #: Format keys beyond race_to / best_of (validated by ``split_settings``).
    SETTINGS: dict[str, FormatSetting] = {"shot_clock": shot_clock_setting}
    tracks_runs = False

    @property
    def EVENT_TYPES(self) -> tuple[str, ...]:  # noqa: N802 - public constant-like name
        return tuple(self.FIELDS)

    def event_fields(self) -> dict[str, dict[str, list[str]]]:
        """{type: {"required": [...], "optional": [...]}} for API docs and scoring UIs."""
        return {
            etype: {"required": list(required), "optional": list(optional)}
            for etype, (required, optional) in self.FIELDS.items()
        }

    # -- formats and state ---------------------------------------------------------------------
    def validate_format(self, fmt: Any) -> dict:
        frames, settings = split_settings(fmt, self.SETTINGS)
        return {**frames_format(frames), **settings}

    def setting(self, state: dict, name: str, default: Any = None) -> Any:
        return state["format"].get(name, default)

    def target(self, state: dict) -> int:
        return state["format"]["race_to"]

    def initial(self, fmt: Any) -> dict:
        fmt = self.validate_format(fmt)
        state = {
            "discipline": self.discipline,
            "format": fmt,
            "score": [0, 0],
            "frames": [0, 0],
            "frame_no": 1,
            "at_table": 0,
            "breaker": 0,
            "fouls": [0, 0],
            "over": False,
            "winner": None,
            "abandoned": False,
            "ended_by": None,
            "frame_history": [],
            "high_run": [0, 0] if self.tracks_runs else None,
            "corrected": False,
            "last_event": None,
        }
        self.extra_initial(state)
        self.reset_frame(state)
        self.finalize(state)
        return state

    def extra_initial(self, state: dict) -> None:
        """Add discipline-specific match-level keys."""

    def reset_frame(self, state: dict) -> None:
        """Reset discipline-specific per-frame keys at the start of each frame."""
        # Breaks alternate unless the format's ``break_order`` says the winner or the loser of the
        # last frame breaks; ``first_breaker`` exists only once a ``lag`` was recorded.
        order = state["format"].get("break_order", "alternate")
        history = state["frame_history"]
        if order != "alternate" and history and history[-1]["winner"] is not None:
            winner = history[-1]["winner"]
            state["breaker"] = winner if order == "winner" else 1 - winner
        else:
            state["breaker"] = (state.get("first_breaker", 0) + state["frame_no"] - 1) % 2
        state["at_table"] = state["breaker"]
        self.reset_clock(state)

    def reset_clock(self, state: dict) -> None:
        clock = state["format"].get("shot_clock")
        if clock:
            state["clock"] = {
                "seconds": clock["seconds"],
                "extensions": [clock["extensions"], clock["extensions"]],
            }

    def finalize(self, state: dict) -> None:
        """Recompute derived keys after every event."""

    def frame_breaks(self, state: dict) -> list[int] | None:
        return None

    # -- applying events -----------------------------------------------------------------------
    def apply(self, state: dict, event: Any) -> dict:
        if not isinstance(state, dict) or state.get("discipline") != self.discipline:
            raise IllegalEvent(BAD_STATE)
        etype, fields = parse_event(event, self.FIELDS)
        if state["abandoned"]:
            raise IllegalEvent(MATCH_OVER, MSG_MATCH_ABANDONED)
        if state["over"] and etype != "correction":
            raise IllegalEvent(MATCH_OVER)
        new = copy.deepcopy(state)
        getattr(self, f"on_{etype}")(new, fields)
        new["last_event"] = etype
        self.finalize(new)
        return new

    def fold(self, fmt: Any, events: Iterable[Any]) -> dict:
        state = self.initial(fmt)
        for event in events:
            state = self.apply(state, event)
        return state

    # -- helpers for subclasses ----------------------------------------------------------------
    @staticmethod
    def check_turn(state: dict, side_: int) -> None:
        if state["at_table"] is not None and state["at_table"] != side_:
            raise IllegalEvent(
                NOT_YOUR_TURN, f"Side {state['at_table']} is at the table, not side {side_}."
            )

    def end_match(self, state: dict, winner: int | None, ended_by: str) -> None:
        state["over"] = True
        state["winner"] = winner
        state["ended_by"] = ended_by

    def end_frame(self, state: dict, winner: int, how: str | None = None) -> None:
        """Close the current frame: record it, reset per-frame state, maybe finish the match."""
        state["frames"][winner] += 1
        state["frame_history"].append(
            {
                "winner": winner,
                "score": list(state["score"]),
                "how": how,
                "breaks": self.frame_breaks(state),
            }
        )
        state["frame_no"] += 1
        state["score"] = [0, 0]
        state["fouls"] = [0, 0]
        self.reset_frame(state)
        if state["frames"][winner] >= self.target(state):
            self.end_match(state, winner, "frames")

    # -- legal actions -------------------------------------------------------------------------
    def turn_sides(self, state: dict) -> list[int]:
        at = state["at_table"]
        return [0, 1] if at is None else [at]

    def play_actions(self, state: dict) -> list[dict]:
        """The discipline's own legal actions in a live state (pots, fouls, choices, ...)."""
        return []

    def notices(self, state: dict) -> list[dict]:
        """What the rules announce now (warnings, ball in hand, ...): [{"code", "side"?}]."""
        return []

    def legal_actions(self, state: dict) -> dict:
        """The legal next actions: {"at_table", "breaker", "actions": [{"type", "sides", ...}],
        "notices": [...]}. An action lists the sides that may send it and, where the event has
        fields, the values the rules allow now. Staff-only events (correction, abandon) and undo
        are not listed."""
        if state["over"] or state["abandoned"]:
            return {"at_table": None, "breaker": None, "actions": [], "notices": []}
        both = [0, 1]
        actions = []
        if state["last_event"] is None and "lag" in self.FIELDS:
            actions.append({"type": "lag", "sides": both})
        actions += self.play_actions(state)
        if "clock" in state:
            sides = self.turn_sides(state)
            actions.append({"type": "time_foul", "sides": sides})
            extend = [s for s in sides if state["clock"]["extensions"][s] > 0]
            if extend:
                actions.append({"type": "clock_extension", "sides": extend})
        actions += [
            {"type": "concede_frame", "sides": both},
            {"type": "concede_match", "sides": both},
        ]
        return {
            "at_table": state["at_table"],
            "breaker": state["breaker"],
            "actions": actions,
            "notices": self.notices(state),
        }

    # -- events common to every discipline -----------------------------------------------------
    def on_lag(self, state: dict, f: dict) -> None:
        """Who breaks the first frame (the lag or the toss); only before anything else."""
        if state["last_event"] is not None:
            raise IllegalEvent(NOT_AVAILABLE, "The lag is only recorded before the first shot.")
        state["first_breaker"] = f["side"]
        self.reset_frame(state)

    def on_time_foul(self, state: dict, f: dict) -> None:
        """The shot clock ran out: the discipline's standard foul by the side at the table."""
        if "clock" not in state:
            raise IllegalEvent(NOT_IN_FORMAT, MSG_NO_SHOT_CLOCK)
        self.time_foul(state, f["side"])

    def time_foul(self, state: dict, side_: int) -> None:
        self.on_foul(state, {"side": side_})

    def on_clock_extension(self, state: dict, f: dict) -> None:
        if "clock" not in state:
            raise IllegalEvent(NOT_IN_FORMAT, MSG_NO_SHOT_CLOCK)
        s = f["side"]
        self.check_turn(state, s)
        if state["clock"]["extensions"][s] <= 0:
            raise IllegalEvent(NO_EXTENSIONS)
        state["clock"]["extensions"][s] -= 1

    def on_concede_frame(self, state: dict, f: dict) -> None:
        self.end_frame(state, 1 - f["side"], "conceded")

    def on_concede_match(self, state: dict, f: dict) -> None:
        self.end_match(state, 1 - f["side"], "conceded")

    def on_abandon(self, state: dict, f: dict) -> None:
        self.end_match(state, None, "abandoned")
        state["abandoned"] = True

    def correct_score(self, state: dict, score: list[int]) -> None:
        """Set the current frame score from a correction (raise IllegalEvent if impossible)."""
        state["score"] = list(score)

    def after_correction(self, state: dict) -> None:
        """Fix derived per-frame keys after a correction."""

    def on_correction(self, state: dict, f: dict) -> None:
        target = self.target(state)
        frames = f["frames"]
        if max(frames) > target or min(frames) >= target:
            raise IllegalEvent(
                BAD_VALUE,
                f"Corrected frames must not exceed {target} and only one side can reach it.",
            )
        if "score" in f:
            self.correct_score(state, f["score"])
        state["frames"] = list(frames)
        state["frame_no"] = sum(frames) + 1
        state["corrected"] = True
        reached = [s for s in SIDES if frames[s] >= target]
        if reached:
            self.end_match(state, reached[0], "correction")
        else:
            state["over"] = False
            state["winner"] = None
            state["ended_by"] = None
        self.after_correction(state)


# Field specs shared by the frame disciplines.
SIDE_ONLY: FieldSpec = ({"side": side}, {})
NO_FIELDS: FieldSpec = ({}, {})
#: Events every frame discipline accepts: the lag, and the shot clock's time foul and extension.
COMMON_FIELDS: dict[str, FieldSpec] = {
    "lag": SIDE_ONLY,
    "time_foul": SIDE_ONLY,
    "clock_extension": SIDE_ONLY,
}
CORRECTION_FIELDS_FRAMES: FieldSpec = (
    {"frames": int_pair(0, MAX_FRAMES)},
    {"score": int_pair(0, 9999)},
)
