"""Factories of live scoring: matches with their two sides (players or guests)."""

import uuid

import factory

from games import rules
from games.models import Match, MatchEvent, MatchSide

__all__ = ["MatchFactory", "add_event", "make_match"]


class MatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Match

    discipline = "pool_9"
    format = factory.LazyAttribute(lambda o: rules.validate_format(o.discipline, {"race_to": 2}))
    state = factory.LazyAttribute(lambda o: rules.initial(o.discipline, o.format))
    visibility = Match.Visibility.PUBLIC


def make_match(*sides, discipline="pool_9", fmt=None, **kwargs) -> Match:
    """A live match whose sides are lists of users or a guest name (str)."""
    fmt = rules.validate_format(discipline, fmt or {"race_to": 2})
    match = MatchFactory(discipline=discipline, format=fmt, **kwargs)
    for index, side in enumerate(sides):
        if isinstance(side, str):
            MatchSide.objects.create(match=match, index=index, guest_name=side)
        else:
            ms = MatchSide.objects.create(match=match, index=index)
            ms.players.set(side)
    return match


def add_event(match: Match, event: dict, actor=None) -> MatchEvent:
    """Append through the service (the only way events are written)."""
    from games.scoring.services import match_event_append

    match.refresh_from_db()
    actor = actor or match.sides.get(index=0).players.first()
    result = match_event_append(
        match_id=match.pk,
        actor=actor,
        event=event,
        expected_version=match.version,
        client_event_id=uuid.uuid4(),
    )
    match.refresh_from_db()
    return result.event
