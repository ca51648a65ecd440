"""Result confirmation: POST /api/matches/<id>/confirm/ and /dispute/, what GET shows, who may
act, when a result confirms itself, and the undo of a finished match."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from games.models import Match, ResultReview
from games.scoring import results, selectors
from games.tests.factories import TableFactory, TableSessionFactory
from games.tests.scoring.conftest import client_for
from games.tests.scoring.factories import add_event, make_match

pytestmark = pytest.mark.django_db
R = Match.ResultStatus


def win(match, actor, side=0):
    """Side `side` wins the race to 2, every rack entered by `actor`."""
    add_event(match, {"type": "rack", "side": side}, actor=actor)
    add_event(match, {"type": "rack", "side": side}, actor=actor)
    match.refresh_from_db()
    return match


def post(client, match, action, body=None):
    return client.post(f"/api/matches/{match.pk}/{action}/", body or {}, format="json")


def undo(client, match):
    match.refresh_from_db()
    return client.post(
        f"/api/matches/{match.pk}/undo/",
        {"expected_version": match.version, "client_event_id": str(uuid.uuid4())},
        format="json",
    )


@pytest.fixture
def finished(ann, nine_ball):
    """Ann beat Ivan 2:0 and entered the score herself: the result awaits Ivan."""
    return win(nine_ball, ann)


# --- what a finish decides -------------------------------------------------------------------


def test_a_result_between_registered_players_is_pending_for_the_other_side(finished):
    assert finished.result_status == R.PENDING
    assert finished.result_side == 0
    assert results.awaiting_side(finished) == 1


def test_a_result_scored_by_staff_who_do_not_play_is_confirmed(desk, nine_ball):
    match = win(nine_ball, desk)

    assert (match.result_status, match.result_via) == (R.CONFIRMED, Match.ResultVia.STAFF)


def test_a_result_against_a_guest_is_confirmed_at_once(ann):
    match = win(make_match([ann], "Guest Bob"), ann)

    assert (match.result_status, match.result_via) == (R.CONFIRMED, Match.ResultVia.GUEST)


def test_a_shared_table_session_covering_the_match_confirms_it(ann, ivan):
    table = TableFactory(number=7, kind="pool")
    TableSessionFactory(
        table=table, started_at=timezone.now() - timedelta(hours=1), players=[ann, ivan]
    )
    match = win(make_match([ann], [ivan], table=table, club=table.club), ann)

    assert (match.result_status, match.result_via) == (R.CONFIRMED, Match.ResultVia.SESSION)
    assert ResultReview.objects.filter(match=match, action="auto").exists()


def test_a_session_the_opponent_was_not_checked_into_does_not_confirm(ann, ivan):
    table = TableFactory(number=7, kind="pool")
    TableSessionFactory(table=table, started_at=timezone.now() - timedelta(hours=1), players=[ann])
    match = win(make_match([ann], [ivan], table=table, club=table.club), ann)

    assert match.result_status == R.PENDING


def test_a_session_that_started_after_the_match_does_not_confirm(ann, ivan):
    table = TableFactory(number=7, kind="pool")
    match = make_match([ann], [ivan], table=table, club=table.club)
    TableSessionFactory(
        table=table, started_at=timezone.now() + timedelta(minutes=1), players=[ann, ivan]
    )
    match = win(match, ann)

    assert match.result_status == R.PENDING


# --- GET -------------------------------------------------------------------------------------


def test_get_shows_the_result_status_and_who_may_act(ann_api, ivan_api, finished):
    mine = ann_api.get(f"/api/matches/{finished.pk}/").json()
    theirs = ivan_api.get(f"/api/matches/{finished.pk}/").json()

    assert mine["result_status"] == "pending"
    assert mine["result"]["awaiting_side"] == 1
    assert (mine["result"]["can_confirm"], mine["result"]["can_dispute"]) == (False, False)
    assert (theirs["result"]["can_confirm"], theirs["result"]["can_dispute"]) == (True, True)


def test_a_live_match_has_no_result_status(ann_api, nine_ball):
    data = ann_api.get(f"/api/matches/{nine_ball.pk}/").json()

    assert (data["result_status"], data["result"]) == (None, None)


def test_the_list_filters_my_pending_results(ann_api, finished, nine_ball):
    response = ann_api.get("/api/matches/?mine=1&result=pending")

    assert response.status_code == 200
    assert [m["id"] for m in response.json()["results"]] == [finished.pk]


# --- confirm ---------------------------------------------------------------------------------


def test_the_other_side_confirms_the_result(ivan_api, ivan, finished):
    response = post(ivan_api, finished, "confirm")

    assert response.status_code == 200
    assert response.json()["result_status"] == "confirmed"
    finished.refresh_from_db()
    assert (finished.result_via, finished.result_by) == (Match.ResultVia.OPPONENT, ivan)
    assert ResultReview.objects.filter(match=finished, action="confirm", actor=ivan).count() == 1


def test_confirming_twice_answers_the_same_and_records_once(ivan_api, finished):
    first = post(ivan_api, finished, "confirm")
    second = post(ivan_api, finished, "confirm")

    assert second.status_code == 200
    assert second.json()["result"] == first.json()["result"]
    assert ResultReview.objects.filter(match=finished, action="confirm").count() == 1


def test_the_side_that_scored_it_cannot_confirm_its_own_result(ann_api, finished):
    response = post(ann_api, finished, "confirm")

    assert response.status_code == 403
    assert response.json()["code"] == "not_the_other_side"
    finished.refresh_from_db()
    assert finished.result_status == R.PENDING


def test_a_stranger_cannot_confirm(olga_api, finished):
    response = post(olga_api, finished, "confirm")

    assert response.status_code == 403
    assert response.json()["code"] == "not_the_other_side"


def test_confirming_a_live_match_is_a_conflict(ivan_api, ann, nine_ball):
    add_event(nine_ball, {"type": "rack", "side": 0}, actor=ann)

    response = post(ivan_api, nine_ball, "confirm")

    assert response.status_code == 409
    assert response.json()["code"] == "result_not_final"


def test_anonymous_requests_are_refused(finished):
    assert post(client_for(None), finished, "confirm").status_code == 401


def test_staff_who_do_not_play_may_confirm_through_the_api(desk_api, finished):
    response = post(desk_api, finished, "confirm")

    assert response.status_code == 200
    finished.refresh_from_db()
    assert finished.result_via == Match.ResultVia.STAFF


# --- dispute ---------------------------------------------------------------------------------


def test_the_other_side_disputes_with_a_reason(ivan_api, finished):
    response = post(ivan_api, finished, "dispute", {"reason": "It was 1:2"})

    assert response.status_code == 200
    assert response.json()["result_status"] == "disputed"
    finished.refresh_from_db()
    assert finished.dispute_reason == "It was 1:2"
    assert list(selectors.disputed_results()) == [finished]


def test_disputing_twice_answers_the_same(ivan_api, finished):
    post(ivan_api, finished, "dispute")
    response = post(ivan_api, finished, "dispute")

    assert response.status_code == 200
    assert ResultReview.objects.filter(match=finished, action="dispute").count() == 1


def test_a_confirmed_result_cannot_be_disputed(ivan_api, finished):
    post(ivan_api, finished, "confirm")

    response = post(ivan_api, finished, "dispute")

    assert response.status_code == 409
    assert response.json()["code"] == "result_already_confirmed"


def test_the_disputing_side_may_withdraw_by_confirming(ivan_api, finished):
    post(ivan_api, finished, "dispute")

    response = post(ivan_api, finished, "confirm")

    assert response.json()["result_status"] == "confirmed"


def test_a_too_long_reason_is_bad_input(ivan_api, finished):
    response = post(ivan_api, finished, "dispute", {"reason": "x" * 501})

    assert response.status_code == 400
    finished.refresh_from_db()
    assert finished.result_status == R.PENDING


# --- staff -----------------------------------------------------------------------------------


def test_staff_void_a_disputed_result_and_it_leaves_the_queue(ivan_api, desk, finished):
    post(ivan_api, finished, "dispute")

    results.match_result_void(match_id=finished.pk, actor=desk, reason="no such match")

    finished.refresh_from_db()
    assert finished.result_status == R.VOID
    assert list(selectors.disputed_results()) == []
    assert post(ivan_api, finished, "confirm").json()["code"] == "result_void"


def test_a_staff_correction_settles_a_disputed_result(ivan_api, desk, finished):
    from games.scoring.services import match_correct

    post(ivan_api, finished, "dispute")

    match_correct(match_id=finished.pk, actor=desk, frames=[2, 1])

    finished.refresh_from_db()
    assert (finished.result_status, finished.result_via) == (R.CONFIRMED, Match.ResultVia.STAFF)
    assert finished.state["frames"] == [2, 1]


def test_only_staff_may_void(ann, finished):
    from core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        results.match_result_void(match_id=finished.pk, actor=ann)


# --- reopening a finished match -------------------------------------------------------------


def test_a_players_undo_of_a_finished_match_asks_the_other_side(ann_api, finished):
    response = undo(ann_api, finished)

    assert response.status_code == 409
    assert response.json()["code"] == "reopen_needs_agreement"
    finished.refresh_from_db()
    assert finished.status == Match.Status.FINISHED
    assert finished.reopen_side == 0


def test_asking_again_changes_nothing(ann_api, finished):
    undo(ann_api, finished)
    response = undo(ann_api, finished)

    assert response.status_code == 409
    assert ResultReview.objects.filter(match=finished, action="reopen_request").count() == 1


def test_the_other_sides_undo_agrees_and_reopens(ann_api, ivan_api, finished):
    undo(ann_api, finished)

    response = undo(ivan_api, finished)

    assert response.status_code == 201
    finished.refresh_from_db()
    assert finished.status == Match.Status.LIVE
    assert (finished.result_status, finished.reopen_side) == (R.PENDING, None)


def test_staff_reopen_a_finished_match_at_once(desk_api, finished):
    response = undo(desk_api, finished)

    assert response.status_code == 201
    finished.refresh_from_db()
    assert finished.status == Match.Status.LIVE


def test_a_match_against_a_guest_reopens_as_before(ann):
    match = win(make_match([ann], "Guest Bob"), ann)

    response = undo(client_for(ann), match)

    assert response.status_code == 201
