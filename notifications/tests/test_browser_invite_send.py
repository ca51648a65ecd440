"""Sending a match invite from a player's page in the Mini App (issue 7)."""

import pytest

from accounts.tests.factories import UserFactory
from notifications.models import MatchInvite
from testing.browser import signed_init_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TG_ID = 555_000_222


@pytest.fixture(autouse=True)
def bot_settings():
    """The live server has its own settings; keep the suite's fake-bot settings out of it."""


@pytest.fixture
def anna(db):
    return UserFactory(
        from_telegram=True, username="anna-invite", first_name="Anna", telegram_id=TG_ID
    )


@pytest.fixture
def ivan(db):
    return UserFactory(username="ivan-invite", first_name="Ivan", last_name="Petrov")


def open_player(live_app, new_phone_page, player_id):
    init_data = signed_init_data(
        live_app.bot_token, user={"id": TG_ID, "first_name": "Anna", "language_code": "en"}
    )
    page = new_phone_page(telegram_init_data=init_data)
    page.goto(f"{live_app}/players/{player_id}")
    page.wait_for_selector("#app[data-ready='1']")
    return page


def test_an_invite_is_sent_from_a_players_page(live_app, new_phone_page, anna, ivan):
    page = open_player(live_app, new_phone_page, ivan.pk)

    page.select_option("#invite-discipline", "pool_8")
    page.click("#invite-send")

    page.wait_for_selector("#invite-result[data-status='pending']")
    assert "Ivan" in page.inner_text("#invite-result")
    invite = MatchInvite.objects.get()
    assert (invite.from_user, invite.to_user) == (anna, ivan)
    assert (invite.discipline, invite.status) == ("pool_8", MatchInvite.Status.PENDING)
    assert page.console_errors == []


def test_a_second_invite_shows_the_servers_reason(live_app, new_phone_page, anna, ivan):
    MatchInvite.objects.create(from_user=anna, to_user=ivan, discipline="pool_9")
    page = open_player(live_app, new_phone_page, ivan.pk)

    page.select_option("#invite-discipline", "pool_9")
    page.click("#invite-send")

    page.wait_for_selector("#invite-result[data-status='error']")
    assert "already invited" in page.inner_text("#invite-result")
    assert MatchInvite.objects.count() == 1


def test_my_own_page_has_no_invite_button(live_app, new_phone_page, anna):
    page = open_player(live_app, new_phone_page, anna.pk)

    page.wait_for_selector("#players-root h2, #players-root h3")
    assert page.locator("#invite-form").count() == 0
