"""JSON shapes of live scoring, shared by the API, the `match:<id>` topic and the TV page."""

from __future__ import annotations

from rest_framework import serializers

from games.models import Match, MatchEvent
from games.rules import DISCIPLINES
from games.scoring import selectors


def side_data(side) -> dict:
    players = [{"id": p.pk, "display_name": p.display_name} for p in side.players.all()]
    return {
        "index": side.index,
        "players": players,
        "guest": side.guest_name or None,
        "label": side.guest_name or " & ".join(p["display_name"] for p in players),
    }


def match_data(match: Match, *, user=None) -> dict:
    """The match as the API and the topic snapshot show it (expects `selectors.match_get`)."""
    table = match.table
    return {
        "id": match.pk,
        "discipline": match.discipline,
        "discipline_label": str(match.get_discipline_display()),
        "format": match.format,
        "visibility": match.visibility,
        "status": match.status,
        "winner": match.winner_side,
        "version": match.version,
        "state": match.state,
        "sides": [side_data(s) for s in match.sides.all()],
        "club": match.club_id,
        "table": ({"id": table.pk, "number": table.number, "name": str(table)} if table else None),
        "created_at": match.created_at,
        "updated_at": match.updated_at,
        "finished_at": match.finished_at,
        "can_score": selectors.match_can_score(match=match, user=user),
    }


def event_data(event: MatchEvent) -> dict:
    return {
        "seq": event.seq,
        "type": event.type,
        "payload": event.payload,
        "actor": event.actor_id,
        "client_event_id": str(event.client_event_id),
        "voids": event.voids.seq if event.voids_id else None,
        "voided": bool(getattr(event, "voided", False)),
        "created_at": event.created_at,
    }


# --- input -------------------------------------------------------------------------------------


class MatchCreateInput(serializers.Serializer):
    discipline = serializers.ChoiceField(choices=DISCIPLINES)
    format = serializers.JSONField()
    sides = serializers.JSONField()
    table = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    visibility = serializers.ChoiceField(
        choices=Match.Visibility.choices, default=Match.Visibility.PUBLIC
    )


class EventEnvelopeInput(serializers.Serializer):
    """The envelope of an event write; the event's own fields are checked by the engine."""

    type = serializers.CharField(max_length=32)
    expected_version = serializers.IntegerField(min_value=0)
    client_event_id = serializers.UUIDField()


class UndoInput(serializers.Serializer):
    expected_version = serializers.IntegerField(min_value=0)
    client_event_id = serializers.UUIDField()


class MatchListInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Match.Status.choices, required=False)
    club = serializers.IntegerField(required=False, min_value=1)
    mine = serializers.BooleanField(required=False, default=False)


class PlayerSearchInput(serializers.Serializer):
    q = serializers.CharField(max_length=64, allow_blank=True, required=False, default="")
