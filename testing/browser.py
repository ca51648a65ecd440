"""Pytest plugin for browser tests: the app served by daphne (HTTP + WebSocket) on the test
database, and Debian's Chromium driven by Playwright, in a phone viewport, with Telegram's WebApp
script faked (outside Telegram, or inside it with a signed init data string).

Fixtures: `live_app` (base URL, str, with `.bot_token`), `new_phone_page(...)` (a factory) and
`phone_page`. Loaded from the root conftest.py; daphne is started by `testing.daphne`.
"""

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from django.conf import settings

from accounts.telegram_auth import sign_init_data
from testing.daphne import start_daphne, stop_process

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
# A bot token for the daphne under test only (never a real one): init data in browser tests is
# signed with it.
BROWSER_TEST_BOT_TOKEN = "123456:browser-test-token"  # noqa: S105


class LiveApp(str):
    """The base URL of the app under test (a str), with the bot token it validates init data with."""

    bot_token: str
    process: subprocess.Popen


def database_url(db: dict) -> str:
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def live_app_env(db_settings: dict, **overrides) -> dict:
    """Environment for a daphne subprocess that serves the test database."""
    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "1",
            "SECRET_KEY": settings.SECRET_KEY,
            "DATABASE_URL": database_url(db_settings),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "TELEGRAM_BOT_TOKEN": BROWSER_TEST_BOT_TOKEN,
            # Bot messages the live server sends (booking confirmations…) go nowhere: a closed
            # loopback port refuses at once; Telegram is never called from tests.
            "TELEGRAM_API_BASE": "http://127.0.0.1:9",
            "LOG_LEVEL": "WARNING",
            "SECURE_SSL_REDIRECT": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if settings.REDIS_URL:
        env["CACHE_PREFIX"] = settings.CACHES["default"]["KEY_PREFIX"]
        env["CHANNELS_PREFIX"] = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    env.update(overrides)
    return env


@pytest.fixture(scope="session")
def _live_app_server(django_db_setup, django_db_blocker):
    from django.db import connection

    with django_db_blocker.unblock():
        db_settings = dict(connection.settings_dict)
    url, proc = start_daphne(live_app_env(db_settings))
    app = LiveApp(url)
    app.bot_token = BROWSER_TEST_BOT_TOKEN
    app.process = proc
    yield app
    stop_process(proc)


@pytest.fixture
def live_app(_live_app_server, transactional_db, settings):
    """Base URL of the app under test. Data the test creates is committed, so the server sees it."""
    settings.TELEGRAM_BOT_TOKEN = _live_app_server.bot_token
    yield _live_app_server
    # The pages are closed by now (new_phone_page depends on this fixture); let the server finish
    # what they left in flight before the database is flushed, or PostgreSQL's TRUNCATE can
    # deadlock with a last query (or an open transaction) of the server.
    time.sleep(0.5)
    _wait_for_server_queries()


def _wait_for_server_queries(timeout: float = 10.0) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    busy = (
        "FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND state <> 'idle'"
    )
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(f"SELECT count(*) {busy}")  # noqa: S608 - constant SQL
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.2)
        # Still busy: end those sessions so the flush can run (the server reconnects).
        cursor.execute(f"SELECT pg_terminate_backend(pid) {busy}")  # noqa: S608


@pytest.fixture(scope="session")
def _playwright():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(f"Chromium not found at {CHROMIUM} (make test installs Debian's chromium)")
    # Playwright's sync API keeps an event loop in this thread; Django's ORM in the same test
    # thread is still synchronous, so tell Django not to refuse it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


TELEGRAM_STUB = """
(() => {
  const initData = %(init_data)s;
  const params = new URLSearchParams(initData);
  const unsafe = {};
  for (const [k, v] of params) {
    if (k === "hash") continue;
    try { unsafe[k] = ["user", "receiver", "chat"].includes(k) ? JSON.parse(v) : v; }
    catch { unsafe[k] = v; }
  }
  if (%(start_param)s) unsafe.start_param = %(start_param)s;
  const handlers = {};
  function mainButton() {
    let el = document.getElementById("tg-main-button");
    if (!el) {
      el = document.createElement("button");
      el.id = "tg-main-button"; el.type = "button"; el.hidden = true;
      el.style.cssText = "position:fixed;left:0;right:0;bottom:0;z-index:9999;height:48px";
      document.body.appendChild(el);
      el.addEventListener("click", () => (handlers.mainButton || []).forEach((f) => f()));
    }
    return el;
  }
  window.__tgEvents = [];
  window.Telegram = { WebApp: {
    initData, initDataUnsafe: unsafe, version: "8.0", platform: initData ? "android" : "unknown",
    colorScheme: "light", themeParams: %(theme)s, isExpanded: true,
    viewportHeight: window.innerHeight, viewportStableHeight: window.innerHeight,
    ready() { window.__tgEvents.push("ready"); }, expand() {}, close() { window.__tgEvents.push("close"); },
    onEvent(name, fn) { (handlers[name] ||= []).push(fn); },
    offEvent(name, fn) { handlers[name] = (handlers[name] || []).filter((f) => f !== fn); },
    openLink(url) { window.__tgEvents.push("openLink:" + url); },
    openTelegramLink(url) { window.__tgEvents.push("openTelegramLink:" + url); },
    showAlert(msg, cb) { window.__tgEvents.push("alert:" + msg); cb && cb(); },
    showConfirm(msg, cb) { window.__tgEvents.push("confirm:" + msg); cb && cb(true); },
    HapticFeedback: {
      impactOccurred(s) { window.__tgEvents.push("haptic:" + s); },
      notificationOccurred(s) { window.__tgEvents.push("haptic:" + s); },
      selectionChanged() {},
    },
    BackButton: { show() {}, hide() {}, onClick() {}, offClick() {} },
    MainButton: {
      text: "", isVisible: false,
      setText(t) { this.text = t; mainButton().textContent = t; return this; },
      onClick(fn) { (handlers.mainButton ||= []).push(fn); return this; },
      offClick(fn) { handlers.mainButton = (handlers.mainButton || []).filter((f) => f !== fn); return this; },
      show() { this.isVisible = true; mainButton().hidden = false; return this; },
      hide() { this.isVisible = false; mainButton().hidden = true; return this; },
      enable() { return this; }, disable() { return this; },
      showProgress() { return this; }, hideProgress() { return this; },
    },
  } };
})();
"""

THEME = {
    "bg_color": "#ffffff",
    "text_color": "#000000",
    "hint_color": "#999999",
    "link_color": "#2481cc",
    "button_color": "#2481cc",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#efeff3",
}


@dataclass
class _Pages:
    browser: object
    contexts: list

    def __call__(self, telegram_init_data=None, start_param=None, locale="en-US"):
        context = self.browser.new_context(locale=locale, **PHONE)
        self.contexts.append(context)
        stub = TELEGRAM_STUB % {
            "init_data": json.dumps(telegram_init_data or ""),
            "start_param": json.dumps(start_param or ""),
            "theme": json.dumps(THEME if telegram_init_data else {}),
        }
        context.route(
            "https://telegram.org/**",
            lambda route: route.fulfill(
                status=200, content_type="application/javascript", body=stub
            ),
        )
        page = context.new_page()
        page.console_errors = []
        page.on(
            "console",
            lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None,
        )
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        return page


@pytest.fixture
def new_phone_page(browser, live_app):
    """Factory: `new_phone_page(telegram_init_data=None, start_param=None)` → a Playwright page.

    Depends on `live_app` so that its pages close before the server's database is flushed."""
    pages = _Pages(browser, [])
    yield pages
    for context in pages.contexts:
        context.close()


@pytest.fixture
def phone_page(new_phone_page):
    return new_phone_page()


def signed_init_data(bot_token: str, *, user: dict, start_param: str | None = None) -> str:
    """A correctly signed Mini App init data string for `user` (for browser and API tests)."""
    fields = {"auth_date": str(int(time.time())), "user": json.dumps(user), "query_id": "test"}
    if start_param:
        fields["start_param"] = start_param
    return sign_init_data(fields, bot_token)


def parse_init_data(init_data: str) -> dict:
    return dict(parse_qsl(init_data))


BROWSER_FIXTURES = {"browser", "new_phone_page", "phone_page", "_playwright"}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Browser tests run last, and every test using a browser fixture is marked `browser`.

    Playwright's sync API keeps an event loop running in the main thread once started; the async
    (consumer) tests must all have run before that happens.
    """
    browser_items, other_items = [], []
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
            browser_items.append(item)
        else:
            other_items.append(item)
    items[:] = other_items + browser_items
