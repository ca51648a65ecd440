"""Demo matches (a `seed_demo` hook): one live public match at table 1, two finished ones.

Idempotent: nothing is added when the club already has matches. Every event goes through the
scoring services, so the demo log, state and versions are exactly what real scoring produces.
"""

import uuid

import structlog
from django.contrib.auth import get_user_model

from games.demo import demo_hook
from games.models import Match, Table
from games.scoring import services

logger = structlog.get_logger(__name__)

# (side 0, side 1, discipline, format, table number, events)
DEMO_MATCHES = [
    (
        "ivan",
        "maria",
        "pool_9",
        {"race_to": 3},
        8,
        [("rack", 0), ("foul", 1), ("rack", 1), ("rack", 0), ("rack", 0)],
    ),
    (
        "dmitry",
        "kate",
        "pool_8",
        {"race_to": 2},
        9,
        [("rack", 1), ("rack", 0), ("rack", 1)],
    ),
    # Live: Ann and Oleg are in the demo session at table 1.
    (
        "ann",
        "oleg",
        "pyramid_moscow",
        {"race_to": 3},
        1,
        [("pot", 0), ("pot", 0), ("end_turn", 0), ("pot", 1), ("foul", 1), ("pot", 0)],
    ),
]


def _event(kind: str, side: int) -> dict:
    event = {"type": kind, "side": side}
    if kind == "pot":
        event["count"] = 1
    return event


@demo_hook
def scoring_demo(*, club) -> None:
    if Match.objects.filter(club=club).exists():
        return
    users = {u.username: u for u in get_user_model().objects.all()}
    tables = {t.number: t for t in Table.objects.filter(club=club)}
    for a, b, discipline, fmt, number, events in DEMO_MATCHES:
        if a not in users or b not in users:
            logger.info("demo_match_skipped", reason="players missing", players=[a, b])
            continue
        table = tables.get(number)
        match = services.match_create(
            creator=users[a],
            discipline=discipline,
            format=fmt,
            sides=[{"players": [users[a].pk]}, {"players": [users[b].pk]}],
            table_id=table.pk if table else None,
            visibility=Match.Visibility.PUBLIC,
        )
        if table is None:
            Match.objects.filter(pk=match.pk).update(club=club)
        for version, (kind, side) in enumerate(events):
            services.match_event_append(
                match_id=match.pk,
                actor=users[a],
                event=_event(kind, side),
                expected_version=version,
                client_event_id=uuid.uuid4(),
            )
