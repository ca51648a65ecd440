"""Malformed input of the accounts API is refused by its input serializers: 400 `invalid_request`,
and `errors` says which field is wrong (the same answer as every other endpoint's)."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def post(url, body, **kwargs):
    return APIClient().post(url, body, format="json", **kwargs)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "This field is required."),
        ({"init_data": None}, "This field may not be null."),
        ({"init_data": 42}, "Not a valid string."),
        ({"init_data": ""}, "This field may not be blank."),
    ],
)
def test_sign_in_names_the_missing_or_malformed_init_data(settings, body, message):
    settings.TELEGRAM_BOT_TOKEN = "42:TEST"

    response = post("/api/auth/telegram/", body)

    assert response.status_code == 400
    assert response.json() == {
        "detail": f"init_data: {message}",
        "code": "invalid_request",
        "errors": {"init_data": [message]},
    }


def test_sign_in_with_a_body_that_is_not_an_object_says_so(settings):
    settings.TELEGRAM_BOT_TOKEN = "42:TEST"

    body = post("/api/auth/telegram/", [1]).json()

    assert body["code"] == "invalid_request"
    assert list(body["errors"]) == ["non_field_errors"]


def test_sign_in_with_malformed_json_is_invalid_request_with_errors(settings):
    settings.TELEGRAM_BOT_TOKEN = "42:TEST"

    response = APIClient().post("/api/auth/telegram/", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert "errors" in response.json()


@pytest.mark.parametrize("url", ["/api/auth/refresh/", "/api/auth/logout/"])
@pytest.mark.parametrize("refresh", [None, 5, ""])
def test_refresh_and_logout_name_the_malformed_refresh_token(url, refresh):
    response = post(url, {"refresh": refresh})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_request"
    assert list(body["errors"]) == ["refresh"]
    assert body["detail"].startswith("refresh: ")


def test_logout_without_a_token_or_a_session_names_the_missing_refresh_token():
    body = post("/api/auth/logout/", {}).json()

    assert body["code"] == "invalid_request"
    assert body["errors"] == {"refresh": ["This field is required."]}


@pytest.mark.parametrize("user_id", ["x", 0, -5, True, 1.5, 2**53])
def test_the_demo_endpoint_names_a_bad_user_id(settings, user_id):
    settings.DEBUG = True

    response = post("/api/auth/dev-init-data/", {"user_id": user_id})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_request"
    assert list(body["errors"]) == ["user_id"]


def test_the_demo_endpoint_refuses_a_body_that_is_not_an_object(settings):
    settings.DEBUG = True

    response = post("/api/auth/dev-init-data/", [1])

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


def test_a_profile_patch_that_is_not_an_object_says_so():
    client = APIClient()
    client.force_authenticate(UserFactory())

    response = client.patch("/api/me/", [1, 2], format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_request"
    assert body["errors"] == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }
