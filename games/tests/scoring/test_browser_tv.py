"""The club's TV page (/tv/<club id>/) in Chromium: live matches and the floor change on screen as
they happen — a score, a check-in, a match started after the page was opened — with no reload."""

import uuid

import httpx
import pytest
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from games.selectors import checkin_code
from games.tests.factories import TableFactory, club_open_round_the_clock
from games.tests.scoring.factories import make_match

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def club(live_app):
    """A club open round the clock (the live server runs on the real clock) with one pool table."""
    return club_open_round_the_clock(table_kinds=("pool",))


def api_post(live_app, user, path: str, body: dict) -> httpx.Response:
    return httpx.post(
        f"{live_app}{path}",
        json=body,
        headers={"Authorization": f"Bearer {AccessToken.for_user(user)}"},
        timeout=30,
    )


def board(page, match_id: int, version: int) -> str:
    return f"#tv-matches [data-match='{match_id}'] .board[data-version='{version}']"


def test_a_score_shows_on_the_tv_as_it_happens(live_app, new_phone_page, club):
    ann = UserFactory(username="ann-tv", first_name="Ann")
    match = make_match([ann], "Guest", club=club)
    tv = new_phone_page()
    tv.goto(f"{live_app}/tv/{club.pk}/")
    tv.wait_for_selector(board(tv, match.pk, 0))

    response = api_post(
        live_app,
        ann,
        f"/api/matches/{match.pk}/events/",
        {"type": "rack", "side": 0, "expected_version": 0, "client_event_id": str(uuid.uuid4())},
    )

    assert response.status_code == 201
    tv.wait_for_selector(board(tv, match.pk, 1))
    root = f"#tv-matches [data-match='{match.pk}']"
    assert [tv.inner_text(f"{root} [data-role='big-{i}']") for i in (0, 1)] == ["1", "0"]
    assert tv.console_errors == []


def test_a_check_in_turns_the_table_busy_on_the_tv(live_app, new_phone_page, club):
    table = TableFactory(club=club, number=7, kind="pool")
    ann = UserFactory(username="ann-tv", first_name="Ann")
    tv = new_phone_page()
    tv.goto(f"{live_app}/tv/{club.pk}/")
    tv.wait_for_selector(".tv-table[data-status='free']")

    response = api_post(
        live_app, ann, f"/api/tables/{table.pk}/check-in/", {"code": checkin_code(table)}
    )

    assert response.status_code == 201, response.text
    tv.wait_for_selector(".tv-table[data-status='busy']")
    assert "Ann" in tv.inner_text(".tv-table[data-status='busy']")


def test_a_match_started_after_the_page_opened_appears_on_the_tv(live_app, new_phone_page, club):
    ann = UserFactory(username="ann-tv", first_name="Ann")
    tv = new_phone_page()
    tv.goto(f"{live_app}/tv/{club.pk}/")
    tv.wait_for_selector("#tv-matches .tv-empty")

    match = make_match([ann], "Guest", club=club)

    tv.wait_for_selector(board(tv, match.pk, 0), timeout=15000)  # the list is re-read every 5 s
    assert tv.locator("#tv-matches .tv-empty").count() == 0
