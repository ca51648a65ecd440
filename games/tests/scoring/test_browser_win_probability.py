"""The match start screen shows the chance to win for two registered players (issue 6) and hides
it for a guest opponent."""

import pytest

from accounts.tests.factories import UserFactory
from stats import selectors
from stats.models import Rating
from stats.ratings import display_rating
from stats.serializers import win_chances_data
from testing.browser import signed_init_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANN_TG = 6101
ANN = {"id": ANN_TG, "first_name": "Ann", "last_name": "Smirnova", "language_code": "en"}


def rate(user, family, mu, sigma):
    Rating.objects.create(
        player=user, family=family, mu=mu, sigma=sigma, display=display_rating(mu, sigma)
    )


def start_screen(new_phone_page, live_app):
    page = new_phone_page(telegram_init_data=signed_init_data(live_app.bot_token, user=ANN))
    page.goto(f"{live_app}/play")
    page.wait_for_selector("#app[data-ready='1']")
    page.wait_for_selector("#play-discipline")
    return page


def pct(x: float) -> int:
    # JavaScript's Math.round (half up) for the values used here.
    return int(x * 100 + 0.5)


def test_the_start_screen_shows_the_chance_to_win_against_a_registered_player(
    live_app, new_phone_page
):
    ann = UserFactory(username="ann-wp", first_name="Ann", last_name="Smirnova", telegram_id=ANN_TG)
    ivan = UserFactory(username="ivan-wp", first_name="Ivan", last_name="Petrov")
    rate(ann, "pool", 30.0, 3.0)
    rate(ivan, "pool", 25.0, 3.0)
    page = start_screen(new_phone_page, live_app)

    page.select_option("#play-discipline", "pool_9")
    page.fill("#play-format", "5")
    page.fill("#play-opponent", "Petrov")
    page.click("#play-root .play-results button[data-player]")

    expected = win_chances_data(
        selectors.win_chances(family="pool", side_a=[ann.pk], side_b=[ivan.pk], race_to=5)
    )
    me = pct(expected["match"])
    line = page.locator("#play-chance", has_text=f"you {me} %")
    line.wait_for()
    text = line.inner_text()
    assert text.startswith("Chance to win:")
    assert f"{ivan.display_name} {100 - me} %" in text
    assert f"(frame {pct(expected['frame'])} %)" in text
    assert me > 50  # Ann is the stronger player

    # Straight pool has no race: only the frame chance (with no ratings there: even).
    page.select_option("#play-discipline", "straight_pool")
    page.locator("#play-chance", has_text="Chance to win a frame: you 50 %").wait_for()

    # A guest opponent: no chance line.
    page.fill("#play-guest", "Uncle Vasya")
    page.locator("#play-chance").wait_for(state="hidden")
    assert page.console_errors == []
