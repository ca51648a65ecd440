"""Factories of the stats tests: players, and matches played through the scoring service (so
the log, the state and the signals are the real ones)."""

import uuid

from accounts.tests.factories import UserFactory
from games import rules
from games.models import Match
from games.tests.factories import (  # noqa: F401 - re-exported for the stats tests
    ClubFactory,
    TableFactory,
    TableSessionFactory,
)
from games.tests.scoring.factories import make_match


def new_match(side_a, side_b, *, discipline="pool_9", fmt=None, **kwargs) -> Match:
    """A live match; a side is a list of users or a guest name."""
    return make_match(side_a, side_b, discipline=discipline, fmt=fmt, **kwargs)


def staff_actor():
    return UserFactory(username="stats-desk", is_staff=True)


def append(match: Match, event: dict, actor=None):
    from games.scoring.services import match_event_append

    match.refresh_from_db()
    result = match_event_append(
        match_id=match.pk,
        actor=actor or staff_actor(),
        event=event,
        expected_version=match.version,
        client_event_id=uuid.uuid4(),
    )
    match.refresh_from_db()
    return result


def racks(match: Match, winners: str, actor=None) -> Match:
    """Pool: one `rack` event per character of `winners` ("0" / "1")."""
    for w in winners:
        append(match, {"type": "rack", "side": int(w)}, actor)
    return match


def finished_match(
    side_a, side_b, winners: str, *, at, discipline="pool_9", race_to=2, result_status=None, **kw
):
    """A finished pool match written directly (no event log; its result confirmed unless
    `result_status` says otherwise), then applied to stats."""
    from stats import services

    fmt = rules.validate_format(discipline, {"race_to": race_to})
    state = rules.fold(discipline, fmt, [{"type": "rack", "side": int(w)} for w in winners])
    match = new_match(side_a, side_b, discipline=discipline, fmt=fmt, **kw)
    Match.objects.filter(pk=match.pk).update(
        state=state,
        status=Match.Status.FINISHED,
        winner_side=state["winner"],
        finished_at=at,
        version=len(winners),
        result_status=result_status or Match.ResultStatus.CONFIRMED,
    )
    services.match_stats_apply(match_id=match.pk)
    match.refresh_from_db()
    return match
