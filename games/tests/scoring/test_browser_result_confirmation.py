"""Result confirmation in headless Chromium, two phones: Ann wins and enters the score; Ivan's
phone gets the request to confirm live in his Inbox and confirms; Ann's Me screen shows the result
moving from "awaiting confirmation" to counted."""

import uuid

import httpx
import pytest
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from games.models import Match
from notifications.models import NotificationPreference
from testing.browser import signed_init_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANN_TG, IVAN_TG = 555_016_001, 555_016_002


@pytest.fixture(autouse=True)
def bot_settings():
    """The live server has its own settings; keep the suite's fake-bot settings out of it."""


def phone(live_app, new_phone_page, tg_id, name, start_param):
    init_data = signed_init_data(
        live_app.bot_token,
        user={"id": tg_id, "first_name": name, "language_code": "en"},
        start_param=start_param,
    )
    page = new_phone_page(telegram_init_data=init_data, start_param=start_param)
    page.goto(f"{live_app}/")
    page.wait_for_selector("#app[data-ready='1']")
    return page


def api_post(live_app, user, path, body):
    response = httpx.post(
        f"{live_app}{path}",
        json=body,
        headers={"Authorization": f"Bearer {AccessToken.for_user(user)}"},
        timeout=30,
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_the_opponent_confirms_live_and_the_winners_me_screen_counts_it(live_app, new_phone_page):
    ann = UserFactory(from_telegram=True, username="ann-r", first_name="Ann", telegram_id=ANN_TG)
    ivan = UserFactory(
        from_telegram=True, username="ivan-r", first_name="Ivan", telegram_id=IVAN_TG
    )
    # In the app only: the live server's bot calls go nowhere.
    NotificationPreference.objects.create(user=ivan, kind="result_confirm", channel="in_app")
    NotificationPreference.objects.create(user=ann, kind="result_update", channel="in_app")

    ivan_page = phone(live_app, new_phone_page, IVAN_TG, "Ivan", "inbox")
    ann_page = phone(live_app, new_phone_page, ANN_TG, "Ann", "me")
    ann_page.locator("#stats-view").wait_for()

    match = api_post(
        live_app,
        ann,
        "/api/matches/",
        {
            "discipline": "pool_9",
            "format": {"race_to": 2},
            "sides": [{"players": [ann.pk]}, {"players": [ivan.pk]}],
        },
    )
    for version in (0, 1):
        api_post(
            live_app,
            ann,
            f"/api/matches/{match['id']}/events/",
            {
                "type": "rack",
                "side": 0,
                "expected_version": version,
                "client_event_id": str(uuid.uuid4()),
            },
        )

    # Ann's Me screen: the win is listed as not counted yet, her statistics are still empty.
    pending = ann_page.locator(f"#me-pending-results [data-match='{match['id']}']")
    pending.wait_for()
    assert pending.get_attribute("data-result-status") == "pending"
    matches_cell = ann_page.locator("#stats-view > .stats-grid .stats-cell b").first
    assert matches_cell.inner_text() == "0"

    # Ivan's phone gets the request live and confirms it from the Inbox.
    ivan_page.locator(f"[data-result-match='{match['id']}'] [data-result='confirm']").click()
    ivan_page.locator("[data-result-answered='confirmed']").wait_for()

    # Ann's Me screen follows: the result leaves the pending list and counts.
    pending.wait_for(state="detached")
    ann_page.locator("#stats-view > .stats-grid .stats-cell b").first.filter(
        has_text="1"
    ).wait_for()
    assert Match.objects.get(pk=match["id"]).result_status == Match.ResultStatus.CONFIRMED
    assert ivan_page.console_errors == []
    assert ann_page.console_errors == []


def test_the_match_screen_lets_the_other_side_dispute(live_app, new_phone_page):
    from games.tests.scoring.factories import add_event, make_match

    ann = UserFactory(from_telegram=True, username="ann-w", first_name="Ann", telegram_id=ANN_TG)
    ivan = UserFactory(
        from_telegram=True, username="ivan-w", first_name="Ivan", telegram_id=IVAN_TG
    )
    match = make_match([ann], [ivan])
    add_event(match, {"type": "rack", "side": 0}, actor=ann)
    add_event(match, {"type": "rack", "side": 0}, actor=ann)

    page = phone(live_app, new_phone_page, IVAN_TG, "Ivan", f"match-{match.pk}")
    panel = page.locator("#watch-result[data-result-status='pending']")
    panel.wait_for()
    assert "Awaiting confirmation by Ivan" in panel.inner_text()
    page.on("dialog", lambda dialog: dialog.accept("It was 1:2"))
    page.click("#watch-result [data-result='dispute']")
    page.locator("#watch-result[data-result-status='disputed']").wait_for()

    match.refresh_from_db()
    assert (match.result_status, match.dispute_reason) == ("disputed", "It was 1:2")
    assert page.console_errors == []
