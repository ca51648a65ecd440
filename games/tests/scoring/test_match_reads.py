"""Reads: match detail, the log, live lists, player search; visibility on the API and the topic;
the rebuild command; the live-matches gauge."""

import pytest
from django.core.management import CommandError, call_command

from core.metrics import LIVE_MATCHES
from games.models import Match
from games.scoring.topics import MatchTopic
from games.tests.factories import ClubFactory, TableFactory
from games.tests.scoring.factories import add_event, make_match

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_match(ann, ivan):
    return make_match([ann], [ivan], visibility=Match.Visibility.PRIVATE)


@pytest.fixture
def club_match(ann, ivan):
    return make_match([ann], [ivan], visibility=Match.Visibility.CLUB)


def test_anyone_may_read_a_public_match(api, nine_ball):
    add_event(nine_ball, {"type": "rack", "side": 1})

    response = api.get(f"/api/matches/{nine_ball.pk}/")

    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert response.json()["state"]["frames"] == [0, 1]
    assert response.json()["can_score"] is False


def test_a_private_match_is_hidden_from_strangers(olga_api, private_match):
    response = olga_api.get(f"/api/matches/{private_match.pk}/")

    assert response.status_code == 403


def test_a_private_match_is_shown_to_its_players_and_staff(ivan_api, desk_api, private_match):
    assert ivan_api.get(f"/api/matches/{private_match.pk}/").status_code == 200
    assert desk_api.get(f"/api/matches/{private_match.pk}/").status_code == 200


def test_an_unknown_match_is_404(api):
    response = api.get("/api/matches/424242/")

    assert response.status_code == 404


def test_the_log_lists_every_event_with_undo_marks(ann_api, api, nine_ball):
    add_event(nine_ball, {"type": "foul", "side": 0})
    add_event(nine_ball, {"type": "foul", "side": 1})
    ann_api.post(
        f"/api/matches/{nine_ball.pk}/undo/",
        {"expected_version": 2, "client_event_id": "7f1c1d5e-0000-4000-8000-000000000001"},
        format="json",
    )

    response = api.get(f"/api/matches/{nine_ball.pk}/events/")

    assert response.status_code == 200
    events = response.json()["results"]
    assert [(e["seq"], e["type"], e["voided"]) for e in events] == [
        (1, "foul", False),
        (2, "foul", True),
        (3, "undo", False),
    ]
    assert events[2]["voids"] == 2


def test_live_matches_of_a_club_are_listed_for_the_tv(api, ann, ivan):
    club = ClubFactory()
    table = TableFactory(club=club, kind="pool")
    live = make_match([ann], [ivan], club=club, table=table)
    make_match(
        [ann], [ivan], club=club, status=Match.Status.ABANDONED, finished_at="2026-01-01T00:00Z"
    )
    make_match([ann], [ivan], club=club, visibility=Match.Visibility.PRIVATE)
    make_match([ann], [ivan])  # another club / none

    response = api.get(f"/api/matches/?status=live&club={club.pk}")

    assert response.status_code == 200
    assert [m["id"] for m in response.json()["results"]] == [live.pk]
    assert response.json()["results"][0]["table"]["number"] == table.number


def test_mine_lists_the_requesters_matches_including_private(
    ivan_api, ivan, ann, olga, private_match
):
    make_match([ann], [olga])

    response = ivan_api.get("/api/matches/?mine=1")

    assert [m["id"] for m in response.json()["results"]] == [private_match.pk]


def test_a_bad_status_filter_is_400(api):
    assert api.get("/api/matches/?status=sleeping").status_code == 400


def test_player_search_finds_by_name(ann_api, ivan):
    response = ann_api.get("/api/players/?q=petr")

    assert response.status_code == 200
    assert [p["id"] for p in response.json()["results"]] == [ivan.pk]


def test_player_search_needs_two_letters(ann_api, ivan):
    assert ann_api.get("/api/players/?q=i").json()["results"] == []


# --- the match:<id> topic ---------------------------------------------------------------------


def test_the_topic_lets_anonymous_watch_a_public_match(nine_ball):
    from django.contrib.auth.models import AnonymousUser

    assert MatchTopic().authorize(AnonymousUser(), id=str(nine_ball.pk)) is True


def test_the_topic_needs_a_sign_in_for_a_club_match(club_match, olga):
    from django.contrib.auth.models import AnonymousUser

    assert MatchTopic().authorize(AnonymousUser(), id=str(club_match.pk)) is False
    assert MatchTopic().authorize(olga, id=str(club_match.pk)) is True


def test_the_topic_shows_a_private_match_only_to_players_and_staff(private_match, ann, olga, desk):
    topic = MatchTopic()

    assert topic.authorize(ann, id=str(private_match.pk)) is True
    assert topic.authorize(desk, id=str(private_match.pk)) is True
    assert topic.authorize(olga, id=str(private_match.pk)) is False


def test_the_topic_snapshot_is_the_match_at_its_version(nine_ball, ann):
    add_event(nine_ball, {"type": "rack", "side": 0})

    version, data = MatchTopic().snapshot(ann, id=str(nine_ball.pk))

    assert version == 1
    assert data["state"]["frames"] == [1, 0]
    assert data["can_score"] is True


def test_the_topic_snapshot_of_an_unknown_match_is_not_found():
    from realtime.topics import TopicNotFound

    with pytest.raises(TopicNotFound):
        MatchTopic().snapshot(None, id="999999")


# --- rebuild_match_state ----------------------------------------------------------------------


def test_rebuild_equals_the_stored_state(nine_ball, ann, ivan, desk):
    snooker = make_match([ann], [ivan], discipline="snooker", fmt={"best_of": 3})
    for event in (
        {"type": "pot", "side": 0, "ball": "red"},
        {"type": "pot", "side": 0, "ball": "black"},
        {"type": "end_turn", "side": 0},
        {"type": "foul", "side": 1, "value": 4},
    ):
        add_event(snooker, event)
    add_event(nine_ball, {"type": "rack", "side": 0})
    add_event(nine_ball, {"type": "foul", "side": 1})
    stored = {m.pk: (m.state, m.version, m.status) for m in Match.objects.all()}

    call_command("rebuild_match_state", "--all")

    assert {m.pk: (m.state, m.version, m.status) for m in Match.objects.all()} == stored


def test_rebuild_repairs_a_tampered_state(nine_ball):
    add_event(nine_ball, {"type": "rack", "side": 0})
    good = dict(nine_ball.state)
    Match.objects.filter(pk=nine_ball.pk).update(state={"broken": True}, version=7)

    call_command("rebuild_match_state", str(nine_ball.pk))

    nine_ball.refresh_from_db()
    assert nine_ball.state == good
    assert nine_ball.version == 1


def test_rebuild_needs_an_id_or_all():
    with pytest.raises(CommandError):
        call_command("rebuild_match_state")


def test_the_live_matches_gauge_counts_live_matches(nine_ball, ann, ivan):
    make_match([ann], [ivan], status=Match.Status.ABANDONED, finished_at="2026-01-01T00:00Z")

    assert LIVE_MATCHES.collect()[0].samples[0].value == 1


def test_a_match_with_undone_events_can_be_deleted_with_its_log(nine_ball, ann_api):
    add_event(nine_ball, {"type": "foul", "side": 0})
    ann_api.post(
        f"/api/matches/{nine_ball.pk}/undo/",
        {"expected_version": 1, "client_event_id": "7f1c1d5e-0000-4000-8000-000000000002"},
        format="json",
    )

    nine_ball.delete()

    assert not Match.objects.exists()
