"""Web security: the Content-Security-Policy per page, framing by Telegram only for the Mini App,
CSRF on session-authenticated writes, no CORS, `check --deploy` clean in production settings."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from core.security import CSP_HEADER

BASE_DIR = Path(settings.BASE_DIR)


def directives(response) -> dict[str, list[str]]:
    header = response[CSP_HEADER]
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


@pytest.fixture
def client():
    return Client()


def test_the_mini_app_allows_only_telegrams_script_from_outside(client, db):
    response = client.get("/")

    assert response.status_code == 200
    csp = directives(response)
    assert csp["script-src"] == ["'self'", "https://telegram.org"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert csp["style-src"] == ["'self'"]  # <style> elements only from files
    assert csp["style-src-attr"] == ["'unsafe-inline'"]  # style="" set by the screens' script
    assert "'unsafe-eval'" not in response[CSP_HEADER]


def test_the_mini_app_may_open_websockets_to_its_own_host_only(client, db):
    response = client.get("/floor")

    assert directives(response)["connect-src"] == ["'self'", "ws://testserver", "wss://testserver"]


def test_the_mini_app_may_be_framed_by_telegram_web_only(client, db):
    response = client.get("/play/42")

    assert response.status_code == 200
    assert directives(response)["frame-ancestors"] == ["'self'", "https://web.telegram.org"]
    assert "X-Frame-Options" not in response


def test_other_pages_cannot_be_framed(client, db):
    response = client.get("/login/")

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert directives(response)["frame-ancestors"] == ["'none'"]


def test_the_sign_in_page_allows_the_telegram_widget_frame_and_the_google_redirect(client, db):
    csp = directives(client.get("/login/"))

    assert csp["frame-src"] == ["https://oauth.telegram.org"]
    assert csp["form-action"] == ["'self'", "https://accounts.google.com"]
    assert "https://accounts.google.com" not in directives(client.get("/"))["form-action"]


def test_the_admin_allows_inline_styles_but_not_inline_scripts(client, db):
    response = client.get(f"/{settings.ADMIN_PATH}login/")

    assert response.status_code == 200
    csp = directives(response)
    assert "'unsafe-inline'" in csp["style-src"]
    assert csp["script-src"] == ["'self'", "https://telegram.org"]


def test_swagger_ui_has_no_inline_script_and_serves_its_init_script(client, db):
    page = client.get("/api/docs/")

    assert page.status_code == 200
    html = page.content.decode()
    assert not re.search(r"<script>|<script\s+(?![^>]*\bsrc=)[^>]*>", html)
    assert "'unsafe-inline'" in directives(page)["style-src"]
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_api_responses_carry_no_csp_but_are_not_frameable(client, db):
    response = client.get("/api/clubs/")

    assert response.status_code == 200
    assert CSP_HEADER not in response
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_report_only_mode_sends_the_report_only_header(client, db, settings):
    settings.CSP_REPORT_ONLY = True

    response = client.get("/")

    assert CSP_HEADER not in response
    assert "script-src 'self' https://telegram.org" in response[f"{CSP_HEADER}-Report-Only"]


def test_a_session_authenticated_write_without_the_csrf_token_is_refused(player):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(player)

    response = client.post("/api/bookings/", {}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "CSRF" in response.json()["detail"]


def test_a_bearer_authenticated_write_needs_no_csrf_token(player):
    from testing.personas import bearer_client

    response = bearer_client(player).post("/api/bookings/", {}, format="json")

    assert response.status_code == 400


def test_cross_origin_requests_get_no_cors_headers(client, db):
    response = client.options(
        "/api/bookings/",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )
    simple = client.get("/api/clubs/", HTTP_ORIGIN="https://evil.example")

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Credentials" not in response
    assert "Access-Control-Allow-Origin" not in simple


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "x" * 64 + "-production-like-secret-for-check",
        "ALLOWED_HOSTS": "club.example.com",
    }
    result = subprocess.run(  # noqa: S603 - fixed argv
        # Only the security checks: API schema warnings are the schema run's business.
        [
            sys.executable,
            "manage.py",
            "check",
            "--deploy",
            "--tag",
            "security",
            "--fail-level",
            "WARNING",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
