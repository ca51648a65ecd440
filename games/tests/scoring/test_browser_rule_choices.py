"""The scorer's pads offer exactly the legal actions: a snooker foul, then the incoming player's
choice (WPBSA Section 3 Rules 10 and 14) in Chromium."""

import pytest

from games.models import Match
from games.tests.scoring.test_browser_scoring import scorer_page, wait_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pad(side):
    return f"#play-pads .pad[data-side='{side}']"


def test_a_snooker_foul_offers_the_choices_and_a_miss_offers_the_replace(live_app, new_phone_page):
    ann = scorer_page(new_phone_page, live_app)
    ann.select_option("#play-discipline", "snooker")
    ann.fill("#play-format", "3")
    ann.fill("#play-guest", "Guest")
    ann.click("#play-start")
    ann.wait_for_selector(f"{pad(0)} .tap[data-action='pot'][data-ball='red']")
    wait_version(ann, "#play-board", 0)
    # Only the side at the table has pot / foul buttons; nobody has a choice yet.
    assert ann.query_selector(f"{pad(1)} .tap[data-action='pot']") is None
    assert ann.query_selector(".tap[data-action='foul_choice']") is None

    ann.click(f"{pad(0)} .tap[data-action='foul'][data-value='4']")
    wait_version(ann, "#play-board", 1)
    choices = ann.eval_on_selector_all(
        f"{pad(1)} .tap[data-action='foul_choice']", "els => els.map(e => e.dataset.choice)"
    )
    assert choices == ["play", "put_back"]
    assert ann.query_selector("#play-rule-notices [data-notice='foul_choice']") is not None

    ann.click(f"{pad(1)} .tap[data-action='foul_choice'][data-choice='put_back']")
    wait_version(ann, "#play-board", 2)
    assert ann.query_selector(".tap[data-action='foul_choice']") is None
    # The offender plays again: side 0 has the pads, with the miss toggle.
    ann.click(f"{pad(0)} .tap[data-action='miss-toggle']")
    ann.click(f"{pad(0)} .tap[data-action='foul'][data-value='5']")
    wait_version(ann, "#play-board", 3)
    choices = ann.eval_on_selector_all(
        f"{pad(1)} .tap[data-action='foul_choice']", "els => els.map(e => e.dataset.choice)"
    )
    assert choices == ["play", "put_back", "replace"]
    ann.click(f"{pad(1)} .tap[data-action='foul_choice'][data-choice='replace']")
    wait_version(ann, "#play-board", 4)

    match = Match.objects.get()
    assert match.state["score"] == [0, 9]
    assert match.state["at_table"] == 0
    assert [e.payload.get("choice") for e in match.events.order_by("seq")] == [
        None,
        "put_back",
        None,
        "replace",
    ]
    assert ann.console_errors == []


def test_a_match_with_rule_settings_shows_the_shot_clock_and_books_a_time_foul(
    live_app, new_phone_page
):
    ann = scorer_page(new_phone_page, live_app)
    ann.select_option("#play-discipline", "pool_9")
    ann.fill("#play-format", "2")
    ann.click("#play-rules summary")
    ann.select_option("#play-break-order", "winner")
    ann.fill("#play-shot-clock", "30")
    ann.fill("#play-guest", "Guest")
    ann.click("#play-start")
    ann.wait_for_selector("#play-clock:not([hidden])")
    wait_version(ann, "#play-board", 0)
    match = Match.objects.get()
    assert match.format == {
        "race_to": 2,
        "best_of": 3,
        "break_order": "winner",
        "golden_break": True,
        "shot_clock": {"seconds": 30, "extensions": 1},
    }
    assert 0 < int(ann.inner_text("#play-clock")) <= 30
    assert ann.query_selector("#play-rule-notices [data-notice='break']") is not None

    ann.click(f"{pad(0)} .tap[data-action='time_foul']")
    wait_version(ann, "#play-board", 1)
    match.refresh_from_db()
    assert match.state["fouls"] == [1, 0] and match.state["ball_in_hand"] == 1
    ann.wait_for_selector("#play-rule-notices [data-notice='ball_in_hand']")
    assert ann.console_errors == []
