"""The Content-Security-Policy does not break the pages that have exceptions (real Chromium)."""

import pytest
from django.conf import settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_under_the_policy(live_app, phone_page):
    phone_page.goto(f"{live_app}/api/docs/")
    phone_page.wait_for_selector(".swagger-ui .info .title", timeout=15000)

    assert "Artel Billiards API" in phone_page.inner_text(".swagger-ui .info .title")
    assert phone_page.console_errors == []


def test_the_admin_login_renders_under_the_policy(live_app, phone_page):
    phone_page.goto(f"{live_app}/{settings.ADMIN_PATH}login/")
    phone_page.wait_for_selector("input[name='username']")

    assert phone_page.console_errors == []


def test_the_sign_in_page_renders_under_the_policy(live_app, phone_page):
    phone_page.goto(f"{live_app}/login/")
    phone_page.wait_for_selector("h1")

    assert phone_page.console_errors == []
