"""The Mini App's stats screens in headless Chromium: my stats in the Me screen, the
leaderboard with its filters, and a player's page with our head-to-head."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from stats.models import Rating
from stats.tests.factories import finished_match
from testing.browser import signed_init_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TG_ID = 555_000_606
NOW = timezone.now()


@pytest.fixture
def club_history():
    """Me (Anna) beat Boris twice at 9-ball; Vera has not played."""
    anna = UserFactory(username="anna-stats", first_name="Anna", telegram_id=TG_ID)
    boris = UserFactory(username="boris-stats", first_name="Boris")
    vera = UserFactory(username="vera-stats", first_name="Vera")
    finished_match([anna], [boris], "00", at=NOW - timedelta(days=2))
    finished_match([anna], [boris], "010", at=NOW - timedelta(days=1))
    return anna, boris, vera


def open_app(live_app, new_phone_page, path="/"):
    init_data = signed_init_data(
        live_app.bot_token, user={"id": TG_ID, "first_name": "Anna", "language_code": "en"}
    )
    page = new_phone_page(telegram_init_data=init_data)
    page.goto(f"{live_app}{path}")
    page.wait_for_selector("#app[data-ready='1']")
    return page


def test_the_me_screen_shows_my_stats_rating_and_achievements(
    live_app, new_phone_page, club_history
):
    anna, _boris, _vera = club_history
    page = open_app(live_app, new_phone_page, "/me")
    page.wait_for_selector("#stats-view")
    rating = Rating.objects.get(player=anna, family="pool").display
    assert page.inner_text("#stats-family-panel .stats-rating-value") == str(rating)
    assert page.locator("#stats-family-panel svg.stats-spark polyline").count() == 1
    assert "2/2" in page.inner_text("#stats-family-panel")
    assert page.locator("#stats-achievements li[data-code='first_win']").count() == 1
    assert page.console_errors == []


def test_the_leaderboard_filters_by_discipline_and_opens_a_player(
    live_app, new_phone_page, club_history
):
    anna, boris, _vera = club_history
    page = open_app(live_app, new_phone_page, "/leaderboard")
    page.select_option("#lb-discipline", "pool")
    page.wait_for_selector("#lb-table")
    rows = page.locator("#lb-table tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).get_attribute("data-player") == str(anna.pk)
    assert "me" in (rows.nth(0).get_attribute("class") or "")
    page.select_option("#lb-discipline", "snooker")
    page.wait_for_selector("#lb-empty")

    page.select_option("#lb-discipline", "pool")
    page.wait_for_selector("#lb-table")
    page.click(f"#lb-table tr[data-player='{boris.pk}'] a")
    page.wait_for_selector("#h2h-record")
    assert page.inner_text("#h2h-record").startswith("Me 2 – 0 Boris")
    assert page.console_errors == []
