"""POST /api/matches/<id>/undo/: voids the latest effective event, reopens a finished match."""

import uuid

import pytest

from games import rules
from games.models import Match, MatchEvent
from games.scoring.signals import match_reopened
from games.tests.scoring.factories import add_event

pytestmark = pytest.mark.django_db


def undo(client, match, *, version=None, cid=None):
    match.refresh_from_db()
    return client.post(
        f"/api/matches/{match.pk}/undo/",
        {
            "expected_version": match.version if version is None else version,
            "client_event_id": str(cid or uuid.uuid4()),
        },
        format="json",
    )


def test_undo_restores_the_state_before_the_latest_event(ann_api, nine_ball):
    add_event(nine_ball, {"type": "foul", "side": 0})
    before = dict(nine_ball.state)
    add_event(nine_ball, {"type": "rack", "side": 1})

    response = undo(ann_api, nine_ball)

    assert response.status_code == 201
    data = response.json()
    assert data["version"] == 3
    assert data["state"] == before
    assert data["event"]["type"] == "undo"
    assert data["event"]["voids"] == 2
    nine_ball.refresh_from_db()
    assert nine_ball.state == before
    assert nine_ball.version == 3


def test_two_undos_void_the_two_latest_events_not_each_other(ann_api, nine_ball):
    add_event(nine_ball, {"type": "foul", "side": 0})
    add_event(nine_ball, {"type": "foul", "side": 1})

    undo(ann_api, nine_ball)
    response = undo(ann_api, nine_ball)

    assert response.status_code == 201
    assert response.json()["state"] == rules.initial("pool_9", nine_ball.format)
    assert response.json()["event"]["voids"] == 1


def test_undo_with_nothing_to_undo_is_422(ann_api, nine_ball):
    response = undo(ann_api, nine_ball)

    assert response.status_code == 422
    assert response.json()["reason"] == "nothing_to_undo"


def test_undo_with_a_stale_version_is_409(ann_api, nine_ball):
    add_event(nine_ball, {"type": "foul", "side": 0})

    response = undo(ann_api, nine_ball, version=0)

    assert response.status_code == 409
    assert response.json()["code"] == "version_conflict"
    assert response.json()["version"] == 1


def test_a_repeated_undo_is_applied_once(ann_api, nine_ball):
    add_event(nine_ball, {"type": "foul", "side": 0})
    add_event(nine_ball, {"type": "foul", "side": 0})
    cid = uuid.uuid4()

    first = undo(ann_api, nine_ball, cid=cid)
    again = undo(ann_api, nine_ball, version=2, cid=cid)

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    assert MatchEvent.objects.filter(match=nine_ball, type="undo").count() == 1
    nine_ball.refresh_from_db()
    assert nine_ball.state["fouls"] == [1, 0]


def test_undo_of_the_winning_rack_reopens_the_match_once_the_other_side_agrees(
    ann_api, ivan_api, nine_ball
):
    got = []
    match_reopened.connect(
        lambda sender, match, previous_winner, **kw: got.append(previous_winner),
        weak=False,
        dispatch_uid="test-reopen",
    )
    add_event(nine_ball, {"type": "rack", "side": 0})
    add_event(nine_ball, {"type": "rack", "side": 0})
    assert nine_ball.status == Match.Status.FINISHED

    asked = undo(ann_api, nine_ball)
    response = undo(ivan_api, nine_ball)
    match_reopened.disconnect(dispatch_uid="test-reopen")

    assert asked.status_code == 409

    assert response.status_code == 201
    assert response.json()["status"] == "live"
    nine_ball.refresh_from_db()
    assert nine_ball.status == Match.Status.LIVE
    assert nine_ball.winner_side is None
    assert nine_ball.finished_at is None
    assert nine_ball.state["frames"] == [1, 0]
    assert got == [0]


def test_undo_via_the_events_endpoint_works_the_same(ann_api, nine_ball):
    add_event(nine_ball, {"type": "foul", "side": 1})

    response = ann_api.post(
        f"/api/matches/{nine_ball.pk}/events/",
        {"type": "undo", "expected_version": 1, "client_event_id": str(uuid.uuid4())},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["state"]["fouls"] == [0, 0]


def test_a_player_cannot_undo_a_staff_correction(ann_api, desk, nine_ball):
    add_event(nine_ball, {"type": "correction", "frames": [1, 1]}, actor=desk)

    response = undo(ann_api, nine_ball)

    assert response.status_code == 403
    assert response.json()["code"] == "staff_only"


def test_staff_can_undo_an_abandon(desk_api, desk, nine_ball):
    add_event(nine_ball, {"type": "abandon"}, actor=desk)

    response = undo(desk_api, nine_ball)

    assert response.status_code == 201
    nine_ball.refresh_from_db()
    assert nine_ball.status == Match.Status.LIVE


def test_a_stranger_cannot_undo(olga_api, nine_ball):
    add_event(nine_ball, {"type": "foul", "side": 1})

    response = undo(olga_api, nine_ball)

    assert response.status_code == 403
