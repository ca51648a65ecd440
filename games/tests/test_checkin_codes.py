"""Check-in codes that cannot be replayed from home (issue 15): a table's code changes every
minute and is shown on the club's check-in screen; an old code (a photo taken yesterday, or a
minute ago and carried home) checks nobody in, and every scan is logged for the staff."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from games import selectors, services
from games.models import CheckInAttempt, TableSession
from games.tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("frozen")


def check_in(client, table, code):
    return client.post(f"/api/tables/{table.id}/check-in/", {"code": code}, format="json")


def code_at(table, moment):
    return selectors.checkin_code(table, step=selectors.checkin_step(moment))


def test_the_code_on_the_screen_now_checks_in(ann_api, ann, table):
    response = check_in(ann_api, table, code_at(table, NOW))

    assert response.status_code == 201
    attempt = CheckInAttempt.objects.get()
    assert (attempt.user, attempt.table, attempt.outcome) == (ann, table, "checked_in")


def test_the_previous_minutes_code_still_works_for_a_slow_scan(ann_api, table, settings):
    response = check_in(
        ann_api, table, code_at(table, NOW - timedelta(seconds=settings.CHECKIN_CODE_SECONDS))
    )

    assert response.status_code == 201


def test_a_code_from_a_few_minutes_ago_has_expired(ann_api, table):
    response = check_in(ann_api, table, code_at(table, NOW - timedelta(minutes=3)))

    assert response.status_code == 400
    assert response.json()["code"] == "code_expired"
    assert not TableSession.objects.exists()
    assert CheckInAttempt.objects.get().outcome == "expired"


def test_a_photo_of_yesterdays_code_does_not_work_today(ann_api, table):
    response = check_in(ann_api, table, code_at(table, NOW - timedelta(days=1)))

    assert response.status_code == 400
    assert response.json()["code"] == "bad_code"
    assert not TableSession.objects.exists()
    assert CheckInAttempt.objects.get().outcome == "bad_code"


def test_a_refused_scan_at_a_busy_table_is_logged(ann_api, ivan, table):
    services.session_open(table_id=table.id, opened_by=ivan)

    response = check_in(ann_api, table, code_at(table, NOW))

    assert response.status_code == 409
    attempt = CheckInAttempt.objects.get()
    assert (attempt.outcome, attempt.detail) == ("refused", "table_busy")


def screen_path(club, table=None) -> str:
    return "/tv/" + selectors.checkin_screen_url(club, table=table).split("/tv/", 1)[1]


def test_the_check_in_screen_shows_every_tables_live_code(club, table, other_table):
    page = Client().get(screen_path(club))

    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<svg") == 2
    assert f'data-table="{table.number}"' in html
    assert 'http-equiv="refresh"' in html
    assert page["Cache-Control"].startswith("max-age=0")


def test_a_screen_at_one_table_shows_only_its_code(club, table, other_table):
    html = Client().get(screen_path(club, other_table)).content.decode()

    assert html.count("<svg") == 1
    assert f'data-table="{other_table.number}"' in html


def test_without_the_screen_key_there_is_no_check_in_screen(club, table):
    assert Client().get(f"/tv/{club.pk}/check-in/").status_code == 404
    assert Client().get(f"/tv/{club.pk}/check-in/?key=guess").status_code == 404


def test_rotating_the_screen_key_retires_the_old_link(club, table):
    old = screen_path(club)

    services.club_rotate_screen_key(club_id=club.pk)

    assert Client().get(old).status_code == 404
    club.refresh_from_db()
    assert (
        Client().get("/tv/" + selectors.checkin_screen_url(club).split("/tv/")[1]).status_code
        == 200
    )


def test_each_club_gets_its_own_screen_key(club):
    from games.tests.factories import ClubFactory

    other = ClubFactory(name="Other")

    assert selectors.checkin_screen_key(club) != selectors.checkin_screen_key(other)


def test_codes_change_every_period_and_differ_between_tables(table, other_table):
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        later = selectors.checkin_code(table)

    assert later != code_at(table, NOW)
    assert code_at(table, NOW) != code_at(other_table, NOW)


def test_a_manager_finds_the_screen_link_and_rotates_it_in_the_admin(club, manager, settings):
    settings.ADMIN_REQUIRE_2FA = False
    client = Client()
    client.force_login(manager)
    old = screen_path(club)

    page = client.get(f"/{settings.ADMIN_PATH}games/club/{club.pk}/change/")
    rotated = client.post(
        f"/{settings.ADMIN_PATH}games/club/",
        {"action": "rotate_checkin_screen_link", "_selected_action": [club.pk]},
    )

    assert old.split("?")[1] in page.content.decode()
    assert rotated.status_code == 302
    assert Client().get(old).status_code == 404
