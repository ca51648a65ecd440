"""JSON shapes of live scoring, shared by the API, the `match:<id>` topic and the TV page."""

from __future__ import annotations

from rest_framework import serializers

from core.api import InputSerializer
from games import rules
from games.models import Match, MatchEvent, TableSession
from games.rules import DISCIPLINES
from games.scoring import results, selectors


def side_data(side) -> dict:
    players = [{"id": p.pk, "display_name": p.display_name} for p in side.players.all()]
    return {
        "index": side.index,
        "players": players,
        "guest": side.guest_name or None,
        "label": side.guest_name or " & ".join(p["display_name"] for p in players),
    }


def legal_data(discipline: str, state: dict) -> dict:
    """The legal next actions of `state` (the engine's `legal_actions`): what the scorer's pads
    offer. Derived from the state, never stored."""
    return rules.legal_actions(discipline, state)


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
        "legal": legal_data(match.discipline, match.state),
        "sides": [side_data(s) for s in match.sides.all()],
        "club": match.club_id,
        "table": ({"id": table.pk, "number": table.number, "name": str(table)} if table else None),
        "created_at": match.created_at,
        "updated_at": match.updated_at,
        "finished_at": match.finished_at,
        "can_score": selectors.match_can_score(match=match, user=user),
        "result_status": result_status(match),
        "result": result_data(match, user=user),
    }


def result_status(match: Match) -> str | None:
    """`pending`, `confirmed`, `disputed` or `void` for a finished match; None otherwise."""
    return match.result_status if match.status == Match.Status.FINISHED else None


def result_data(match: Match, *, user=None) -> dict | None:
    """Where the result stands and what `user` may do about it (None while not finished)."""
    if match.status != Match.Status.FINISHED:
        return None
    return {
        "status": match.result_status,
        "counts": match.result_counts,
        "scored_by_side": match.result_side,
        "awaiting_side": results.awaiting_side(match),
        "via": match.result_via or None,
        "settled_at": match.result_at,
        "reopen_side": match.reopen_side,
        "can_confirm": results.can_confirm(match=match, user=user),
        "can_dispute": results.can_dispute(match=match, user=user),
        "can_agree_reopen": results.can_agree_reopen(match=match, user=user),
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


def event_result_data(result) -> dict:
    """The answer to an event or an undo (`services.EventResult`): the new state and the event."""
    match = result.match
    return {
        "version": result.version,
        "state": result.state,
        "legal": legal_data(match.discipline, result.state),
        "event": event_data(result.event),
        "status": match.status,
        "winner": match.winner_side,
        "match_version": match.version,
    }


def events_data(match: Match, events: list[MatchEvent]) -> dict:
    """`GET /api/matches/<id>/events/`: the log (`selectors.match_events`) at the match's version."""
    return {"version": match.version, "results": [event_data(e) for e in events]}


def player_search_data(users) -> dict:
    """`GET /api/players/?q=`: the players found (`selectors.player_search`)."""
    return {
        "results": [
            {"id": u.pk, "display_name": u.display_name, "photo_url": u.photo_url} for u in users
        ]
    }


def play_context_data(session: TableSession | None, *, user) -> dict:
    """`GET /api/play/context/`: the open session `user` plays in (`selectors.open_session_for`),
    its table and club, and who `user` is."""
    table = session.table if session else None
    return {
        "session": session.pk if session else None,
        "table": (
            {"id": table.pk, "number": table.number, "name": str(table), "kind": table.kind}
            if table
            else None
        ),
        "club": table.club_id if table else None,
        "me": {"id": user.pk, "display_name": user.display_name},
    }


# --- input -------------------------------------------------------------------------------------


class MatchCreateInput(InputSerializer):
    discipline = serializers.ChoiceField(choices=DISCIPLINES)
    format = serializers.JSONField()
    sides = serializers.JSONField()
    table = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    visibility = serializers.ChoiceField(
        choices=Match.Visibility.choices, default=Match.Visibility.PUBLIC
    )


class EventEnvelopeInput(InputSerializer):
    """The envelope of an event write; the event's own fields are checked by the engine."""

    type = serializers.CharField(max_length=32)
    expected_version = serializers.IntegerField(min_value=0)
    client_event_id = serializers.UUIDField()


class UndoInput(InputSerializer):
    expected_version = serializers.IntegerField(min_value=0)
    client_event_id = serializers.UUIDField()


class ResultInput(InputSerializer):
    """`POST /api/matches/<id>/confirm/` and `/dispute/` (the reason only means something on a
    dispute)."""

    reason = serializers.CharField(
        max_length=results.REASON_MAX, required=False, allow_blank=True, default=""
    )


class MatchListInput(InputSerializer):
    status = serializers.ChoiceField(choices=Match.Status.choices, required=False)
    result = serializers.ChoiceField(choices=Match.ResultStatus.choices, required=False)
    club = serializers.IntegerField(required=False, min_value=1)
    mine = serializers.BooleanField(required=False, default=False)


class PlayerSearchInput(InputSerializer):
    q = serializers.CharField(max_length=64, allow_blank=True, required=False, default="")
