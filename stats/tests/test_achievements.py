"""Achievements: awarded once by the finish task, announced on the player's `me` topic."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import UserFactory
from stats import services
from stats.achievements import CATALOGUE, earned_codes
from stats.models import Achievement, PlayerMatch, PlayerStats, Rating
from stats.tests.factories import TableSessionFactory, finished_match

NOW = timezone.now()


@pytest.fixture
def announced(monkeypatch):
    from realtime import broadcast

    sent = []

    def spy(user_id, *, data, type="update"):
        # Only the stats' own `achievement` updates (the inbox also pushes its notification).
        if data.get("kind") == "achievement":
            sent.append((user_id, data))

    monkeypatch.setattr(broadcast, "publish_to_user", spy)
    return sent


def test_the_catalogue_codes_are_unique():
    codes = [a.code for a in CATALOGUE]
    assert len(codes) == len(set(codes))


def test_empty_stats_earn_nothing():
    stats = {
        scope: PlayerStats() for scope in ("pyramid", "pool", "straight_pool", "snooker", "overall")
    }
    assert earned_codes(stats) == []


def test_a_first_win_is_awarded_once_and_announced(ann, ivan, announced):
    finished_match([ann], [ivan], "00", at=NOW - timedelta(hours=2))
    finished_match([ann], [ivan], "00", at=NOW - timedelta(hours=1))
    assert list(Achievement.objects.filter(player=ann).values_list("code", flat=True)) == [
        "first_win"
    ]
    assert [(uid, d["achievement"]["code"]) for uid, d in announced] == [(ann.pk, "first_win")]
    assert announced[0][1]["kind"] == "achievement"
    assert not Achievement.objects.filter(player=ivan).exists()


def test_five_wins_in_a_row_earn_the_streak_award(ann, ivan):
    for i in range(5):
        finished_match([ann], [ivan], "00", at=NOW - timedelta(hours=10 - i))
    assert PlayerStats.objects.get(player=ann, scope="overall").best_streak == 5
    assert Achievement.objects.filter(player=ann, code="win_streak_5").exists()


def test_a_nine_ball_break_and_run_is_awarded(ann, ivan):
    from games import rules
    from games.models import Match
    from stats.tests.factories import new_match

    fmt = rules.validate_format("pool_9", {"race_to": 1})
    state = rules.fold("pool_9", fmt, [{"type": "rack", "side": 0, "how": "break_and_run"}])
    match = new_match([ann], [ivan], discipline="pool_9", fmt=fmt)
    Match.objects.filter(pk=match.pk).update(
        state=state,
        status="finished",
        winner_side=0,
        finished_at=NOW,
        version=1,
        result_status="confirmed",
    )
    services.match_stats_apply(match_id=match.pk)
    assert PlayerStats.objects.get(player=ann, scope="pool").break_and_runs == 1
    assert Achievement.objects.filter(player=ann, code="nine_ball_break_and_run").exists()


def test_an_award_also_leaves_a_notification_in_the_inbox(ann, ivan, announced):
    from notifications.models import Notification

    finished_match([ann], [ivan], "00", at=NOW)
    note = Notification.objects.get(user=ann)
    assert note.payload["code"] == "first_win"


def test_ten_hours_at_the_tables_come_from_closed_sessions(
    ann, announced, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        session = TableSessionFactory(started_at=NOW - timedelta(hours=11), players=[ann])
        session.ended_at = NOW - timedelta(hours=1)
        session.save(update_fields=["ended_at"])
    stats = PlayerStats.objects.get(player=ann, scope="overall")
    assert stats.play_seconds == 10 * 3600
    assert Achievement.objects.filter(player=ann, code="hours_10").exists()
    assert [d["achievement"]["code"] for _uid, d in announced] == ["hours_10"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_tasks_for_one_match_apply_it_once():
    ann, ivan = UserFactory(username="c-ann"), UserFactory(username="c-ivan")
    from games import rules
    from games.models import Match
    from stats.tests.factories import new_match

    fmt = rules.validate_format("pool_9", {"race_to": 2})
    state = rules.fold("pool_9", fmt, [{"type": "rack", "side": 0}] * 2)
    match = new_match([ann], [ivan], discipline="pool_9", fmt=fmt)
    Match.objects.filter(pk=match.pk).update(
        state=state,
        status="finished",
        winner_side=0,
        finished_at=NOW,
        version=2,
        result_status="confirmed",  # written directly: a result counts once confirmed (issue 16)
    )
    results, barrier = [], threading.Barrier(4)

    def run():
        barrier.wait()
        try:
            results.append(services.match_stats_apply(match_id=match.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
    assert PlayerMatch.objects.filter(match=match).count() == 2
    assert Rating.objects.get(player=ann, family="pool").frames == 2
    assert Achievement.objects.filter(player=ann, code="first_win").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_matches_of_one_family_end_as_a_rebuild_would():
    from games import rules
    from games.models import Match
    from stats.tests.factories import new_match

    players = [UserFactory(username=f"cc{i}") for i in range(4)]
    fmt = rules.validate_format("pool_9", {"race_to": 2})
    state = rules.fold("pool_9", fmt, [{"type": "rack", "side": 0}] * 2)
    matches = []
    for i in range(6):
        m = new_match([players[i % 4]], [players[(i + 1) % 4]], discipline="pool_9", fmt=fmt)
        Match.objects.filter(pk=m.pk).update(
            state=state,
            status="finished",
            winner_side=0,
            finished_at=NOW - timedelta(minutes=60 - i),
            version=2,
            result_status="confirmed",
        )
        matches.append(m)
    barrier, errors = threading.Barrier(len(matches)), []

    def run(match_id):
        barrier.wait()
        try:
            services.match_stats_apply(match_id=match_id)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(m.pk,)) for m in reversed(matches)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    fields = ("player_id", "match_id", "mu_before", "mu_after", "sigma_after")
    incremental = sorted(PlayerMatch.objects.values_list(*fields))
    services.stats_rebuild()
    assert sorted(PlayerMatch.objects.values_list(*fields)) == incremental
    assert len(incremental) == 12
