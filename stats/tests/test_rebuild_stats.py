"""`rebuild_stats` reproduces the incremental results exactly; `rating_report` reads the DB."""

import uuid
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from stats.models import Achievement, PlayerMatch, PlayerStats, ProcessedMatch, Rating
from stats.tests.factories import append, new_match, staff_actor

T0 = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
ROW_FIELDS = [f.name for f in PlayerMatch._meta.fields if f.name != "id"]
STATS_FIELDS = [f.name for f in PlayerStats._meta.fields if f.name not in ("id", "updated_at")]
RATING_FIELDS = [f.name for f in Rating._meta.fields if f.name not in ("id", "updated_at")]


def snapshot():
    return (
        sorted(PlayerMatch.objects.values_list(*ROW_FIELDS)),
        sorted(PlayerStats.objects.values_list(*STATS_FIELDS)),
        sorted(Rating.objects.values_list(*RATING_FIELDS)),
        sorted(ProcessedMatch.objects.values_list("match_id", "fingerprint")),
    )


def play(on_commit, a, b, events, *, at, discipline="pool_9", fmt=None):
    with time_machine.travel(at, tick=False):
        match = new_match(a, b, discipline=discipline, fmt=fmt or {"race_to": 2})
    for i, event in enumerate(events):
        with time_machine.travel(at + timedelta(minutes=7 * (i + 1)), tick=False):
            on_commit(append, match, event)
    return match


def rack(side):
    return {"type": "rack", "side": side}


@pytest.fixture
def mixed_history(on_commit, ann, ivan, olga, petr):
    at = T0
    out = []
    for i, (a, b, winners) in enumerate(
        [
            ([ann], [ivan], "00"),
            ([olga], [ann], "011"),
            ([ann, petr], [ivan, olga], "10 1".replace(" ", "")),
            ([ivan], "Guest", "11"),
            ([petr], [olga], "0101"[:3]),
        ]
    ):
        out.append(
            play(on_commit, a, b, [rack(int(w)) for w in winners], at=at + timedelta(hours=i))
        )
    # Pyramid: Ann clears a frame 8-0, then wins the second 8-5 with fouls on both sides.
    out.append(
        play(
            on_commit,
            [ann],
            [ivan],
            [
                {"type": "pot", "side": 0, "count": 8},
                {"type": "pot", "side": 1, "count": 5},
                {"type": "foul", "side": 1},
                {"type": "pot", "side": 0, "count": 4},
                {"type": "foul", "side": 0},
                {"type": "pot", "side": 1, "count": 1},
                {"type": "end_turn", "side": 1},
                {"type": "pot", "side": 0, "count": 5},
            ],
            at=T0 + timedelta(hours=8),
            discipline="pyramid_moscow",
        )
    )
    # An undo (by staff: a player's needs the other side) that reopens an old match, which then
    # finishes again the other way.
    from games.scoring.services import match_undo

    first = out[0]
    first.refresh_from_db()
    on_commit(
        match_undo,
        match_id=first.pk,
        actor=staff_actor(),
        expected_version=first.version,
        client_event_id=uuid.uuid4(),
    )
    with time_machine.travel(T0 + timedelta(hours=9), tick=False):
        on_commit(append, first, rack(1))
        on_commit(append, first, rack(1))
    return out


def test_rebuild_reproduces_the_incremental_rows_exactly(mixed_history):
    incremental = snapshot()
    assert len(incremental[0]) == 13
    call_command("rebuild_stats", "--no-progress", stdout=StringIO(), stderr=StringIO())
    assert snapshot() == incremental


def test_rebuild_after_rows_were_lost_restores_them(mixed_history):
    incremental = snapshot()
    PlayerMatch.objects.all().delete()
    Rating.objects.all().delete()
    call_command("rebuild_stats", "--no-progress", stdout=StringIO(), stderr=StringIO())
    assert snapshot() == incremental


def test_the_pyramid_match_counts_fouls_and_the_clean_frame(mixed_history, ann, ivan):
    stats = PlayerStats.objects.get(player=ann, scope="pyramid")
    assert (stats.matches_won, stats.frames_won, stats.frames) == (1, 2, 2)
    assert (stats.fouls, stats.clean_frames) == (1, 1)
    assert stats.fouls_per_frame == 0.5
    assert PlayerStats.objects.get(player=ivan, scope="pyramid").fouls == 1
    assert Achievement.objects.filter(player=ann, code="pyramid_8_0").exists()


def test_rebuild_keeps_awards_and_adds_none_twice(mixed_history, ann):
    before = sorted(Achievement.objects.values_list("player_id", "code"))
    call_command("rebuild_stats", "--no-progress", stdout=StringIO(), stderr=StringIO())
    assert sorted(Achievement.objects.values_list("player_id", "code")) == before
    assert "first_win" in {c for p, c in before if p == ann.pk}


def test_rating_report_prints_the_three_systems(mixed_history):
    out = StringIO()
    call_command("rating_report", stdout=out)
    text = out.getvalue()
    assert "openskill-thurstone-mosteller" in text
    assert "always-50%" in text and "elo-k32" in text
    assert "== pool:" in text and "calibration of" in text
