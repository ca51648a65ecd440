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


# --- the staff queue of disputed results -------------------------------------------------------


@pytest.fixture
def disputed(ann, ivan, nine_ball):
    """Ann entered a 2:0 win; Ivan disputes it."""
    from games.scoring import results

    add_event(nine_ball, {"type": "rack", "side": 0}, actor=ann)
    add_event(nine_ball, {"type": "rack", "side": 0}, actor=ann)
    results.match_result_dispute(match_id=nine_ball.pk, actor=ivan, reason="It was 1:2")
    nine_ball.refresh_from_db()
    return nine_ball


def test_the_queue_lists_disputed_results_only(admin_client_desk, disputed, ann, ivan):
    from games.tests.scoring.factories import make_match

    other = make_match([ann], [ivan])

    response = admin_client_desk.get("/admin/games/disputedresult/")

    assert response.status_code == 200
    assert f"/admin/games/disputedresult/{disputed.pk}/change/".encode() in response.content
    assert f"/admin/games/disputedresult/{other.pk}/change/".encode() not in response.content
    assert b"It was 1:2" in response.content


def test_a_queued_result_shows_its_event_log_and_trail(admin_client_desk, disputed):
    response = admin_client_desk.get(f"/admin/games/disputedresult/{disputed.pk}/change/")

    assert response.status_code == 200
    assert b"rack" in response.content
    assert b"result-confirm" in response.content and b"result-void" in response.content
    assert b"It was 1:2" in response.content


def test_staff_confirm_from_the_queue_and_both_sides_are_told(
    admin_client_desk, disputed, ann, ivan
):
    from notifications.models import Notification

    response = admin_client_desk.post(f"/admin/games/disputedresult/{disputed.pk}/settle/confirm/")

    assert response.status_code == 302
    disputed.refresh_from_db()
    assert disputed.result_status == Match.ResultStatus.CONFIRMED
    for user in (ann, ivan):
        assert Notification.objects.filter(
            user=user, kind="result_update", payload__action="staff_confirm"
        ).exists()


def test_staff_void_from_the_queue_with_the_bulk_action(admin_client_desk, disputed):
    response = admin_client_desk.post(
        "/admin/games/disputedresult/",
        {"action": "void_results", "_selected_action": [disputed.pk]},
    )

    assert response.status_code == 302
    disputed.refresh_from_db()
    assert disputed.result_status == Match.ResultStatus.VOID


def test_a_correction_from_the_queue_settles_the_result(admin_client_desk, disputed):
    response = admin_client_desk.post(
        f"/admin/games/disputedresult/{disputed.pk}/correct/", {"frames_0": 2, "frames_1": 1}
    )

    assert response.status_code == 302
    disputed.refresh_from_db()
    assert disputed.result_status == Match.ResultStatus.CONFIRMED
    assert disputed.state["frames"] == [2, 1]


def test_a_get_of_the_settle_url_changes_nothing(admin_client_desk, disputed):
    admin_client_desk.get(f"/admin/games/disputedresult/{disputed.pk}/settle/void/")

    disputed.refresh_from_db()
    assert disputed.result_status == Match.ResultStatus.DISPUTED
