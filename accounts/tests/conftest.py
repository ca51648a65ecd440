"""Personas and helpers of the accounts tests: a configured bot token, signed payloads, Google
faked at the HTTP boundary (social-core talks to Google through `requests`)."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from requests.adapters import HTTPAdapter
from rest_framework.test import APIClient

from accounts.telegram_auth import sign_init_data, sign_login_widget

BOT_TOKEN = "123456:TEST-artel-accounts"
GOOGLE_TOKEN_URL = "https://accounts.google.com/o/oauth2/token"
GOOGLE_USERINFO_URL = "https://www.googleapis.com/oauth2/v3/userinfo"


@pytest.fixture
def bot_token(settings):
    settings.TELEGRAM_BOT_TOKEN = BOT_TOKEN
    settings.TELEGRAM_BOT_USERNAME = "artel_test_bot"
    settings.SOCIAL_AUTH_TELEGRAM_BOT_TOKEN = BOT_TOKEN
    return BOT_TOKEN


@pytest.fixture
def api_client():
    return APIClient()


def make_init_data(
    token: str = BOT_TOKEN,
    *,
    user: dict | None = None,
    auth_date: int | None = None,
    **extra: str,
) -> str:
    user = user or {"id": 1001, "first_name": "Ann"}
    fields = {
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
        "query_id": "AAH-test",
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
        **extra,
    }
    return sign_init_data(fields, token)


def make_widget_data(token: str = BOT_TOKEN, *, auth_date: int | None = None, **fields) -> dict:
    data = {
        "id": "1001",
        "first_name": "Ann",
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
        **{k: str(v) for k, v in fields.items()},
    }
    return sign_login_widget(data, token)


class FakeGoogle:
    """Answers social-core's two calls to Google: the code exchange and the userinfo request."""

    def __init__(self):
        self.userinfo = {
            "sub": "108765432100001",
            "email": "ann@example.com",
            "email_verified": True,
            "name": "Ann Google",
            "given_name": "Ann",
            "family_name": "Google",
        }
        self.requests: list[requests.PreparedRequest] = []

    def send(self, adapter, request, **kwargs):
        self.requests.append(request)
        if request.url.startswith(GOOGLE_TOKEN_URL):
            body = {"access_token": "ya29.fake", "token_type": "Bearer", "expires_in": 3599}
        elif request.url.startswith(GOOGLE_USERINFO_URL):
            body = self.userinfo
        else:  # pragma: no cover - a test must never reach the network
            raise AssertionError(f"unexpected HTTP request to {request.url}")
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json"
        response.url = request.url
        response.request = request
        return response


@pytest.fixture
def fake_google(settings, monkeypatch):
    settings.SOCIAL_AUTH_GOOGLE_OAUTH2_KEY = "client-id.apps.googleusercontent.com"
    settings.SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET = "client-secret"
    google = FakeGoogle()
    monkeypatch.setattr(
        HTTPAdapter, "send", lambda adapter, request, **kw: google.send(adapter, request, **kw)
    )
    return google


def google_sign_in(client, google: FakeGoogle, *, next_url: str | None = None):
    """POST /login/google-oauth2/, follow Google back to /complete/ with a code; the response."""
    data = {"next": next_url} if next_url else {}
    begin = client.post("/login/google-oauth2/", data)
    assert begin.status_code == 302, begin
    location = urlparse(begin["Location"])
    assert location.netloc == "accounts.google.com"
    state = parse_qs(location.query)["state"][0]
    return client.get("/complete/google-oauth2/", {"state": state, "code": "4/fake-code"})
