"""What counts: only confirmed results move stats, ratings, leaderboards, head-to-head and
achievements; every correction recomputes; a rebuild reproduces the incremental state."""

import contextlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from games.models import Match
from games.scoring import results
from games.scoring.services import match_correct
from games.tests.scoring.conftest import client_for
from stats import selectors
from stats.management.commands.rating_report import history_frames
from stats.models import Achievement, PlayerMatch, PlayerStats, ProcessedMatch, Rating
from stats.tests.factories import TableFactory, TableSessionFactory, append, new_match, staff_actor

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def counted(user):
    """Everything the stats hold about `user`."""
    return {
        "rows": PlayerMatch.objects.filter(player=user).count(),
        "stats": PlayerStats.objects.filter(player=user).count(),
        "ratings": Rating.objects.filter(player=user).count(),
        "achievements": Achievement.objects.filter(player=user).count(),
    }


NOTHING = {"rows": 0, "stats": 0, "ratings": 0, "achievements": 0}


def leaderboard_ids():
    return [row.player.pk for row in selectors.leaderboard(family="pool").rows]


@pytest.fixture
def attack(on_commit, olga, ivan):
    """Mallory (Olga) starts a private 9-ball match against Ivan by his id and concedes it for
    him, all through the API."""
    mallory = client_for(olga)
    created = mallory.post(
        "/api/matches/",
        {
            "discipline": "pool_9",
            "format": {"race_to": 3},
            "sides": [{"players": [olga.pk]}, {"players": [ivan.pk]}],
            "visibility": "private",
        },
        format="json",
    )
    assert created.status_code == 201
    match_id = created.json()["id"]
    conceded = on_commit(
        mallory.post,
        f"/api/matches/{match_id}/events/",
        {
            "type": "concede_match",
            "side": 1,
            "expected_version": 0,
            "client_event_id": str(uuid.uuid4()),
        },
        format="json",
    )
    assert conceded.status_code == 201
    assert conceded.json()["status"] == "finished"
    return Match.objects.get(pk=match_id)


def test_the_attack_leaves_the_victims_record_untouched(attack, ivan, olga):
    assert attack.result_status == Match.ResultStatus.PENDING
    assert counted(ivan) == NOTHING
    assert counted(olga) == NOTHING
    assert leaderboard_ids() == []
    h2h = selectors.head_to_head(player_id=ivan.pk, other_id=olga.pk, viewer=ivan)
    assert h2h is None or h2h.overall["matches"] == 0


def test_the_victims_confirmation_counts_it(on_commit, attack, ivan, olga):
    on_commit(client_for(ivan).post, f"/api/matches/{attack.pk}/confirm/", {}, format="json")

    assert counted(ivan)["rows"] == 1
    assert PlayerStats.objects.get(player=ivan, scope="overall").matches == 1
    assert Rating.objects.filter(player=ivan, family="pool").exists()
    assert sorted(leaderboard_ids()) == sorted([ivan.pk, olga.pk])
    assert Achievement.objects.filter(player=olga, code="first_win").exists()
    h2h = selectors.head_to_head(player_id=ivan.pk, other_id=olga.pk, viewer=ivan)
    assert (h2h.overall["matches"], h2h.overall["losses"]) == (1, 1)


def test_confirming_twice_counts_once(on_commit, attack, ivan):
    ivan_api = client_for(ivan)
    on_commit(ivan_api.post, f"/api/matches/{attack.pk}/confirm/", {}, format="json")
    again = on_commit(ivan_api.post, f"/api/matches/{attack.pk}/confirm/", {}, format="json")

    assert again.status_code == 200
    assert PlayerMatch.objects.filter(match=attack).count() == 2  # one row per player
    assert PlayerStats.objects.get(player=ivan, scope="overall").matches == 1


def test_a_disputed_then_voided_result_never_counts(on_commit, attack, ivan, olga):
    on_commit(client_for(ivan).post, f"/api/matches/{attack.pk}/dispute/", {}, format="json")
    assert counted(ivan) == NOTHING

    on_commit(results.match_result_void, match_id=attack.pk, actor=staff_actor())

    assert counted(ivan) == NOTHING
    assert counted(olga) == NOTHING
    assert leaderboard_ids() == []


def test_a_void_after_confirmation_takes_the_result_back(on_commit, attack, ivan):
    on_commit(client_for(ivan).post, f"/api/matches/{attack.pk}/confirm/", {}, format="json")

    on_commit(results.match_result_void, match_id=attack.pk, actor=staff_actor())

    assert counted(ivan) == NOTHING
    assert not ProcessedMatch.objects.filter(match=attack).exists()


def test_a_shared_table_session_counts_without_a_confirmation(on_commit, ann, ivan):
    table = TableFactory(number=9, kind="pool")
    with time_machine.travel(T0, tick=False):
        TableSessionFactory(table=table, started_at=T0, players=[ann, ivan])
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        match = new_match([ann], [ivan], table=table, club=table.club)
        for _ in range(2):
            on_commit(append, match, {"type": "rack", "side": 0}, ann)

    assert match.result_status == Match.ResultStatus.CONFIRMED
    assert PlayerStats.objects.get(player=ivan, scope="overall").matches == 1


def test_a_correction_with_the_same_winner_changes_the_frames_won(on_commit, ann, ivan):
    desk = staff_actor()
    match = new_match([ann], [ivan])
    for _ in range(2):
        on_commit(append, match, {"type": "rack", "side": 0}, desk)
    assert PlayerStats.objects.get(player=ivan, scope="pool").frames_won == 0

    on_commit(match_correct, match_id=match.pk, actor=desk, frames=[2, 1])

    stats = PlayerStats.objects.get(player=ivan, scope="pool")
    assert (stats.frames, stats.frames_won) == (3, 1)
    assert PlayerStats.objects.get(player=ann, scope="pool").frames_won == 2


def test_the_rating_report_reads_confirmed_results_only(on_commit, attack, ivan):
    assert history_frames("pool") == []

    on_commit(client_for(ivan).post, f"/api/matches/{attack.pk}/confirm/", {}, format="json")

    assert {f.match_id for f in history_frames("pool")} == {attack.pk}


# --- rebuild -------------------------------------------------------------------------------------
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


def test_rebuild_reproduces_confirmations_that_arrived_out_of_order(on_commit, ann, ivan, olga):
    """Three player-scored matches; the newest is confirmed first, the oldest last (each
    confirmation replays the family from its match's place), one stays pending, one is voided."""
    played = []
    for i, (a, b, w) in enumerate(
        [([ann], [ivan], 0), ([ivan], [olga], 1), ([olga], [ann], 0), ([ann], [olga], 1)]
    ):
        at = T0 + timedelta(hours=i)
        with time_machine.travel(at, tick=False):
            match = new_match(a, b)
        for k in range(2):
            with time_machine.travel(at + timedelta(minutes=10 * (k + 1)), tick=False):
                on_commit(append, match, {"type": "rack", "side": w}, a[0])
        played.append(match)
    m1, m2, m3, m4 = played
    confirmers = {m1.pk: ivan, m2.pk: olga, m3.pk: ann}
    for match in (m3, m2, m1):
        on_commit(results.match_result_confirm, match_id=match.pk, actor=confirmers[match.pk])
    on_commit(results.match_result_void, match_id=m4.pk, actor=staff_actor())
    incremental = snapshot()
    assert PlayerStats.objects.get(player=ann, scope="overall").matches == 2

    call_command("rebuild_stats", "--no-progress", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert snapshot() == incremental


SETTLEMENTS = ["confirm", "dispute", "void", "staff_confirm", "leave"]


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    order=st.permutations(range(4)),
    actions=st.lists(st.sampled_from(SETTLEMENTS), min_size=4, max_size=4),
    winners=st.lists(st.sampled_from([0, 1]), min_size=4, max_size=4),
)
def test_any_order_of_settlements_is_what_a_rebuild_gives(
    on_commit, ann, ivan, olga, order, actions, winners
):
    """Player-scored matches settled in any order, any way (some refused: a dispute after a
    confirmation, a confirmation after a void): the incremental stats equal a rebuild, and
    exactly the confirmed results are counted."""
    from core.errors import DomainError

    desk = staff_actor()
    pairs = [([ann], [ivan]), ([ivan], [olga]), ([olga], [ann]), ([ann], [olga])]
    played = []
    for (a, b), w in zip(pairs, winners, strict=True):
        match = new_match(a, b)
        for _ in range(2):
            on_commit(append, match, {"type": "rack", "side": w}, a[0])
        played.append((match, b[0]))
    for index, action in zip(order, actions, strict=True):
        match, other = played[index]
        call = {
            "confirm": lambda m=match, o=other: results.match_result_confirm(
                match_id=m.pk, actor=o
            ),
            "dispute": lambda m=match, o=other: results.match_result_dispute(
                match_id=m.pk, actor=o
            ),
            "void": lambda m=match: results.match_result_void(match_id=m.pk, actor=desk),
            "staff_confirm": lambda m=match: results.match_result_staff_confirm(
                match_id=m.pk, actor=desk
            ),
            "leave": lambda: None,
        }[action]
        with contextlib.suppress(DomainError):
            on_commit(call)
    incremental = snapshot()
    confirmed = set(
        Match.objects.filter(result_status="confirmed", status="finished").values_list(
            "pk", flat=True
        )
    )
    assert set(PlayerMatch.objects.values_list("match_id", flat=True)) == confirmed

    call_command("rebuild_stats", "--no-progress", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert snapshot() == incremental
