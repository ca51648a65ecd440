"""The rules' choices through the API: legal actions with the state, a snooker frame with a foul,
"play again" and a foul-and-miss replay (WPBSA Section 3 Rules 10, 13, 14), 422 codes, rebuild."""

import uuid

import pytest
from django.core.management import call_command

from games import rules
from games.tests.scoring.factories import make_match

pytestmark = pytest.mark.django_db


@pytest.fixture
def snooker(ann, ivan):
    return make_match([ann], [ivan], discipline="snooker", fmt={"best_of": 3})


def send(client, match, event):
    match.refresh_from_db()
    return client.post(
        f"/api/matches/{match.pk}/events/",
        {**event, "expected_version": match.version, "client_event_id": str(uuid.uuid4())},
        format="json",
    )


def offered(legal):
    return {a["type"]: a for a in legal["actions"]}


def test_the_match_read_carries_the_legal_actions(ann_api, snooker):
    response = ann_api.get(f"/api/matches/{snooker.pk}/")

    assert response.status_code == 200
    legal = response.json()["legal"]
    assert legal["at_table"] == 0
    assert offered(legal)["pot"] == {"type": "pot", "sides": [0], "balls": ["red"], "max_count": 15}
    assert "lag" in offered(legal)


def test_a_snooker_frame_with_a_foul_play_again_and_a_foul_and_miss_replay(
    ann_api, ivan_api, snooker, publishes
):
    def ann(event):
        response = send(ann_api, snooker, {"side": 0, **event})
        assert response.status_code == 201, response.json()
        return response.json()

    def ivan(event):
        response = send(ivan_api, snooker, {"side": 1, **event})
        assert response.status_code == 201, response.json()
        return response.json()

    ann({"type": "pot", "ball": "red"})
    ann({"type": "pot", "ball": "black"})
    body = ann({"type": "foul", "value": 4})  # 8–4
    assert offered(body["legal"])["foul_choice"]["choices"] == ["play", "put_back"]
    assert body["legal"]["notices"][0] == {"code": "foul_choice", "side": 1}
    body = ivan({"type": "foul_choice", "choice": "put_back"})  # Ann plays again (3.13)
    assert body["state"]["at_table"] == 0
    ann({"type": "pot", "ball": "red"})
    ann({"type": "pot", "ball": "pink"})  # 15–4
    ann({"type": "end_turn"})
    ivan({"type": "pot", "ball": "red"})  # 15–5, a colour on
    body = ivan({"type": "foul", "value": 5, "miss": True, "reds_potted": 1})  # 20–5, 11 reds
    assert body["state"]["reds_remaining"] == 11
    assert offered(body["legal"])["foul_choice"]["choices"] == ["play", "put_back", "replace"]
    body = ann({"type": "foul_choice", "choice": "replace"})  # 3.14: back to the colour on
    state = body["state"]
    assert state["score"] == [20, 5]
    assert state["at_table"] == 1
    assert state["ball_on"] == "colour"
    assert state["reds_remaining"] == 12
    assert state["points_remaining"] == 7 + 12 * 8 + 27
    assert offered(body["legal"])["pot"]["sides"] == [1]
    assert publishes[-1]["data"]["legal"] == body["legal"]

    snooker.refresh_from_db()
    assert snooker.state == rules.fold(
        "snooker", snooker.format, [e.payload for e in snooker.events.order_by("seq")]
    )
    call_command("rebuild_match_state", str(snooker.pk))
    before = snooker.state
    snooker.refresh_from_db()
    assert snooker.state == before


def test_a_choice_out_of_turn_is_422_with_a_reason(ann_api, snooker):
    response = send(ann_api, snooker, {"type": "foul_choice", "side": 1, "choice": "play"})

    assert response.status_code == 422
    assert response.json()["code"] == "illegal_event"
    assert response.json()["reason"] == "no_choice_pending"


def test_replace_without_a_miss_is_422(ann_api, ivan_api, snooker):
    send(ann_api, snooker, {"type": "foul", "side": 0, "value": 4})
    response = send(ivan_api, snooker, {"type": "foul_choice", "side": 1, "choice": "replace"})

    assert response.status_code == 422
    assert response.json()["reason"] == "not_available"


def test_a_match_with_settings_is_created_and_scored(ann_api, ann, ivan):
    response = ann_api.post(
        "/api/matches/",
        {
            "discipline": "pool_9",
            "format": {"race_to": 3, "break_order": "winner", "shot_clock": {"seconds": 30}},
            "sides": [{"players": [ann.pk]}, {"players": [ivan.pk]}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["format"]["shot_clock"] == {"seconds": 30, "extensions": 1}
    assert data["state"]["clock"] == {"seconds": 30, "extensions": [1, 1]}
    assert "time_foul" in offered(data["legal"])


def test_a_bad_setting_is_400_invalid_format(ann_api, ann, ivan):
    response = ann_api.post(
        "/api/matches/",
        {
            "discipline": "pool_9",
            "format": {"race_to": 3, "break_order": "coin"},
            "sides": [{"players": [ann.pk]}, {"players": [ivan.pk]}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_format"
