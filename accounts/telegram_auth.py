"""Validation and signing of Telegram sign-in payloads (pure Python, no Django).

Two payload kinds are supported:

* **Mini App init data** (``Telegram.WebApp.initData``), validated exactly as Telegram documents it
  (https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app):
  the query string is parsed, ``hash`` is removed, the remaining ``key=value`` pairs (URL-decoded,
  including ``signature`` if present and the ``user`` JSON verbatim) are sorted by key and joined
  with ``"\\n"``; the secret key is ``HMAC-SHA256(key=b"WebAppData", msg=bot_token)`` and the hash
  is ``HMAC-SHA256(secret, data_check_string)`` in hex.
* **Login Widget** data (https://core.telegram.org/widgets/login#checking-authorization): the same
  data-check string, but the secret key is the raw ``SHA-256(bot_token)`` digest.

Strictness (deliberately stricter than "whatever parses"):

* the query string is parsed with ``strict_parsing=True`` and ``errors="strict"`` (invalid UTF-8
  after percent-decoding is rejected), a lone ``%`` not followed by two hex digits is rejected, and a
  key that occurs twice is rejected (otherwise the signed value and the value the app reads could
  differ);
* keys must match ``[A-Za-z0-9_]+`` and values must not contain ``"\\n"``. Telegram never sends
  anything else, and this makes the data-check string an unambiguous encoding of the fields: without
  it ``a=1`` + ``b=2`` and a single field ``a`` with value ``"1\\nb=2"`` would share one signature;
* the hash must be exactly 64 ASCII hex digits (either case); it is compared with
  :func:`hmac.compare_digest`;
* the signature is checked *before* anything else is interpreted (``auth_date``, ``user``), so an
  unsigned payload only ever learns "invalid".

Every rejection raises a subclass of :class:`InitDataError` carrying a machine-readable ``code``;
no other exception escapes for any ``init_data``/``data`` input. (A missing bot token is a
configuration error and raises :class:`ValueError`; callers answer it with 503 before validating.)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

__all__ = [
    "CODE_EXPIRED",
    "CODE_INVALID",
    "ExpiredInitData",
    "InitData",
    "InitDataError",
    "InvalidInitData",
    "TelegramUser",
    "sign_init_data",
    "sign_login_widget",
    "validate_init_data",
    "validate_login_widget",
]

CODE_INVALID = "invalid_init_data"
CODE_EXPIRED = "init_data_expired"

MSG_INVALID = "Init data is invalid."
MSG_NOT_A_STRING = "Init data must be a string."
MSG_TOO_LONG = "Init data is too long."
MSG_MALFORMED = "Init data is not a well-formed query string."
MSG_DUPLICATE_KEY = "Init data contains a duplicated key."
MSG_BAD_FIELD = "Init data contains a field with a forbidden key or value."
MSG_MISSING_HASH = "Init data has no hash."
MSG_BAD_HASH_FORMAT = "Init data hash is not 64 hexadecimal digits."
MSG_HASH_MISMATCH = "Init data hash does not match."
MSG_BAD_AUTH_DATE = "Init data auth_date is missing or not an integer."
MSG_BAD_USER = "Init data user is missing or malformed."
MSG_EXPIRED = "Init data has expired."
MSG_FROM_FUTURE = "Init data auth_date is in the future."
MSG_NOT_A_MAPPING = "Login data must be a mapping of strings."

#: Upper bound on the raw init data length; real payloads are well under 4 KiB.
MAX_INIT_DATA_LENGTH = 64 * 1024
#: Telegram ids are positive and fit a signed 64-bit integer (a ``BigIntegerField``).
MAX_TELEGRAM_ID = 2**63 - 1

_KEY_RE = re.compile(r"[A-Za-z0-9_]+")
_HASH_RE = re.compile(r"[0-9A-Fa-f]{64}")
_INT_RE = re.compile(r"[0-9]{1,15}")
_SIGNED_INT_RE = re.compile(r"-?[0-9]{1,19}")
_BAD_PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")

_STR_USER_FIELDS = ("first_name", "last_name", "username", "language_code", "photo_url")
_BOOL_USER_FIELDS = ("is_premium", "allows_write_to_pm")


class InitDataError(Exception):
    """Base class of every rejection; ``code`` is the API error code."""

    code: str = CODE_INVALID
    default_message: str = MSG_INVALID

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class InvalidInitData(InitDataError):
    """Bad or missing hash, malformed data (HTTP 401 ``invalid_init_data``)."""

    code = CODE_INVALID


class ExpiredInitData(InitDataError):
    """``auth_date`` too old or too far in the future (HTTP 401 ``init_data_expired``)."""

    code = CODE_EXPIRED
    default_message = MSG_EXPIRED


@dataclass(frozen=True, slots=True)
class TelegramUser:
    id: int
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    photo_url: str | None = None
    is_premium: bool | None = None
    allows_write_to_pm: bool | None = None


@dataclass(frozen=True, slots=True)
class InitData:
    user: TelegramUser
    auth_date: int
    query_id: str | None = None
    start_param: str | None = None
    chat_type: str | None = None
    chat_instance: str | None = None
    #: every signed field, URL-decoded, except ``hash`` (excluded from ``hash()``: it is a dict)
    raw: dict[str, str] = field(default_factory=dict, hash=False)


# --------------------------------------------------------------------------------------------
# shared helpers


def _require_token(bot_token: str) -> bytes:
    if not isinstance(bot_token, str) or not bot_token:
        raise ValueError("A Telegram bot token is required.")
    return bot_token.encode()


def _check_fields(fields: Mapping[str, str]) -> None:
    for key, value in fields.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvalidInitData(MSG_BAD_FIELD)
        if not _KEY_RE.fullmatch(key) or "\n" in value:
            raise InvalidInitData(MSG_BAD_FIELD)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:  # lone surrogates in a str payload
            raise InvalidInitData(MSG_BAD_FIELD) from exc


def _data_check_string(fields: Mapping[str, str]) -> str:
    """``key=value`` lines sorted by key, joined by ``"\\n"`` (Telegram's data-check string)."""
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields))


def _init_data_secret(token: bytes) -> bytes:
    return hmac.new(b"WebAppData", token, hashlib.sha256).digest()


def _widget_secret(token: bytes) -> bytes:
    return hashlib.sha256(token).digest()


def _hexdigest(secret: bytes, fields: Mapping[str, str]) -> str:
    return hmac.new(secret, _data_check_string(fields).encode(), hashlib.sha256).hexdigest()


def _verify_hash(received: str | None, secret: bytes, fields: Mapping[str, str]) -> None:
    if received is None:
        raise InvalidInitData(MSG_MISSING_HASH)
    # fullmatch on a str pattern with explicit ASCII ranges: non-ASCII digits never match.
    if not isinstance(received, str) or not _HASH_RE.fullmatch(received):
        raise InvalidInitData(MSG_BAD_HASH_FORMAT)
    expected = _hexdigest(secret, fields)
    if not hmac.compare_digest(expected, received.lower()):
        raise InvalidInitData(MSG_HASH_MISMATCH)


def _check_auth_date(
    value: str | None, *, max_age: int, now: float | None, future_skew: int
) -> int:
    if value is None or not _INT_RE.fullmatch(value):
        raise InvalidInitData(MSG_BAD_AUTH_DATE)
    auth_date = int(value)
    current = time.time() if now is None else now
    if current - auth_date > max_age:
        raise ExpiredInitData(MSG_EXPIRED)
    if auth_date - current > future_skew:
        raise ExpiredInitData(MSG_FROM_FUTURE)
    return auth_date


def _valid_id(value: Any) -> bool:
    # bool is a subclass of int: JSON ``true`` must not become user id 1.
    return type(value) is int and 0 < value <= MAX_TELEGRAM_ID


# --------------------------------------------------------------------------------------------
# Mini App init data


def _parse_query(init_data: str) -> dict[str, str]:
    if len(init_data) > MAX_INIT_DATA_LENGTH:
        raise InvalidInitData(MSG_TOO_LONG)
    if _BAD_PERCENT_RE.search(init_data):
        raise InvalidInitData(MSG_MALFORMED)
    try:
        pairs = parse_qsl(
            init_data,
            keep_blank_values=True,
            strict_parsing=True,
            encoding="utf-8",
            errors="strict",
        )
    except ValueError as exc:  # includes UnicodeDecodeError
        raise InvalidInitData(MSG_MALFORMED) from exc
    if not pairs:
        raise InvalidInitData(MSG_MALFORMED)
    fields: dict[str, str] = {}
    for key, value in pairs:
        if key in fields:
            raise InvalidInitData(MSG_DUPLICATE_KEY)
        fields[key] = value
    _check_fields(fields)
    return fields


def _reject_duplicate_json_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError("duplicate key in JSON object")
        result[key] = value
    return result


def _reject_json_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def _parse_user(raw_user: str | None) -> TelegramUser:
    if raw_user is None:
        raise InvalidInitData(MSG_BAD_USER)
    try:
        data = json.loads(
            raw_user,
            object_pairs_hook=_reject_duplicate_json_keys,
            parse_constant=_reject_json_constant,
        )
    except (ValueError, RecursionError) as exc:
        raise InvalidInitData(MSG_BAD_USER) from exc
    if not isinstance(data, dict) or not _valid_id(data.get("id")):
        raise InvalidInitData(MSG_BAD_USER)
    kwargs: dict[str, Any] = {"id": data["id"]}
    for name in _STR_USER_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidInitData(MSG_BAD_USER)
        kwargs[name] = value
    for name in _BOOL_USER_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, bool):
            raise InvalidInitData(MSG_BAD_USER)
        kwargs[name] = value
    return TelegramUser(**kwargs)


def validate_init_data(
    init_data: str,
    bot_token: str,
    *,
    max_age: int = 3600,
    now: float | None = None,
    future_skew: int = 60,
) -> InitData:
    """Validate a Mini App ``initData`` string and return its parsed content.

    Raises :class:`InvalidInitData` (bad/missing hash, malformed data, bad ``user`` or
    ``auth_date``) or :class:`ExpiredInitData` (``auth_date`` older than ``max_age`` seconds or more
    than ``future_skew`` seconds ahead of ``now``, which defaults to :func:`time.time`).
    """
    token = _require_token(bot_token)
    if not isinstance(init_data, str):
        raise InvalidInitData(MSG_NOT_A_STRING)
    fields = _parse_query(init_data)
    received = fields.pop("hash", None)
    _verify_hash(received, _init_data_secret(token), fields)

    auth_date = _check_auth_date(
        fields.get("auth_date"), max_age=max_age, now=now, future_skew=future_skew
    )
    user = _parse_user(fields.get("user"))
    return InitData(
        user=user,
        auth_date=auth_date,
        query_id=fields.get("query_id"),
        start_param=fields.get("start_param"),
        chat_type=fields.get("chat_type"),
        chat_instance=fields.get("chat_instance"),
        raw=fields,
    )


def sign_init_data(fields: dict[str, str], bot_token: str) -> str:
    """Return ``fields`` as a query string with a valid ``hash`` appended.

    Values are given decoded (``user`` as its JSON text); they are percent-encoded here. Raises
    :class:`ValueError` for fields :func:`validate_init_data` would refuse (a ``hash`` key, a key
    outside ``[A-Za-z0-9_]``, a value containing a newline).
    """
    token = _require_token(bot_token)
    if "hash" in fields:
        raise ValueError("fields must not contain 'hash'")
    try:
        _check_fields(fields)
    except InitDataError as exc:
        raise ValueError(str(exc)) from exc
    digest = _hexdigest(_init_data_secret(token), fields)
    return urlencode([*fields.items(), ("hash", digest)], quote_via=quote, safe="")


# --------------------------------------------------------------------------------------------
# Login Widget


def validate_login_widget(
    data: Mapping[str, str],
    bot_token: str,
    *,
    max_age: int = 86400,
    now: float | None = None,
    future_skew: int = 60,
) -> TelegramUser:
    """Validate Telegram Login Widget data (secret = SHA-256 of the bot token).

    ``data`` is every field Telegram sent (``id``, ``first_name``, ..., ``auth_date``, ``hash``);
    all of them except ``hash`` are signed, so unknown extra fields must be passed through too.
    """
    token = _require_token(bot_token)
    if not isinstance(data, Mapping):
        raise InvalidInitData(MSG_NOT_A_MAPPING)
    try:
        fields = dict(data)
    except Exception as exc:  # a hostile Mapping implementation
        raise InvalidInitData(MSG_NOT_A_MAPPING) from exc
    _check_fields(fields)
    received = fields.pop("hash", None)
    _verify_hash(received, _widget_secret(token), fields)

    _check_auth_date(fields.get("auth_date"), max_age=max_age, now=now, future_skew=future_skew)
    raw_id = fields.get("id")
    if raw_id is None or not _SIGNED_INT_RE.fullmatch(raw_id) or not _valid_id(int(raw_id)):
        raise InvalidInitData(MSG_BAD_USER)
    return TelegramUser(
        id=int(raw_id),
        first_name=fields.get("first_name"),
        last_name=fields.get("last_name"),
        username=fields.get("username"),
        photo_url=fields.get("photo_url"),
    )


def sign_login_widget(fields: Mapping[str, str], bot_token: str) -> dict[str, str]:
    """Return a copy of ``fields`` with a valid Login Widget ``hash`` added."""
    token = _require_token(bot_token)
    if "hash" in fields:
        raise ValueError("fields must not contain 'hash'")
    signed = dict(fields)
    try:
        _check_fields(signed)
    except InitDataError as exc:
        raise ValueError(str(exc)) from exc
    signed["hash"] = _hexdigest(_widget_secret(token), signed)
    return signed
