"""The stats demo hook: a seeded history that the stats are rebuilt from; running it twice adds
nothing."""

from django.core.management import call_command

from games.models import Club, Match
from stats import demo_data
from stats.models import PlayerMatch, PlayerStats, Rating


def test_the_demo_history_is_rated_and_idempotent(db, monkeypatch):
    monkeypatch.setattr(demo_data, "MATCHES", 24)
    monkeypatch.setattr(demo_data, "SESSION_DAYS", 2)
    call_command("seed_demo", "--production", verbosity=0)
    finished = Match.objects.filter(status="finished").count()
    assert finished >= 20
    assert PlayerMatch.objects.count() == 2 * finished
    assert Rating.objects.exists()
    assert PlayerStats.objects.filter(scope="overall", play_seconds__gt=0).exists()
    club = Club.objects.get()
    demo_data.stats_demo(club=club)
    assert Match.objects.filter(status="finished").count() == finished


def test_every_simulated_discipline_ends_its_match():
    import random

    rng = random.Random(1)
    for discipline, _w, fmt in demo_data.DISCIPLINES:
        assert demo_data.simulate(discipline, fmt, (0.3, -0.3), rng), discipline
