"""No 5xx from bad input (issue 15): malformed Authorization headers, JSON nested beyond any use,
text a database cannot hold, numbers beyond a column: each a clear 4xx `{"detail", "code"}` that
changes nothing. Ends with a fuzz test over headers and bodies of the API's write endpoints."""

import json
import time

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from accounts.models import User
from accounts.telegram_auth import sign_init_data
from core import parsers
from notifications.models import ProcessedUpdate
from testing.personas import bearer_client

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000
WEBHOOK = "/telegram/webhook/"
WEBHOOK_SECRET = "webhook-secret-fuzz"
API_PATHS = ["/api/clubs/", "/api/me/", "/api/bookings/", "/api/matches/", "/api/notifications/"]


@pytest.fixture
def limits_on(settings):
    """The rate-limit middleware reads the bearer token before DRF does: on, as in production."""
    settings.RATE_LIMITS_ENABLED = True
    return settings


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer ", "Bearer a b", "Bearer a.b.c", "Bearer \x00"]
)
@pytest.mark.parametrize("path", API_PATHS)
def test_a_malformed_bearer_header_is_401_not_500(limits_on, header, path):
    response = Client().get(path, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert set(response.json()) >= {"detail", "code"}


@pytest.mark.parametrize(
    ("path", "code"),
    [
        # The sign-in endpoints answer every unreadable body alike (their documented contract).
        ("/api/auth/telegram/", "invalid_request"),
        ("/api/auth/logout/", "invalid_request"),
        ("/api/bookings/", "too_deep"),
        ("/api/matches/", "too_deep"),
    ],
)
def test_a_body_nested_100000_deep_is_400(player, path, code):
    response = bearer_client(player).post(path, data=DEEP, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == code


def test_the_webhook_refuses_a_body_nested_100000_deep(settings):
    settings.TELEGRAM_WEBHOOK_SECRET = WEBHOOK_SECRET

    response = Client().post(
        WEBHOOK,
        data=DEEP,
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=WEBHOOK_SECRET,
    )

    assert response.status_code == 400
    assert response.json()["code"] == "too_deep"


@pytest.mark.parametrize("update_id", [2**63, 2**64, 10**30, -1])
def test_the_webhook_refuses_an_update_id_beyond_the_column(settings, update_id):
    settings.TELEGRAM_WEBHOOK_SECRET = WEBHOOK_SECRET

    response = Client().post(
        WEBHOOK,
        data=json.dumps({"update_id": update_id}),
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=WEBHOOK_SECRET,
    )

    assert response.status_code == 400
    assert response.json()["code"] == "bad_update"
    assert not ProcessedUpdate.objects.exists()


@pytest.mark.parametrize("text", ['"\\ud800"', '"a\\udc00b"', '"nul\\u0000"'])
def test_text_no_database_can_hold_is_refused_in_a_guest_name(player, text):
    body = (
        '{"discipline": "pool_9", "format": {"race_to": 3}, "visibility": "private", '
        f'"sides": [{{"players": [{player.pk}]}}, {{"guest": {text}}}]}}'
    )

    response = bearer_client(player).post(
        "/api/matches/", data=body, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "bad_text"


def test_a_signed_first_name_with_a_lone_surrogate_signs_in_with_the_character_replaced(settings):
    settings.TELEGRAM_BOT_TOKEN = "42:FUZZ"
    # Escaped in the signed JSON, as a client would send them: the init data itself is ASCII.
    init_data = sign_init_data(
        {
            "auth_date": str(int(time.time())),
            "query_id": "AAH-fuzz",
            "user": json.dumps({"id": 4242, "first_name": "Ann\ud800", "last_name": "N\x00"}),
        },
        "42:FUZZ",
    )

    response = Client().post(
        "/api/auth/telegram/", data={"init_data": init_data}, content_type="application/json"
    )

    assert response.status_code == 200
    user = User.objects.get(telegram_id=4242)
    assert user.first_name == "Ann\ufffd"
    assert user.last_name == "N"


def test_a_valid_emoji_pair_is_kept():
    assert parsers.loads('{"name": "\\ud83c\\udfb1 8-ball"}') == {"name": "\U0001f3b1 8-ball"}


# --- fuzz: whatever the headers and the body, never a 5xx ------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
bodies = st.one_of(
    json_values.map(json.dumps),
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    st.integers(min_value=1, max_value=3000).map(lambda n: "[" * n + "]" * n),
    st.sampled_from(['{"a": "\\ud800"}', '{"update_id": 99999999999999999999}', "\x00", "{"]),
)
header_values = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60),
    st.sampled_from(["Bearer", "Bearer ", "Bearer a b c", "Basic Zm9vOmJhcg==", "Bearer x.y.z"]),
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=latin-1",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "",
    ]
)
write_paths = st.sampled_from(
    [
        "/api/auth/telegram/",
        "/api/auth/refresh/",
        "/api/auth/logout/",
        "/api/bookings/",
        "/api/matches/",
        "/api/matches/1/events/",
        "/api/invites/",
        "/api/notifications/read/",
        "/api/realtime/ticket/",
        WEBHOOK,
    ]
)


@hsettings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    path=write_paths,
    body=bodies,
    content_type=content_types,
    authorization=st.none() | header_values,
    language=st.none() | header_values,
)
def test_fuzzed_requests_never_get_a_server_error(
    limits_on, path, body, content_type, authorization, language
):
    limits_on.TELEGRAM_WEBHOOK_SECRET = WEBHOOK_SECRET
    headers = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": WEBHOOK_SECRET}
    if authorization is not None:
        headers["HTTP_AUTHORIZATION"] = authorization
    if language is not None:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    client = Client(raise_request_exception=False)

    data = body.encode("utf-8", "surrogatepass")  # sent as bytes, whatever the content type says
    response = client.generic("POST", path, data, content_type=content_type, **headers)

    assert response.status_code < 500, (path, body[:200], response.content[:300])
