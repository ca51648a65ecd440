"""The Inbox screen in headless Chromium: a bot deep link opens it, messages show, invites are
answered and settings saved."""

import pytest

from accounts.tests.factories import UserFactory
from notifications.models import MatchInvite, NotificationPreference
from notifications.tests.factories import NotificationFactory
from testing.browser import signed_init_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TG_ID = 555_000_111


@pytest.fixture(autouse=True)
def bot_settings():
    """The live server has its own settings; keep the suite's fake-bot settings out of it."""


@pytest.fixture
def anna(db):
    return UserFactory(
        from_telegram=True, username="anna-browser", first_name="Anna", telegram_id=TG_ID
    )


def open_inbox(live_app, new_phone_page, start_param="inbox"):
    init_data = signed_init_data(
        live_app.bot_token,
        user={"id": TG_ID, "first_name": "Anna", "language_code": "en"},
        start_param=start_param,
    )
    page = new_phone_page(telegram_init_data=init_data, start_param=start_param)
    page.goto(f"{live_app}/")
    page.wait_for_selector("#app[data-ready='1']")
    return page


def test_a_deep_link_opens_the_inbox_with_my_messages(live_app, new_phone_page, anna):
    NotificationFactory(user=anna, via="in_app", status="sent", payload={"text": "Party on Friday"})

    page = open_inbox(live_app, new_phone_page)

    page.locator("#inbox-list li", has_text="Party on Friday").wait_for()
    assert page.url.endswith("/inbox")
    page.click("#inbox-mark-all")
    page.locator("#inbox-list li.unread").first.wait_for(state="detached")
    assert anna.notifications.filter(read_at__isnull=True).count() == 0
    assert page.console_errors == []


def test_an_untrusted_start_parameter_is_ignored(live_app, new_phone_page, anna):
    page = open_inbox(live_app, new_phone_page, start_param="javascript-alert")

    assert not page.url.endswith("/inbox")
    assert page.is_visible("#screen-floor")


def test_an_invite_is_accepted_from_the_inbox(live_app, new_phone_page, anna):
    ivan = UserFactory(from_telegram=True, username="ivan-browser", first_name="Ivan")
    invite = MatchInvite.objects.create(from_user=ivan, to_user=anna, discipline="pool_8")

    page = open_inbox(live_app, new_phone_page, start_param=f"invite-{invite.pk}")
    page.click(f"[data-invite='{invite.pk}'] [data-action='accept']")
    page.locator(f"[data-invite='{invite.pk}']").wait_for(state="detached")

    invite.refresh_from_db()
    assert invite.status == "accepted"


def test_settings_are_saved_from_the_inbox(live_app, new_phone_page, anna):
    page = open_inbox(live_app, new_phone_page)
    page.click("#inbox-settings summary")
    page.select_option("#pref-announcement", "off")
    page.check("#quiet-on")
    page.fill("#quiet-start", "22:30")
    page.click("#inbox-settings-save")
    page.locator("#inbox-settings-saved", has_text="Saved").wait_for()

    assert NotificationPreference.objects.get(user=anna, kind="announcement").channel == "off"
    assert anna.notification_profile.quiet_start.strftime("%H:%M") == "22:30"


def test_a_table_watch_is_set_from_the_inbox(live_app, new_phone_page, anna):
    from games.tests.factories import ClubFactory

    ClubFactory(name="Artel")
    page = open_inbox(live_app, new_phone_page)

    page.click("[data-watch='pool']")
    page.locator("[data-watch='pool'][aria-pressed='true']").wait_for()

    assert anna.table_watches.filter(table_kind="pool", notified_at__isnull=True).exists()


def test_the_inbox_tab_counts_unread_messages_live(live_app, new_phone_page, anna):
    import httpx
    from rest_framework_simplejwt.tokens import AccessToken

    NotificationFactory(user=anna, via="in_app", status="sent", payload={"text": "One"})
    NotificationFactory(user=anna, via="in_app", status="sent", payload={"text": "Two"})
    NotificationPreference.objects.create(user=anna, kind="match_invite", channel="in_app")
    ivan = UserFactory(from_telegram=True, username="ivan-badge", first_name="Ivan")

    page = open_inbox(live_app, new_phone_page, start_param="floor")
    badge = page.locator(".tabbar [data-nav='inbox'] #inbox-badge")
    badge.filter(has_text="2").wait_for()
    # Ivan invites Anna from his phone: her tab counts it without a reload.
    response = httpx.post(
        f"{live_app}/api/invites/",
        json={"to_user": anna.pk, "discipline": "pool_8", "message": "Tonight?"},
        headers={"Authorization": f"Bearer {AccessToken.for_user(ivan)}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    badge.filter(has_text="3").wait_for()
    # Reading everything in the Inbox clears the count.
    page.click(".tabbar [data-nav='inbox']")
    page.click("#inbox-mark-all")
    badge.wait_for(state="hidden")
    assert page.console_errors == []
