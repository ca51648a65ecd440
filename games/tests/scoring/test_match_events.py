"""POST /api/matches/<id>/events/: versions, idempotency, permissions, illegal events, finishing."""

import uuid

import pytest

from games.models import Match, MatchEvent
from games.scoring.signals import match_finished, match_reopened
from games.tests.scoring.factories import add_event, make_match

pytestmark = pytest.mark.django_db


def url(match):
    return f"/api/matches/{match.pk}/events/"


def post(client, match, event, *, version=None, cid=None):
    match.refresh_from_db()
    return client.post(
        url(match),
        {
            **event,
            "expected_version": match.version if version is None else version,
            "client_event_id": str(cid or uuid.uuid4()),
        },
        format="json",
    )


@pytest.fixture
def signals():
    got = []

    def on_finished(sender, match, **kw):
        got.append(("finished", match.pk, match.winner_side, match.status))

    def on_reopened(sender, match, previous_winner, **kw):
        got.append(("reopened", match.pk, previous_winner, match.status))

    match_finished.connect(on_finished, weak=False)
    match_reopened.connect(on_reopened, weak=False)
    yield got
    match_finished.disconnect(on_finished)
    match_reopened.disconnect(on_reopened)


def test_an_event_is_applied_and_versioned(ann_api, nine_ball):
    response = post(ann_api, nine_ball, {"type": "rack", "side": 0})

    assert response.status_code == 201
    data = response.json()
    assert data["version"] == 1
    assert data["state"]["frames"] == [1, 0]
    assert data["event"]["seq"] == 1
    assert data["event"]["type"] == "rack"
    assert data["event"]["payload"] == {"type": "rack", "side": 0}
    nine_ball.refresh_from_db()
    assert nine_ball.version == 1
    assert nine_ball.state["frames"] == [1, 0]
    assert MatchEvent.objects.get(match=nine_ball).actor.username == "ann"


def test_the_opponent_may_score_too(ivan_api, nine_ball):
    response = post(ivan_api, nine_ball, {"type": "foul", "side": 1})

    assert response.status_code == 201
    assert response.json()["state"]["fouls"] == [0, 1]


def test_a_stale_expected_version_is_409_with_the_current_state(ann_api, nine_ball):
    add_event(nine_ball, {"type": "rack", "side": 1})

    response = post(ann_api, nine_ball, {"type": "rack", "side": 0}, version=0)

    assert response.status_code == 409
    data = response.json()
    assert data["code"] == "version_conflict"
    assert data["version"] == 1
    assert data["state"]["frames"] == [0, 1]
    assert MatchEvent.objects.filter(match=nine_ball).count() == 1


def test_a_repeated_client_event_id_is_answered_not_applied(ann_api, nine_ball):
    cid = uuid.uuid4()
    first = post(ann_api, nine_ball, {"type": "rack", "side": 0}, version=0, cid=cid)

    again = post(ann_api, nine_ball, {"type": "rack", "side": 0}, version=0, cid=cid)

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    nine_ball.refresh_from_db()
    assert nine_ball.version == 1
    assert nine_ball.state["frames"] == [1, 0]
    assert MatchEvent.objects.filter(match=nine_ball).count() == 1


def test_a_retry_after_later_events_gets_its_original_result(ann_api, nine_ball):
    cid = uuid.uuid4()
    first = post(ann_api, nine_ball, {"type": "foul", "side": 0}, cid=cid)
    add_event(nine_ball, {"type": "foul", "side": 1})

    again = post(ann_api, nine_ball, {"type": "foul", "side": 0}, version=0, cid=cid)

    assert again.status_code == 200
    assert again.json()["version"] == 1
    assert again.json()["state"] == first.json()["state"]
    assert again.json()["match_version"] == 2


def test_an_illegal_event_is_422_with_the_engine_reason(ann_api, nine_ball):
    response = post(ann_api, nine_ball, {"type": "pot", "side": 0, "ball": "red"})

    assert response.status_code == 422
    assert response.json()["code"] == "illegal_event"
    assert response.json()["reason"] == "unknown_field"
    assert MatchEvent.objects.count() == 0


def test_an_unknown_event_type_is_422(ann_api, nine_ball):
    response = post(ann_api, nine_ball, {"type": "dance", "side": 0})

    assert response.status_code == 422
    assert response.json()["reason"] == "unknown_event"


def test_a_missing_envelope_is_400(ann_api, nine_ball):
    response = ann_api.post(url(nine_ball), {"type": "rack", "side": 0}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


def test_a_bad_client_event_id_is_400(ann_api, nine_ball):
    response = post(ann_api, nine_ball, {"type": "rack", "side": 0}, cid="not-a-uuid")

    assert response.status_code == 400


def test_a_stranger_may_not_score(olga_api, nine_ball):
    response = post(olga_api, nine_ball, {"type": "rack", "side": 0})

    assert response.status_code == 403
    assert MatchEvent.objects.count() == 0


def test_anonymous_may_not_score(api, nine_ball):
    response = post(api, nine_ball, {"type": "rack", "side": 0})

    assert response.status_code in (401, 403)


def test_staff_may_score_any_match(desk_api, nine_ball):
    response = post(desk_api, nine_ball, {"type": "rack", "side": 0})

    assert response.status_code == 201


def test_an_unknown_match_is_404(ann_api):
    response = ann_api.post(
        "/api/matches/999999/events/",
        {"type": "rack", "side": 0, "expected_version": 0, "client_event_id": str(uuid.uuid4())},
        format="json",
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_players_may_not_correct_or_abandon(ann_api, nine_ball):
    correction = post(ann_api, nine_ball, {"type": "correction", "frames": [1, 0]})
    abandon = post(ann_api, nine_ball, {"type": "abandon"})

    assert correction.status_code == 403
    assert correction.json()["code"] == "staff_only"
    assert abandon.status_code == 403


def test_the_winning_event_finishes_the_match_and_signals(ann_api, nine_ball, signals):
    post(ann_api, nine_ball, {"type": "rack", "side": 0})

    response = post(ann_api, nine_ball, {"type": "rack", "side": 0})

    assert response.status_code == 201
    assert response.json()["status"] == "finished"
    assert response.json()["winner"] == 0
    nine_ball.refresh_from_db()
    assert nine_ball.status == Match.Status.FINISHED
    assert nine_ball.winner_side == 0
    assert nine_ball.finished_at is not None
    assert signals == [("finished", nine_ball.pk, 0, "finished")]


def test_a_finished_match_refuses_events_with_409(ann_api, nine_ball):
    add_event(nine_ball, {"type": "rack", "side": 1})
    add_event(nine_ball, {"type": "rack", "side": 1})

    response = post(ann_api, nine_ball, {"type": "foul", "side": 0})

    assert response.status_code == 409
    assert response.json()["code"] == "match_finished"


def test_staff_correction_of_a_finished_match_changes_the_result(desk_api, nine_ball, signals):
    add_event(nine_ball, {"type": "rack", "side": 1})
    add_event(nine_ball, {"type": "rack", "side": 1})
    signals.clear()

    response = post(desk_api, nine_ball, {"type": "correction", "frames": [2, 1]})

    assert response.status_code == 201
    assert response.json()["winner"] == 0
    assert signals == [
        ("reopened", nine_ball.pk, 1, "finished"),
        ("finished", nine_ball.pk, 0, "finished"),
    ]
    assert MatchEvent.objects.filter(match=nine_ball).count() == 3


def test_staff_abandon_ends_the_match_without_a_winner(desk_api, nine_ball, signals):
    response = post(desk_api, nine_ball, {"type": "abandon"})

    assert response.status_code == 201
    nine_ball.refresh_from_db()
    assert nine_ball.status == Match.Status.ABANDONED
    assert nine_ball.winner_side is None
    assert signals == []


def test_an_abandoned_match_refuses_player_events(ann_api, desk, nine_ball):
    add_event(nine_ball, {"type": "abandon"}, actor=desk)

    response = post(ann_api, nine_ball, {"type": "rack", "side": 0})

    assert response.status_code == 409
    assert response.json()["code"] == "match_abandoned"


def test_each_event_publishes_an_update_in_order(ann_api, nine_ball, publishes):
    post(ann_api, nine_ball, {"type": "foul", "side": 0})
    post(ann_api, nine_ball, {"type": "rack", "side": 1})

    mine = [m for m in publishes if m["topic"] == f"match:{nine_ball.pk}"]
    assert [m["version"] for m in mine] == [1, 2]
    assert mine[1]["data"]["state"]["frames"] == [0, 1]
    assert mine[1]["data"]["event"]["type"] == "rack"
    assert mine[1]["data"]["status"] == "live"
    assert mine[1]["data"]["winner"] is None


def test_a_refused_event_publishes_nothing(ann_api, nine_ball, publishes):
    post(ann_api, nine_ball, {"type": "rack", "side": 0}, version=5)

    assert publishes == []


def test_snooker_events_are_scored_by_the_engine(ann, ivan, ann_api):
    match = make_match([ann], [ivan], discipline="snooker", fmt={"best_of": 3})

    response = post(ann_api, match, {"type": "pot", "side": 0, "ball": "red"})

    assert response.status_code == 201
    assert response.json()["state"]["score"] == [1, 0]
    assert response.json()["state"]["ball_on"] == "colour"


def test_a_duplicate_that_slips_past_the_lookup_is_answered_from_the_unique_constraint(
    ann_api, nine_ball, monkeypatch
):
    """As if a racing request had bypassed the row lock: the insert clashes on
    (match, client_event_id) inside a savepoint and the stored event is returned."""
    from games.scoring import selectors

    cid = uuid.uuid4()
    first = post(ann_api, nine_ball, {"type": "rack", "side": 0}, cid=cid)
    real = selectors.match_event_by_client_id
    calls = []

    def blind_first_time(*, match, client_event_id):
        calls.append(client_event_id)
        return None if len(calls) == 1 else real(match=match, client_event_id=client_event_id)

    monkeypatch.setattr(selectors, "match_event_by_client_id", blind_first_time)
    # The version matches so the engine applies it and the insert hits the constraint.
    again = post(ann_api, nine_ball, {"type": "rack", "side": 0}, version=1, cid=cid)

    assert again.status_code == 200
    assert again.json()["event"] == first.json()["event"]
    assert MatchEvent.objects.filter(match=nine_ball).count() == 1
    nine_ball.refresh_from_db()
    assert nine_ball.version == 1
