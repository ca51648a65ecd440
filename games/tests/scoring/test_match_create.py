"""POST /api/matches/: validation, permissions, the table from the player's session."""

import pytest
from django.utils import timezone

from games.models import Match, MatchSide
from games.tests.factories import TableFactory, TableSessionFactory

URL = "/api/matches/"
pytestmark = pytest.mark.django_db


def body(ann, ivan, **extra):
    return {
        "discipline": "pool_9",
        "format": {"race_to": 3},
        "sides": [{"players": [ann.pk]}, {"players": [ivan.pk]}],
        **extra,
    }


def test_it_starts_a_match_at_version_zero(ann_api, ann, ivan):
    response = ann_api.post(URL, body(ann, ivan), format="json")

    assert response.status_code == 201
    data = response.json()
    assert data["version"] == 0
    assert data["status"] == "live"
    assert data["format"] == {"race_to": 3, "best_of": 5}
    assert data["state"]["frames"] == [0, 0]
    assert [s["players"][0]["id"] for s in data["sides"]] == [ann.pk, ivan.pk]
    assert data["can_score"] is True
    match = Match.objects.get(pk=data["id"])
    assert match.created_by == ann
    assert match.visibility == "public"


def test_a_side_may_be_a_guest(ann_api, ann):
    response = ann_api.post(
        URL,
        {
            "discipline": "snooker",
            "format": {"best_of": 3},
            "sides": [{"players": [ann.pk]}, {"guest": "Uncle Vanya"}],
            "visibility": "private",
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["sides"][1]["guest"] == "Uncle Vanya"
    assert MatchSide.objects.get(match_id=response.json()["id"], index=1).guest_name == (
        "Uncle Vanya"
    )


def test_an_invalid_format_is_400_invalid_format(ann_api, ann, ivan):
    response = ann_api.post(URL, body(ann, ivan, format={"points_to": 100}), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_format"
    assert Match.objects.count() == 0


def test_an_unknown_discipline_is_400(ann_api, ann, ivan):
    response = ann_api.post(URL, body(ann, ivan, discipline="darts"), format="json")

    assert response.status_code == 400
    assert Match.objects.count() == 0


ANN = "ann"  # replaced by Ann's id


@pytest.mark.parametrize(
    "sides",
    [
        [{"players": [ANN]}],
        [{"players": [ANN]}, {"guest": "A"}, {"guest": "B"}],
        [{"players": []}, {"guest": "B"}],
        [{"players": [ANN, ANN]}, {"guest": "B"}],
        [{"players": [ANN, 2, 3]}, {"guest": "B"}],
        [{"players": [ANN], "guest": "x"}, {"guest": "B"}],
        [{"guest": "  "}, {"players": [ANN]}],
        [{"players": ["1"]}, {"players": [ANN]}],
        "nonsense",
    ],
)
def test_malformed_sides_are_400_invalid_sides(ann_api, ann, ivan, sides):
    import json

    sides = json.loads(json.dumps(sides).replace(f'"{ANN}"', str(ann.pk)))

    response = ann_api.post(URL, body(ann, ivan, sides=sides), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_sides"
    assert Match.objects.count() == 0


def test_a_player_on_both_sides_is_400(ann_api, ann, ivan):
    response = ann_api.post(
        URL,
        body(ann, ivan, sides=[{"players": [ann.pk]}, {"players": [ann.pk, ivan.pk]}]),
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "player_on_both_sides"


def test_an_unknown_player_is_400(ann_api, ann):
    response = ann_api.post(
        URL,
        {
            "discipline": "pool_8",
            "format": {"race_to": 2},
            "sides": [{"players": [ann.pk]}, {"players": [987654]}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_player"


def test_the_creator_must_play_in_it(olga_api, ann, ivan):
    response = olga_api.post(URL, body(ann, ivan), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "not_a_player"
    assert Match.objects.count() == 0


def test_staff_may_start_a_match_for_others(desk_api, ann, ivan):
    response = desk_api.post(URL, body(ann, ivan), format="json")

    assert response.status_code == 201


def test_anonymous_cannot_start_a_match(api, ann, ivan):
    response = api.post(URL, body(ann, ivan), format="json")

    assert response.status_code in (401, 403)
    assert Match.objects.count() == 0


def test_the_table_defaults_to_the_session_the_player_is_in(ann_api, ann, ivan):
    table = TableFactory(kind="pool")
    session = TableSessionFactory(table=table, started_at=timezone.now(), ended_at=None)
    session.players.add(ann)

    response = ann_api.post(URL, body(ann, ivan), format="json")

    assert response.status_code == 201
    assert response.json()["table"]["id"] == table.pk
    assert response.json()["club"] == table.club_id
    assert Match.objects.get().session == session


def test_an_unknown_table_is_400(ann_api, ann, ivan):
    response = ann_api.post(URL, body(ann, ivan, table=424242), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_table"
