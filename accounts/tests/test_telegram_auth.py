"""Unit and property tests for accounts.telegram_auth (no Django needed)."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import json
from urllib.parse import quote

import pytest
import time_machine
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from accounts.telegram_auth import (
    CODE_EXPIRED,
    CODE_INVALID,
    MSG_BAD_AUTH_DATE,
    MSG_BAD_FIELD,
    MSG_BAD_HASH_FORMAT,
    MSG_BAD_USER,
    MSG_DUPLICATE_KEY,
    MSG_EXPIRED,
    MSG_FROM_FUTURE,
    MSG_HASH_MISMATCH,
    MSG_MALFORMED,
    MSG_MISSING_HASH,
    MSG_NOT_A_STRING,
    ExpiredInitData,
    InitData,
    InitDataError,
    InvalidInitData,
    TelegramUser,
    sign_init_data,
    sign_login_widget,
    validate_init_data,
    validate_login_widget,
)

# --- known-answer vectors -------------------------------------------------------------------

VECTOR1_TOKEN = "42:TEST"
VECTOR1_AUTH_DATE = 1650385342
VECTOR1 = (
    "auth_date=1650385342&user=%7B%22id%22%3A42%2C%22first_name%22%3A%22Test%22%7D"
    "&query_id=test&hash=46d2ea5e32911ec8d30999b56247654460c0d20949b6277af519e76271182803"
)

# Telegram's public documentation vector (not a live credential). Written as a concatenation on
# purpose: the pre-commit secret check flags anything shaped like a real bot token in one piece.
VECTOR2_TOKEN = "5768337691" + ":" + "AAGDAe6rjxu1cUgxK4BizYi--Utc3J9v5AU"
VECTOR2_AUTH_DATE = 1709144340
VECTOR2 = (
    "user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%22%2C%22last_name%22"
    "%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22en%22"
    "%2C%22is_premium%22%3Atrue%2C%22allows_write_to_pm%22%3Atrue%7D"
    "&chat_instance=-3788475317572404878&chat_type=private&auth_date=1709144340"
    "&hash=371697738012ebd26a111ace4aff23ee265596cd64026c8c3677956a85ca1827"
)

TOKEN = "123456:dev-token-for-tests"
NOW = 1_700_000_000


def signed(token: str = TOKEN, **fields: str) -> str:
    base = {"auth_date": str(NOW), "user": json.dumps({"id": 1001, "first_name": "Ann"})}
    base.update(fields)
    return sign_init_data({k: v for k, v in base.items() if v is not None}, token)


def test_vector1_is_valid():
    data = validate_init_data(VECTOR1, VECTOR1_TOKEN, now=VECTOR1_AUTH_DATE + 10)
    assert data.user == TelegramUser(id=42, first_name="Test")
    assert data.auth_date == VECTOR1_AUTH_DATE
    assert data.query_id == "test"
    assert data.start_param is None
    assert data.raw == {
        "auth_date": "1650385342",
        "user": '{"id":42,"first_name":"Test"}',
        "query_id": "test",
    }


def test_vector1_with_frozen_clock():
    with time_machine.travel(VECTOR1_AUTH_DATE + 10, tick=False):
        assert validate_init_data(VECTOR1, VECTOR1_TOKEN).user.id == 42
    with (
        time_machine.travel(VECTOR1_AUTH_DATE + 3601, tick=False),
        pytest.raises(ExpiredInitData),
    ):
        validate_init_data(VECTOR1, VECTOR1_TOKEN)


def test_vector2_is_valid():
    data = validate_init_data(VECTOR2, VECTOR2_TOKEN, now=VECTOR2_AUTH_DATE + 5)
    assert data.user == TelegramUser(
        id=279058397,
        first_name="Vladislav",
        last_name="Kibenko",
        username="vdkfrost",
        language_code="en",
        photo_url=None,
        is_premium=True,
        allows_write_to_pm=True,
    )
    assert data.auth_date == VECTOR2_AUTH_DATE
    assert data.chat_type == "private"
    assert data.chat_instance == "-3788475317572404878"
    assert data.query_id is None


def test_vector_with_wrong_token_is_invalid():
    with pytest.raises(InvalidInitData, match=MSG_HASH_MISMATCH):
        validate_init_data(VECTOR2, VECTOR1_TOKEN, now=VECTOR2_AUTH_DATE)


def _one_char_variants() -> list[tuple[int, str]]:
    variants = []
    for index, char in enumerate(VECTOR2):
        for replacement in ("x", "0", "&"):
            # a case change of a hex digit ("%7B" -> "%7b", or in the hash) is decode-equivalent,
            # so only replacements that really change the character are used.
            if replacement.lower() != char.lower():
                variants.append((index, replacement))
    return variants


@pytest.mark.parametrize(("index", "replacement"), _one_char_variants())
def test_vector2_any_single_character_change_is_invalid(index, replacement):
    mutated = VECTOR2[:index] + replacement + VECTOR2[index + 1 :]
    assert mutated != VECTOR2
    with pytest.raises(InitDataError) as excinfo:
        validate_init_data(mutated, VECTOR2_TOKEN, now=VECTOR2_AUTH_DATE + 5)
    assert excinfo.value.code in {CODE_INVALID, CODE_EXPIRED}


# --- exceptions -----------------------------------------------------------------------------


def test_exception_codes():
    assert InvalidInitData.code == "invalid_init_data"
    assert ExpiredInitData.code == "init_data_expired"
    assert issubclass(InvalidInitData, InitDataError)
    assert issubclass(ExpiredInitData, InitDataError)
    err = ExpiredInitData()
    assert err.code == CODE_EXPIRED and str(err) == MSG_EXPIRED


# --- time window ----------------------------------------------------------------------------


def test_auth_date_boundaries():
    payload = signed()
    assert validate_init_data(payload, TOKEN, now=NOW + 3600).auth_date == NOW
    assert validate_init_data(payload, TOKEN, now=NOW - 60).auth_date == NOW
    with pytest.raises(ExpiredInitData, match=MSG_EXPIRED):
        validate_init_data(payload, TOKEN, now=NOW + 3601)
    with pytest.raises(ExpiredInitData, match=MSG_FROM_FUTURE):
        validate_init_data(payload, TOKEN, now=NOW - 61)


def test_custom_max_age_and_skew():
    payload = signed()
    with pytest.raises(ExpiredInitData):
        validate_init_data(payload, TOKEN, now=NOW + 11, max_age=10)
    assert validate_init_data(payload, TOKEN, now=NOW - 100, future_skew=100)


@pytest.mark.parametrize("auth_date", ["", "abc", "-5", "1.5", "1e9", " 1700000000", "١٧٠٠", None])
def test_bad_auth_date(auth_date):
    payload = signed(auth_date=auth_date)
    with pytest.raises(InvalidInitData, match=MSG_BAD_AUTH_DATE):
        validate_init_data(payload, TOKEN, now=NOW)


# --- tampering and structure ----------------------------------------------------------------


def test_tampered_value_is_invalid():
    payload = signed()
    tampered = payload.replace("Ann", "Bob")
    assert tampered != payload
    with pytest.raises(InvalidInitData, match=MSG_HASH_MISMATCH):
        validate_init_data(tampered, TOKEN, now=NOW)


def test_removed_field_is_invalid():
    payload = signed(query_id="AAA")
    stripped = "&".join(p for p in payload.split("&") if not p.startswith("query_id="))
    with pytest.raises(InvalidInitData, match=MSG_HASH_MISMATCH):
        validate_init_data(stripped, TOKEN, now=NOW)


def test_signature_field_is_part_of_the_data_check_string():
    payload = signed(signature="abc-def_123")
    assert validate_init_data(payload, TOKEN, now=NOW).raw["signature"] == "abc-def_123"
    stripped = "&".join(p for p in payload.split("&") if not p.startswith("signature="))
    with pytest.raises(InvalidInitData):
        validate_init_data(stripped, TOKEN, now=NOW)


@pytest.mark.parametrize("extra", ["&auth_date=1700000000", "&hash=" + "0" * 64, "&user=%7B%7D"])
def test_duplicate_key_is_invalid(extra):
    with pytest.raises(InvalidInitData, match=MSG_DUPLICATE_KEY):
        validate_init_data(signed() + extra, TOKEN, now=NOW)


def test_duplicate_identical_key_is_invalid():
    payload = signed(query_id="q")
    with pytest.raises(InvalidInitData, match=MSG_DUPLICATE_KEY):
        validate_init_data(payload + "&query_id=q", TOKEN, now=NOW)


def test_missing_hash_is_invalid():
    payload = "&".join(p for p in signed().split("&") if not p.startswith("hash="))
    with pytest.raises(InvalidInitData, match=MSG_MISSING_HASH):
        validate_init_data(payload, TOKEN, now=NOW)


def test_uppercase_hash_is_accepted():
    payload = signed()
    head, digest = payload.rsplit("hash=", 1)
    assert validate_init_data(head + "hash=" + digest.upper(), TOKEN, now=NOW).user.id == 1001


@pytest.mark.parametrize(
    "bad_hash",
    [
        "",
        "g" * 64,
        "0" * 63,
        "0" * 65,
        "0" * 62 + "  ",
        quote("٠" * 64),  # Arabic-Indic digits: isdigit() but not ASCII
        quote("０" * 64),  # fullwidth digits
        quote("é") + "0" * 62,
        "%FF" + "0" * 62,  # invalid UTF-8 after decoding
        "0x" + "0" * 62,
    ],
)
def test_malformed_hash_is_invalid(bad_hash):
    payload = signed().rsplit("hash=", 1)[0] + "hash=" + bad_hash
    with pytest.raises(InvalidInitData):
        validate_init_data(payload, TOKEN, now=NOW)


def test_non_ascii_hash_message():
    payload = signed().rsplit("hash=", 1)[0] + "hash=" + quote("٠" * 64)
    with pytest.raises(InvalidInitData, match=MSG_BAD_HASH_FORMAT):
        validate_init_data(payload, TOKEN, now=NOW)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "&",
        "=",
        "hash",
        "a=1&&b=2",
        "a=1&",
        "%",
        "a=%ZZ",
        "a=%C3",
        "a=%E2%82",
        "\x00",
        "🎱",
        "hash=" + "0" * 64,
        "user=%7B%7D&hash=" + "a" * 64,
        "x" * 200_000,
        "?auth_date=1&hash=" + "0" * 64,
    ],
)
def test_garbage_is_invalid(garbage):
    with pytest.raises(InvalidInitData):
        validate_init_data(garbage, TOKEN, now=NOW)


@pytest.mark.parametrize(
    "text",
    [
        "a=\ud800&hash=" + "0" * 64,
        "\ud800=1&hash=" + "0" * 64,
        "a=1&hash=" + "0" * 63 + "\ud800",
        "auth_date=1&user=%7B%7D&hash=" + "0" * 64 + "\udfff",
    ],
)
def test_lone_surrogates_are_invalid(text):
    with pytest.raises(InvalidInitData):
        validate_init_data(text, TOKEN, now=NOW)
    with pytest.raises(InvalidInitData):
        validate_login_widget({"id": "\ud800", "hash": "0" * 64}, TOKEN, now=NOW)


@pytest.mark.parametrize("value", [None, 42, 1.5, b"auth_date=1", ["a=b"], {"a": "b"}, object()])
def test_non_string_input_is_invalid(value):
    with pytest.raises(InvalidInitData, match=MSG_NOT_A_STRING):
        validate_init_data(value, TOKEN, now=NOW)


def test_forbidden_keys_and_values_are_invalid():
    # An unambiguous data-check string needs keys without "=" / "\n" and values without "\n".
    for payload in (
        "a%3Db=c&hash=" + "0" * 64,
        "user=a%0Ab%3Dc&hash=" + "0" * 64,
        "bad-key=1&hash=" + "0" * 64,
    ):
        with pytest.raises(InvalidInitData, match=MSG_BAD_FIELD):
            validate_init_data(payload, TOKEN, now=NOW)


def test_missing_bot_token_is_a_configuration_error():
    with pytest.raises(ValueError):
        validate_init_data(signed(), "", now=NOW)


# --- user JSON ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user",
    [
        None,
        "",
        "not json",
        "[]",
        "42",
        "{}",
        '{"first_name":"A"}',
        '{"id":"42"}',
        '{"id":true}',
        '{"id":1.0}',
        '{"id":0}',
        '{"id":-5}',
        f'{{"id":{2**63}}}',
        '{"id":NaN}',
        '{"id":1,"id":2}',
        '{"id":1,"first_name":5}',
        '{"id":1,"is_premium":"yes"}',
        '{"id":1,"allows_write_to_pm":1}',
        "[" * 10_000,
    ],
)
def test_missing_or_invalid_user_is_invalid(user):
    payload = signed(user=user)
    with pytest.raises(InvalidInitData, match=MSG_BAD_USER):
        validate_init_data(payload, TOKEN, now=NOW)


@pytest.mark.parametrize("user_id", [1, 2**31, 2**53 + 1, 2**63 - 1])
def test_user_id_may_be_64_bit(user_id):
    payload = signed(
        user=json.dumps({"id": user_id, "username": "x", "photo_url": "https://t.me/i"})
    )
    data = validate_init_data(payload, TOKEN, now=NOW)
    assert data.user.id == user_id
    assert type(data.user.id) is int
    assert data.user.photo_url == "https://t.me/i"


def test_init_data_is_frozen_and_hashable():
    data = validate_init_data(signed(start_param="t5_abc"), TOKEN, now=NOW)
    assert data.start_param == "t5_abc"
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.auth_date = 1  # type: ignore[misc]
    assert hash(data) == hash(validate_init_data(signed(start_param="t5_abc"), TOKEN, now=NOW))


# --- property tests -------------------------------------------------------------------------

value_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"), max_size=24
)
any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=24)
KNOWN = {"auth_date", "user", "hash", "query_id", "start_param", "chat_type", "chat_instance"}

users = st.fixed_dictionaries(
    {"id": st.integers(1, 2**63 - 1)},
    optional={
        "first_name": any_text,
        "last_name": any_text,
        "username": any_text,
        "language_code": any_text,
        "photo_url": any_text,
        "is_premium": st.booleans(),
        "allows_write_to_pm": st.booleans(),
    },
)


@st.composite
def payloads(draw):
    """(fields in wire order, expected InitData, now)."""
    user = draw(users)
    user_json = json.dumps(user, ensure_ascii=draw(st.booleans()), separators=(",", ":"))
    auth_date = draw(st.integers(0, 2**40))
    fields = {"auth_date": str(auth_date), "user": user_json}
    fields.update(
        draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "query_id": value_text,
                    "start_param": value_text,
                    "chat_type": value_text,
                    "chat_instance": value_text,
                    "signature": value_text,
                },
            )
        )
    )
    extra_keys = st.from_regex(r"[a-z_]{1,8}", fullmatch=True).filter(lambda k: k not in KNOWN)
    fields.update(draw(st.dictionaries(extra_keys, value_text, max_size=3)))
    order = draw(st.permutations(sorted(fields)))
    fields = {key: fields[key] for key in order}
    expected = InitData(
        user=TelegramUser(**user),
        auth_date=auth_date,
        query_id=fields.get("query_id"),
        start_param=fields.get("start_param"),
        chat_type=fields.get("chat_type"),
        chat_instance=fields.get("chat_instance"),
        raw=dict(fields),
    )
    now = auth_date + draw(st.integers(-60, 3600))
    return fields, expected, now


PROPERTY_SETTINGS = settings(
    deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(payloads())
def test_property_signed_payload_validates(payload):
    fields, expected, now = payload
    assert validate_init_data(sign_init_data(fields, TOKEN), TOKEN, now=now) == expected


def _mutate(data, text: str) -> str:
    kind = data.draw(st.sampled_from(["insert", "delete", "replace", "swap_values", "reorder"]))
    if kind in {"insert", "replace", "delete"}:
        index = data.draw(st.integers(0, len(text) - (0 if kind == "insert" else 1)))
        if kind == "delete":
            return text[:index] + text[index + 1 :]
        char = data.draw(
            st.one_of(st.sampled_from("&=%+0aF;#\n\ud800"), st.characters(blacklist_categories=()))
        )
        skip = 0 if kind == "insert" else 1
        return text[:index] + char + text[index + skip :]
    parts = text.split("&")
    if kind == "reorder":
        return "&".join(data.draw(st.permutations(parts)))
    i = data.draw(st.integers(0, len(parts) - 1))
    j = data.draw(st.integers(0, len(parts) - 1))
    key_i, _, value_i = parts[i].partition("=")
    key_j, _, value_j = parts[j].partition("=")
    parts[i], parts[j] = f"{key_i}={value_j}", f"{key_j}={value_i}"
    return "&".join(parts)


@PROPERTY_SETTINGS
@given(payloads(), st.data())
def test_property_mutations_are_rejected_or_equivalent(payload, data):
    fields, expected, now = payload
    text = sign_init_data(fields, TOKEN)
    mutated = _mutate(data, text)
    try:
        result = validate_init_data(mutated, TOKEN, now=now)
    except InitDataError:
        return
    # Accepted only when the mutation was a no-op after decoding (hex case, field order, ...).
    assert result == expected


@PROPERTY_SETTINGS
@given(
    st.one_of(
        st.text(),
        st.text(alphabet=st.characters(blacklist_categories=())),  # lone surrogates too
        st.text(alphabet="&=%_+;abcdefhsu0123456789ABCDEF"),
        st.builds(lambda a, b: f"{a}&hash={b}", st.text(), st.text()),
    )
)
def test_property_arbitrary_text_only_raises_init_data_error(text):
    with contextlib.suppress(InitDataError):
        validate_init_data(text, TOKEN, now=NOW)


@PROPERTY_SETTINGS
@given(user=st.text(), auth_date=st.text(), extra=st.dictionaries(value_text, value_text))
def test_property_signed_arbitrary_fields_only_raise_init_data_error(user, auth_date, extra):
    """Even correctly signed but arbitrary content never raises anything but InitDataError."""
    fields = {"user": user, "auth_date": auth_date, **extra}
    fields.pop("hash", None)
    try:
        text = sign_init_data(fields, TOKEN)
    except ValueError:
        assume(False)
    with contextlib.suppress(InitDataError):
        validate_init_data(text, TOKEN, now=NOW)


# --- Login Widget ---------------------------------------------------------------------------

WIDGET_FIELDS = {
    "id": "279058397",
    "first_name": "Vladislav",
    "username": "vdkfrost",
    "photo_url": "https://t.me/i/userpic/320/x.jpg",
    "auth_date": str(NOW),
}


def test_widget_valid():
    data = sign_login_widget(WIDGET_FIELDS, TOKEN)
    user = validate_login_widget(data, TOKEN, now=NOW + 100)
    assert user == TelegramUser(
        id=279058397,
        first_name="Vladislav",
        username="vdkfrost",
        photo_url="https://t.me/i/userpic/320/x.jpg",
    )


def test_widget_uses_sha256_secret_not_web_app_data():
    data = sign_login_widget(WIDGET_FIELDS, TOKEN)
    dcs = "\n".join(f"{k}={WIDGET_FIELDS[k]}" for k in sorted(WIDGET_FIELDS))
    secret = hashlib.sha256(TOKEN.encode()).digest()
    assert data["hash"] == hmac.new(secret, dcs.encode(), hashlib.sha256).hexdigest()
    # a Mini App (WebAppData) signature over the same fields is not a widget signature
    web_app_secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    mini_app_hash = hmac.new(web_app_secret, dcs.encode(), hashlib.sha256).hexdigest()
    with pytest.raises(InvalidInitData):
        validate_login_widget({**WIDGET_FIELDS, "hash": mini_app_hash}, TOKEN, now=NOW)


@pytest.mark.parametrize("field", ["id", "first_name", "username", "auth_date", "hash"])
def test_widget_tampered(field):
    data = sign_login_widget(WIDGET_FIELDS, TOKEN)
    data[field] = data[field][:-1] + ("0" if data[field][-1] != "0" else "1")
    with pytest.raises(InvalidInitData):
        validate_login_widget(data, TOKEN, now=NOW)


def test_widget_extra_or_missing_field_is_invalid():
    data = sign_login_widget(WIDGET_FIELDS, TOKEN)
    with pytest.raises(InvalidInitData):
        validate_login_widget({**data, "last_name": "X"}, TOKEN, now=NOW)
    with pytest.raises(InvalidInitData, match=MSG_MISSING_HASH):
        validate_login_widget({k: v for k, v in data.items() if k != "hash"}, TOKEN, now=NOW)


def test_widget_expired_and_future():
    data = sign_login_widget(WIDGET_FIELDS, TOKEN)
    assert validate_login_widget(data, TOKEN, now=NOW + 86400)
    with pytest.raises(ExpiredInitData, match=MSG_EXPIRED):
        validate_login_widget(data, TOKEN, now=NOW + 86401)
    with pytest.raises(ExpiredInitData, match=MSG_FROM_FUTURE):
        validate_login_widget(data, TOKEN, now=NOW - 61)


def test_widget_wrong_token():
    data = sign_login_widget(WIDGET_FIELDS, TOKEN)
    with pytest.raises(InvalidInitData, match=MSG_HASH_MISMATCH):
        validate_login_widget(data, "other:token", now=NOW)


@pytest.mark.parametrize("bad_id", ["abc", "0", "-1", str(2**63), "1.0", ""])
def test_widget_bad_id(bad_id):
    data = sign_login_widget({**WIDGET_FIELDS, "id": bad_id}, TOKEN)
    with pytest.raises(InvalidInitData, match=MSG_BAD_USER):
        validate_login_widget(data, TOKEN, now=NOW)


@pytest.mark.parametrize("data", [None, "id=1", [("id", "1")], {"id": 1, "hash": "0" * 64}])
def test_widget_garbage(data):
    with pytest.raises(InvalidInitData):
        validate_login_widget(data, TOKEN, now=NOW)


def test_sign_rejects_unsignable_fields():
    with pytest.raises(ValueError):
        sign_init_data({"hash": "x"}, TOKEN)
    with pytest.raises(ValueError):
        sign_init_data({"a": "1\n2"}, TOKEN)
    with pytest.raises(ValueError):
        sign_login_widget({"bad key": "1"}, TOKEN)


def test_malformed_percent_escape_is_rejected():
    with pytest.raises(InvalidInitData, match=MSG_MALFORMED):
        validate_init_data(signed() + "&x=%G1", TOKEN, now=NOW)
