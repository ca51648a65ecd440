"""The Mini App shell in a real browser (Debian Chromium through Playwright)."""

import pytest

pytestmark = pytest.mark.browser


def test_shell_renders_in_a_phone_viewport_without_console_errors(live_app, phone_page):
    phone_page.goto(f"{live_app}/")
    phone_page.wait_for_selector("#app[data-ready='1']")
    tabs = phone_page.locator(".tabbar .tab")
    assert {tabs.nth(i).get_attribute("data-nav") for i in range(tabs.count())} >= {
        "floor",
        "play",
        "me",
    }
    assert phone_page.locator("#screen-signin").is_visible()
    assert phone_page.console_errors == []


def test_navigation_switches_screens_without_reload(live_app, phone_page):
    phone_page.goto(f"{live_app}/")
    phone_page.wait_for_selector("#app[data-ready='1']")
    phone_page.click(".tabbar [data-nav='me']")
    assert phone_page.locator("#screen-me").is_visible()
    assert phone_page.url.endswith("/me")
    phone_page.click(".tabbar [data-nav='floor']")
    assert phone_page.locator("#screen-floor").is_visible()
    assert phone_page.console_errors == []


def test_inside_telegram_the_theme_is_applied(live_app, new_phone_page):
    page = new_phone_page(telegram_init_data="auth_date=1&user=%7B%22id%22%3A1%7D&hash=00")
    page.goto(f"{live_app}/")
    page.wait_for_selector("#app[data-ready='1']")
    button_color = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--tg-theme-button-color')"
    )
    assert button_color.strip() == "#2481cc"
    assert "ready" in page.evaluate("window.__tgEvents")
