"""The finish task on small hand-computed histories: stats, ratings, idempotence, recompute."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from stats import services
from stats.models import PlayerMatch, PlayerStats, ProcessedMatch, Rating
from stats.ratings import OpenSkillRatings, display_rating
from stats.tests.factories import append, new_match, staff_actor

T0 = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def play(on_commit, a, b, winners, *, at, discipline="pool_9", race_to=2):
    with time_machine.travel(at, tick=False):
        match = new_match(a, b, discipline=discipline, fmt={"race_to": race_to})
    for i, w in enumerate(winners):
        with time_machine.travel(at + timedelta(minutes=10 * (i + 1)), tick=False):
            on_commit(append, match, {"type": "rack", "side": int(w)})
    return match


@pytest.fixture
def history(on_commit, ann, ivan, olga):
    """Ann beats Ivan 2-0, Ivan beats Ann 2-1, Ann beats Olga 2-1 (9-ball, race to 2)."""
    m1 = play(on_commit, [ann], [ivan], "00", at=T0)
    m2 = play(on_commit, [ann], [ivan], "101", at=T0 + timedelta(hours=1))
    m3 = play(on_commit, [ann], [olga], "010", at=T0 + timedelta(hours=2))
    return m1, m2, m3


def expected_ratings(frames):
    system = OpenSkillRatings()
    for a, b, w in frames:
        system.update((a,), (b,), w)
    return system


def test_a_finished_match_writes_each_players_stats(history, ann):
    stats = PlayerStats.objects.get(player=ann, scope="pool")
    assert (stats.matches, stats.matches_won) == (3, 2)
    assert (stats.frames, stats.frames_won) == (8, 5)
    assert (stats.current_streak, stats.best_streak) == (1, 1)
    # Every frame took 10 minutes from the previous frame's end (the first: the match start).
    assert (stats.frames_timed, stats.avg_frame_seconds) == (8, 600)
    overall = PlayerStats.objects.get(player=ann, scope="overall")
    assert (overall.matches, overall.matches_won, overall.frames) == (3, 2, 8)


def test_ratings_follow_the_frames_in_match_order(history, ann, ivan, olga):
    a, i, o = ann.pk, ivan.pk, olga.pk
    want = expected_ratings(
        [(a, i, 0), (a, i, 0), (a, i, 1), (a, i, 0), (a, i, 1), (a, o, 0), (a, o, 1), (a, o, 0)]
    )
    for user in (ann, ivan, olga):
        rating = Rating.objects.get(player=user, family="pool")
        assert rating.mu == want.get(user.pk).mu
        assert rating.sigma == want.get(user.pk).sigma
        assert rating.display == display_rating(rating.mu, rating.sigma)
    ann_rating = Rating.objects.get(player=ann, family="pool")
    assert (ann_rating.frames, ann_rating.matches, ann_rating.wins) == (8, 3, 2)


def test_each_row_keeps_the_rating_before_and_after(history, ann):
    m1, m2, _m3 = history
    first = PlayerMatch.objects.get(player=ann, match=m1)
    second = PlayerMatch.objects.get(player=ann, match=m2)
    assert first.rating_before == 1500
    assert second.mu_before == first.mu_after
    assert second.rating_before == first.rating_after


def test_running_the_task_again_changes_nothing(history, ann):
    m1, _m2, m3 = history
    before = list(PlayerMatch.objects.order_by("id").values())
    ratings = list(Rating.objects.order_by("player_id").values("player_id", "mu", "sigma"))
    assert services.match_stats_apply(match_id=m3.pk) is False
    assert services.match_stats_apply(match_id=m1.pk) is False
    assert list(PlayerMatch.objects.order_by("id").values()) == before
    assert list(Rating.objects.order_by("player_id").values("player_id", "mu", "sigma")) == ratings


def test_a_guest_side_rates_nobody(on_commit, ann):
    match = play(on_commit, [ann], "Guest Gosha", "00", at=T0)
    row = PlayerMatch.objects.get(player=ann, match=match)
    assert row.against_guest and row.mu_after is None
    assert not Rating.objects.filter(player=ann).exists()
    assert PlayerStats.objects.get(player=ann, scope="pool").matches_won == 1
    assert ProcessedMatch.objects.filter(match=match).exists()


def test_doubles_rate_both_partners(on_commit, ann, ivan, olga, petr):
    play(on_commit, [ann, ivan], [olga, petr], "00", at=T0)
    want = OpenSkillRatings()
    want.update((ann.pk, ivan.pk), (olga.pk, petr.pk), 0)
    want.update((ann.pk, ivan.pk), (olga.pk, petr.pk), 0)
    for user in (ann, ivan, olga, petr):
        assert Rating.objects.get(player=user, family="pool").mu == want.get(user.pk).mu
    assert PlayerMatch.objects.get(player=ann).doubles


def test_undo_of_the_finishing_rack_removes_the_match_from_stats(on_commit, history, ann, ivan):
    from games.scoring.services import match_undo

    m1, m2, m3 = history
    import uuid

    m1.refresh_from_db()
    on_commit(
        match_undo,
        match_id=m1.pk,
        actor=staff_actor(),  # a player's undo of a finished match needs the other side
        expected_version=m1.version,
        client_event_id=uuid.uuid4(),
    )
    assert not PlayerMatch.objects.filter(match=m1).exists()
    a, i, o = ann.pk, ivan.pk, PlayerMatch.objects.get(match=m3, side=1).player_id
    # Recomputed from the first affected match: M2 and M3 are rated as if M1 never finished.
    want = expected_ratings([(a, i, 1), (a, i, 0), (a, i, 1), (a, o, 0), (a, o, 1), (a, o, 0)])
    assert Rating.objects.get(player=ann, family="pool").mu == want.get(a).mu
    assert Rating.objects.get(player=ivan, family="pool").mu == want.get(i).mu
    stats = PlayerStats.objects.get(player=ann, scope="pool")
    assert (stats.matches, stats.matches_won) == (2, 1)


def test_a_staff_correction_of_an_old_match_recomputes_later_ones(
    on_commit, history, ann, ivan, olga
):
    m1, _m2, _m3 = history
    # Staff turn M1 (Ann 2-0) into Ivan 2-0.
    on_commit(append, m1, {"type": "correction", "frames": [0, 2]})
    m1.refresh_from_db()
    assert m1.winner_side == 1
    a, i, o = ann.pk, ivan.pk, olga.pk
    rows = PlayerMatch.objects.filter(match=m1)
    assert {r.player_id: r.won for r in rows} == {a: False, i: True}
    # M1 keeps its place (its finish time stands) with the corrected frames, Ivan's 1, 1;
    # M2 and M3 are re-rated after it.
    want = expected_ratings(
        [(a, i, 1), (a, i, 1), (a, i, 1), (a, i, 0), (a, i, 1), (a, o, 0), (a, o, 1), (a, o, 0)]
    )
    for user in (ann, ivan, olga):
        assert Rating.objects.get(player=user, family="pool").mu == want.get(user.pk).mu
    stats = PlayerStats.objects.get(player=ann, scope="pool")
    assert (stats.matches, stats.matches_won, stats.current_streak) == (3, 1, 1)


def test_an_achievement_a_correction_makes_untrue_is_taken_back(on_commit, ann, ivan, monkeypatch):
    from realtime import broadcast
    from stats.models import Achievement

    told = []
    monkeypatch.setattr(
        broadcast, "publish_to_user", lambda user_id, *, data, **kw: told.append((user_id, data))
    )
    m1 = play(on_commit, [ann], [ivan], "00", at=T0)
    assert list(Achievement.objects.filter(player=ann).values_list("code", flat=True)) == [
        "first_win"
    ]

    # Staff find the result was entered the wrong way round: Ivan won 2-0.
    on_commit(append, m1, {"type": "correction", "frames": [0, 2]})

    assert not Achievement.objects.filter(player=ann).exists()
    assert list(Achievement.objects.filter(player=ivan).values_list("code", flat=True)) == [
        "first_win"
    ]
    assert (ann.pk, {"kind": "achievements_revoked", "codes": ["first_win"]}) in told


def test_an_achievement_still_earned_after_a_correction_is_kept(on_commit, ann, ivan):
    from stats.models import Achievement

    m1 = play(on_commit, [ann], [ivan], "00", at=T0)
    play(on_commit, [ann], [ivan], "00", at=T0 + timedelta(hours=1))
    first = Achievement.objects.get(player=ann, code="first_win")

    on_commit(append, m1, {"type": "correction", "frames": [0, 2]})

    assert Achievement.objects.get(player=ann, code="first_win").pk == first.pk


def test_a_finished_match_is_counted_even_when_the_cache_is_away(on_commit, ann, ivan, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    def cache_away(family):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr("stats.selectors.leaderboard_bump_version", cache_away)

    play(on_commit, [ann], [ivan], "00", at=T0)

    stats = PlayerStats.objects.get(player=ann, scope="pool")
    assert (stats.matches, stats.matches_won) == (1, 1)
