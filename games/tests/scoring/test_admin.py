"""Admin: the match page with its read-only log, the correction form and abandon."""

import pytest

from games.models import Match, MatchEvent
from games.tests.scoring.factories import add_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_desk(client, desk):
    desk.is_superuser = True
    desk.save()
    client.force_login(desk)
    return client


def test_the_match_page_shows_the_log(admin_client_desk, nine_ball):
    add_event(nine_ball, {"type": "foul", "side": 0})

    response = admin_client_desk.get(f"/admin/games/match/{nine_ball.pk}/change/")

    assert response.status_code == 200
    assert b"foul" in response.content
    assert b"Correct the result" in response.content or "Исправить".encode() in response.content


def test_a_correction_appends_an_event(admin_client_desk, nine_ball, desk):
    add_event(nine_ball, {"type": "rack", "side": 1})

    response = admin_client_desk.post(
        f"/admin/games/match/{nine_ball.pk}/correct/", {"frames_0": 2, "frames_1": 1}
    )

    assert response.status_code == 302
    nine_ball.refresh_from_db()
    assert nine_ball.status == Match.Status.FINISHED
    assert nine_ball.winner_side == 0
    last = MatchEvent.objects.filter(match=nine_ball).order_by("-seq").first()
    assert (last.type, last.actor, last.payload["frames"]) == ("correction", desk, [2, 1])
    assert MatchEvent.objects.filter(match=nine_ball).count() == 2


def test_an_impossible_correction_shows_the_error(admin_client_desk, nine_ball):
    response = admin_client_desk.post(
        f"/admin/games/match/{nine_ball.pk}/correct/", {"frames_0": 2, "frames_1": 2}
    )

    assert response.status_code == 200
    assert MatchEvent.objects.filter(match=nine_ball).count() == 0


def test_abandon_from_the_admin(admin_client_desk, nine_ball):
    response = admin_client_desk.post(f"/admin/games/match/{nine_ball.pk}/abandon/")

    assert response.status_code == 302
    nine_ball.refresh_from_db()
    assert nine_ball.status == Match.Status.ABANDONED
