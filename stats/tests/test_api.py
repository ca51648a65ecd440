"""The stats API: figures on small hand-made histories, caching, query counts, errors."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from games.models import Match
from stats.models import Rating
from stats.tests.factories import ClubFactory, finished_match

NOW = timezone.now()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def club(db):
    return ClubFactory()


@pytest.fixture
def season(ann, ivan, olga):
    """Old: Olga beat Ivan 2-0 forty days ago. This week: Ann beat Ivan twice, Ivan beat Olga."""
    finished_match([olga], [ivan], "00", at=NOW - timedelta(days=40))
    finished_match([ann], [ivan], "00", at=NOW - timedelta(days=3))
    finished_match([ann], [ivan], "010", at=NOW - timedelta(days=2))
    finished_match([ivan], [olga], "00", at=NOW - timedelta(days=1))


def test_the_all_time_board_ranks_by_rating(api, season, ann, ivan, olga):
    r = api.get("/api/leaderboards/?discipline=pool_9")
    assert r.status_code == 200
    body = r.json()
    assert body["family"] == "pool" and body["count"] == 3
    ranked = sorted(Rating.objects.filter(family="pool"), key=lambda x: (-x.display, x.player_id))
    assert [e["player"]["id"] for e in body["results"]] == [x.player_id for x in ranked]
    assert [e["rank"] for e in body["results"]] == [1, 2, 3]
    ivan_row = next(e for e in body["results"] if e["player"]["id"] == ivan.pk)
    assert (ivan_row["matches"], ivan_row["wins"], ivan_row["win_rate"]) == (4, 1, 0.25)
    assert ivan_row["provisional"] is True


def test_the_week_board_counts_only_this_weeks_matches(api, season, olga, ivan):
    body = api.get("/api/leaderboards/?discipline=pool&period=week").json()
    olga_row = next(e for e in body["results"] if e["player"]["id"] == olga.pk)
    assert (olga_row["matches"], olga_row["wins"]) == (1, 0)
    ivan_row = next(e for e in body["results"] if e["player"]["id"] == ivan.pk)
    assert (ivan_row["matches"], ivan_row["wins"], ivan_row["win_rate"]) == (3, 1, 0.3333)


def test_the_trend_is_the_rating_change_over_the_period(api, season, ann):
    body = api.get("/api/leaderboards/?discipline=pool&period=week").json()
    ann_row = next(e for e in body["results"] if e["player"]["id"] == ann.pk)
    assert ann_row["trend"] == Rating.objects.get(player=ann, family="pool").display - 1500


def test_the_club_filter_keeps_players_of_that_club(api, club, ann, ivan, olga):
    finished_match([ann], [ivan], "00", at=NOW - timedelta(days=1), club=club)
    finished_match([olga], [ivan], "00", at=NOW - timedelta(days=1))
    body = api.get(f"/api/leaderboards/?discipline=pool&club={club.pk}").json()
    assert {e["player"]["id"] for e in body["results"]} == {ann.pk, ivan.pk}
    ivan_row = next(e for e in body["results"] if e["player"]["id"] == ivan.pk)
    assert ivan_row["matches"] == 1


def test_the_board_is_cached_and_a_finished_match_invalidates_it(
    api, season, ann, olga, django_capture_on_commit_callbacks, django_assert_num_queries
):
    api.get("/api/leaderboards/?discipline=pool")
    with django_assert_num_queries(0):
        cached = api.get("/api/leaderboards/?discipline=pool").json()
    assert cached["count"] == 3
    petr = UserFactory(username="petr2")
    with django_capture_on_commit_callbacks(execute=True):
        finished_match([petr], [olga], "00", at=NOW)
    assert api.get("/api/leaderboards/?discipline=pool").json()["count"] == 4


def test_an_unknown_discipline_is_a_400(api, db):
    r = api.get("/api/leaderboards/?discipline=darts")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_choice"


def test_a_bad_period_is_a_400(api, db):
    r = api.get("/api/leaderboards/?period=year")
    assert r.status_code == 400


def test_player_stats_show_families_rating_history_and_awards(api, season, ann):
    r = api.get(f"/api/players/{ann.pk}/stats/")
    assert r.status_code == 200
    body = r.json()
    pool = body["families"]["pool"]
    assert (pool["matches"], pool["matches_won"], pool["frames"], pool["frames_won"]) == (
        2,
        2,
        5,
        4,
    )
    assert pool["current_streak"] == 2
    assert pool["rating"]["value"] == Rating.objects.get(player=ann, family="pool").display
    assert len(pool["rating_history"]) == 2
    assert pool["rating_history"][-1]["rating"] == pool["rating"]["value"]
    assert body["families"]["snooker"]["rating"] is None
    assert {a["code"] for a in body["achievements"]} == {"first_win"}


def test_stats_of_an_unknown_player_are_a_404(api, db):
    r = api.get("/api/players/999999/stats/")
    assert r.status_code == 404
    assert r.json()["code"] == "player_not_found"


def test_head_to_head_counts_only_matches_against_each_other(api, season, ann, ivan, olga):
    r = api.get(f"/api/players/{ivan.pk}/head-to-head/{ann.pk}/")
    assert r.status_code == 200
    body = r.json()
    assert body["overall"] == {
        "matches": 2,
        "wins": 0,
        "losses": 2,
        "frames_won": 1,
        "frames_lost": 4,
    }
    assert [m["frames"] for m in body["last_matches"]] == [[1, 2], [0, 2]]
    assert body["frame_win_probability"]["pool"] < 0.5


def test_partners_are_not_opponents_in_head_to_head(api, ann, ivan, olga, petr):
    finished_match([ann, ivan], [olga, petr], "00", at=NOW)
    body = api.get(f"/api/players/{ann.pk}/head-to-head/{ivan.pk}/").json()
    assert body["overall"]["matches"] == 0
    body = api.get(f"/api/players/{ann.pk}/head-to-head/{olga.pk}/").json()
    assert body["overall"]["matches"] == 1


def test_match_history_is_newest_first_with_opponents(api, season, ann, ivan):
    r = api.get(f"/api/players/{ann.pk}/matches/")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 2
    first = body["results"][0]
    assert first["frames"] == [2, 1] and first["won"] is True
    assert first["opponents"] == [
        {"id": ivan.pk, "display_name": ivan.display_name, "guest": False}
    ]


def test_private_matches_are_hidden_from_strangers(api, ann, ivan, olga):
    finished_match([ann], [ivan], "00", at=NOW, visibility=Match.Visibility.PRIVATE)
    assert api.get(f"/api/players/{ann.pk}/matches/").json()["count"] == 0
    api.force_authenticate(olga)
    assert api.get(f"/api/players/{ann.pk}/matches/").json()["count"] == 0
    api.force_authenticate(ivan)
    assert api.get(f"/api/players/{ann.pk}/matches/").json()["count"] == 1


@pytest.mark.parametrize("page_size", [2, 10])
def test_match_history_query_count_does_not_grow_with_the_page(
    api, ann, page_size, django_assert_num_queries
):
    for i in range(10):
        opponent = UserFactory(username=f"opp{i}")
        finished_match([ann], [opponent], "01" if i % 2 else "00", at=NOW - timedelta(hours=i))
    with django_assert_num_queries(5):
        r = api.get(f"/api/players/{ann.pk}/matches/?page_size={page_size}")
    assert len(r.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [2, 10])
def test_leaderboard_query_count_does_not_grow_with_the_page(
    api, ann, page_size, django_assert_num_queries
):
    for i in range(10):
        opponent = UserFactory(username=f"opp{i}")
        finished_match([ann], [opponent], "00", at=NOW - timedelta(hours=i))
    with django_assert_num_queries(4):
        r = api.get(f"/api/leaderboards/?discipline=pool&period=week&page_size={page_size}")
    assert len(r.json()["results"]) == page_size


def test_win_probability_for_a_match_start(api, season, ann, ivan):
    r = api.get(
        f"/api/ratings/win-probability/?discipline=pool_9&side_a={ann.pk}&side_b={ivan.pk}&race_to=3"
    )
    assert r.status_code == 200
    body = r.json()
    assert 0.5 < body["frame"] < body["match"] < 1
    assert body["ratings"][str(ann.pk)] == Rating.objects.get(player=ann, family="pool").display


def test_win_probability_refuses_a_player_on_both_sides(api, ann):
    r = api.get(f"/api/ratings/win-probability/?discipline=pool&side_a={ann.pk}&side_b={ann.pk}")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_request"
