"""The Mini App in headless Chromium: the dev sign-in runs the real validation and the Me screen
shows the player (the live server runs with DEBUG on, as `make run` does)."""

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def real_errors(page) -> list[str]:
    # The anonymous GET /api/me/ on boot is an expected 401.
    return [e for e in page.console_errors if "401" not in str(e)]


def test_demo_sign_in_shows_the_profile_on_the_me_screen(live_app, new_phone_page):
    page = new_phone_page()
    page.goto(f"{live_app}/")
    page.wait_for_selector("#app[data-ready='1']")
    page.click("#signin-demo")
    page.wait_for_selector("#me-name")
    assert page.text_content("#me-name") == "Ann"
    assert "Ann" in page.text_content("#user-chip")
    page.wait_for_selector("#me-identities li[data-provider='telegram']")
    assert page.url.endswith("/me")
    assert real_errors(page) == []


def test_profile_changes_are_saved_from_the_me_screen(live_app, new_phone_page):
    page = new_phone_page()
    page.goto(f"{live_app}/")
    page.wait_for_selector("#app[data-ready='1']")
    page.click("#signin-demo")
    page.wait_for_selector("#me-display-name")
    page.fill("#me-display-name", "Shark")
    page.click("#me-save")
    page.locator("#me-name", has_text="Shark").wait_for()
    assert "Shark" in page.text_content("#user-chip")


def test_inside_telegram_the_app_signs_in_without_a_form(live_app, new_phone_page):
    init_data = httpx.post(f"{live_app}/api/auth/dev-init-data/", json={"user_id": 1002}).json()[
        "init_data"
    ]
    page = new_phone_page(telegram_init_data=init_data)
    page.goto(f"{live_app}/me")
    page.wait_for_selector("#me-name")
    assert page.text_content("#me-name") == "Player 1002"
    assert not page.is_visible("#screen-signin")


def test_signing_out_on_the_web_blacklists_the_refresh_token(live_app, new_phone_page):
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

    page = new_phone_page()
    page.goto(f"{live_app}/")
    page.wait_for_selector("#app[data-ready='1']")
    page.click("#signin-demo")
    page.wait_for_selector("#me-signout")
    page.click("#me-signout")
    page.wait_for_selector("#screen-signin:not([hidden])")

    assert BlacklistedToken.objects.count() == 1
    assert real_errors(page) == []


def test_inside_telegram_there_is_no_sign_out_button(live_app, new_phone_page):
    init_data = httpx.post(f"{live_app}/api/auth/dev-init-data/", json={"user_id": 1002}).json()[
        "init_data"
    ]
    page = new_phone_page(telegram_init_data=init_data)
    page.goto(f"{live_app}/me")
    page.wait_for_selector("#me-form")
    assert page.locator("#me-signout").count() == 0
