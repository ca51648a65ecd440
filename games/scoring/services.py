"""Writes of live scoring: start a match, append events to its log, undo, correct, abandon, rebuild.

Every write that touches a match runs in one transaction with the match row locked
(`select_for_update`), so two scorers serialise: the second one sees the first one's version and
gets 409 `version_conflict` with the current state. Inside that lock:

* a repeated `client_event_id` is answered with the stored event (200, nothing applied);
* `expected_version` must equal the match's version (the last seq);
* the event is applied by the rules engine, stored with the next seq and the resulting state,
  and the match's state / version / status / winner are saved;
* the update is published on the `match:<id>` topic (sent after commit, version = seq);
* finishing or reopening sends the domain signals of `games.scoring.signals` (in-transaction).

The unique constraints `(match, seq)` and `(match, client_event_id)` are the last line of defence
(a write that somehow bypassed the lock): the insert runs in a savepoint and an IntegrityError is
answered with the stored event or a version conflict, never a 500.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, NotAllowed, NotFound, Unprocessable
from core.metrics import MATCH_EVENTS
from games import rules
from games.models import Match, MatchEvent, MatchSide, Table, TableSession
from games.scoring import results, selectors
from games.scoring.errors import ScoringError
from games.scoring.serializers import event_data, legal_data
from games.scoring.signals import match_finished, match_reopened
from games.scoring.topics import MatchTopic
from realtime import broadcast

MAX_PLAYERS_PER_SIDE = 2
GUEST_NAME_MAX = 64
#: Event types only staff may send.
STAFF_EVENT_TYPES = frozenset({MatchEvent.Type.CORRECTION, MatchEvent.Type.ABANDON})
#: Fields of a request that are not part of the engine's event.
ENVELOPE_FIELDS = frozenset({"expected_version", "client_event_id"})

MSG_NOT_FOUND = "This match does not exist."
MSG_NOT_ALLOWED_SCORE = "Only the players of this match and club staff may score it."
MSG_STAFF_ONLY = "Only club staff may do this."
MSG_NOT_A_PLAYER = "You can only start a match you play in."
MSG_VERSION_CONFLICT = "The match has changed since you last saw it."
MSG_FINISHED = "The match is over; only an agreed undo or a staff correction can change it."
MSG_ABANDONED = "The match was abandoned."
MSG_ILLEGAL = "This event is not allowed here: %(detail)s"
MSG_NOTHING_TO_UNDO = "There is nothing to undo."
MSG_INVALID_FORMAT = "The match format is not valid for this discipline: %(detail)s"
MSG_SIDES = "A match has exactly two sides."
MSG_SIDE_SHAPE = "Each side is either one or two registered players or one guest name."
MSG_UNKNOWN_PLAYER = "Unknown player."
MSG_BOTH_SIDES = "A player cannot be on both sides."
MSG_TABLE = "Unknown table."


@dataclass
class EventResult:
    """What an event write answers: the event, the match after it, and whether it was new."""

    event: MatchEvent
    match: Match
    created: bool

    @property
    def version(self) -> int:
        return self.event.seq

    @property
    def state(self) -> dict:
        return self.event.state_after


# --- starting a match ------------------------------------------------------------------------


def match_create(
    *,
    creator,
    discipline: str,
    format: dict,  # noqa: A002 - the API's field name
    sides: list[dict],
    table_id: int | None = None,
    visibility: str = Match.Visibility.PUBLIC,
) -> Match:
    """Start a match at version 0.

    `sides`: two dicts, each `{"players": [user ids]}` (1–2 registered, active users) or
    `{"guest": "name"}`. The creator must be one of the players unless they are staff. The table
    is the given one, or the one of the open table session the creator plays in (if any).

    Raises ScoringError (400: `invalid_format`, `invalid_sides`, `unknown_player`,
    `player_on_both_sides`, `unknown_table`) and NotAllowed (403 `not_a_player`).
    """
    try:
        fmt = rules.validate_format(discipline, format)
        state = rules.initial(discipline, fmt)
    except rules.InvalidFormat as exc:
        raise ScoringError(
            _(MSG_INVALID_FORMAT) % {"detail": exc.detail}, code="invalid_format", reason=exc.reason
        ) from exc
    parsed = _parse_sides(sides)
    staff = selectors.user_is_staff(creator)
    player_ids = {pk for side in parsed if isinstance(side, list) for pk in side}
    if not staff and creator.pk not in player_ids:
        raise NotAllowed(_(MSG_NOT_A_PLAYER), code="not_a_player")

    table = session = None
    if table_id is not None:
        table = Table.objects.select_related("club").filter(pk=table_id).first()
        if table is None:
            raise ScoringError(_(MSG_TABLE), code="unknown_table")
        session = TableSession.objects.filter(table=table, ended_at__isnull=True).first()
    else:
        session = selectors.open_session_for(user=creator)
        table = session.table if session else None

    with transaction.atomic():
        match = Match.objects.create(
            discipline=discipline,
            format=fmt,
            club=table.club if table else None,
            table=table,
            session=session,
            visibility=visibility,
            state=state,
            version=0,
            created_by=creator,
        )
        for index, side in enumerate(parsed):
            if isinstance(side, str):
                MatchSide.objects.create(match=match, index=index, guest_name=side)
            else:
                ms = MatchSide.objects.create(match=match, index=index)
                ms.players.set(side)
    return selectors.match_get(match_id=match.pk)


def _parse_sides(sides) -> list[list[int] | str]:
    if not isinstance(sides, list) or len(sides) != 2:
        raise ScoringError(_(MSG_SIDES), code="invalid_sides")
    parsed: list[list[int] | str] = []
    for side in sides:
        if not isinstance(side, dict) or len(side) != 1:
            raise ScoringError(_(MSG_SIDE_SHAPE), code="invalid_sides")
        if "guest" in side:
            name = side["guest"]
            if not isinstance(name, str) or not name.strip() or len(name.strip()) > GUEST_NAME_MAX:
                raise ScoringError(_(MSG_SIDE_SHAPE), code="invalid_sides")
            parsed.append(name.strip())
            continue
        players = side.get("players")
        if (
            not isinstance(players, list)
            or not 1 <= len(players) <= MAX_PLAYERS_PER_SIDE
            or any(type(p) is not int for p in players)
            or len(set(players)) != len(players)
        ):
            raise ScoringError(_(MSG_SIDE_SHAPE), code="invalid_sides")
        parsed.append(players)
    lists = [s for s in parsed if isinstance(s, list)]
    if len(lists) == 2 and set(lists[0]) & set(lists[1]):
        raise ScoringError(_(MSG_BOTH_SIDES), code="player_on_both_sides")
    wanted = {pk for s in lists for pk in s}
    found = set(
        get_user_model().objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True)
    )
    if wanted - found:
        raise ScoringError(
            _(MSG_UNKNOWN_PLAYER), code="unknown_player", players=sorted(wanted - found)
        )
    return parsed


# --- the event log -------------------------------------------------------------------------------


def match_event_append(
    *,
    match_id: int,
    actor,
    event: dict,
    expected_version: int,
    client_event_id: uuid.UUID,
) -> EventResult:
    """Apply one scoring event (`{"type", ...fields}`) to the match.

    Raises NotFound (404), NotAllowed (403 `permission_denied` / `staff_only`), Conflict (409
    `version_conflict` with `version` and `state`, `match_finished`, `match_abandoned`) and
    Unprocessable (422 `illegal_event` with the engine's `reason`). A repeated
    `client_event_id` returns the stored event with `created=False`.
    """
    payload = {k: v for k, v in event.items() if k not in ENVELOPE_FIELDS}
    if payload.get("type") == MatchEvent.Type.UNDO:
        if set(payload) - {"type"}:
            raise Unprocessable(
                _(MSG_ILLEGAL) % {"detail": "undo has no fields"},
                code="illegal_event",
                reason=rules.base.UNKNOWN_FIELD,
            )
        return match_undo(
            match_id=match_id,
            actor=actor,
            expected_version=expected_version,
            client_event_id=client_event_id,
        )
    with transaction.atomic():
        match = _lock(match_id)
        _check_can_score(match, actor)
        existing = selectors.match_event_by_client_id(match=match, client_event_id=client_event_id)
        if existing is not None:
            return EventResult(event=existing, match=match, created=False)
        etype = payload.get("type")
        staff = selectors.user_is_staff(actor)
        if etype in STAFF_EVENT_TYPES and not staff:
            raise NotAllowed(_(MSG_STAFF_ONLY), code="staff_only")
        _check_version(match, expected_version)
        if match.status == Match.Status.ABANDONED:
            raise Conflict(_(MSG_ABANDONED), code="match_abandoned")
        if match.status == Match.Status.FINISHED and etype != MatchEvent.Type.CORRECTION:
            raise Conflict(_(MSG_FINISHED), code="match_finished")
        try:
            state = rules.apply(match.discipline, match.state, payload)
        except rules.IllegalEvent as exc:
            raise Unprocessable(
                _(MSG_ILLEGAL) % {"detail": exc.detail}, code="illegal_event", reason=exc.reason
            ) from exc
        return _record(
            match, actor=actor, etype=etype, payload=payload, state=state, cid=client_event_id
        )


def match_undo(
    *, match_id: int, actor, expected_version: int, client_event_id: uuid.UUID
) -> EventResult:
    """Append an `undo` event voiding the latest effective event (not an undo, not voided); the
    state is the engine folded over the remaining effective events. Undoing the event that
    finished the match reopens it. Only staff may undo a staff event (correction, abandon) or
    anything in an abandoned match.

    Raises what `match_event_append` raises; 422 `illegal_event` reason `nothing_to_undo`.
    """
    with transaction.atomic():
        match = _lock(match_id)
        _check_can_score(match, actor)
        existing = selectors.match_event_by_client_id(match=match, client_event_id=client_event_id)
        if existing is not None:
            return EventResult(event=existing, match=match, created=False)
        _check_version(match, expected_version)
        staff = selectors.user_is_staff(actor)
        if match.status == Match.Status.ABANDONED and not staff:
            raise Conflict(_(MSG_ABANDONED), code="match_abandoned")
        effective = list(selectors.match_effective_events(match=match))
        if not effective:
            raise Unprocessable(
                _(MSG_NOTHING_TO_UNDO), code="illegal_event", reason="nothing_to_undo"
            )
        target = effective[-1]
        if target.type in STAFF_EVENT_TYPES and not staff:
            raise NotAllowed(_(MSG_STAFF_ONLY), code="staff_only")
        refused = _reopen_refused(match, actor=actor, staff=staff)
        if not refused:
            state = _fold(match, effective[:-1])
            return _record(
                match,
                actor=actor,
                etype=MatchEvent.Type.UNDO,
                payload={},
                state=state,
                cid=client_event_id,
                voids=target,
            )
    # Raised after the commit: the request to reopen is kept, the match stays finished.
    raise results.reopen_refused()


def _reopen_refused(match: Match, *, actor, staff: bool) -> bool:
    """Whether a player's undo of a finished match must wait for the other side: it is then
    recorded as their side's request to reopen (the other side is told). The other side's undo,
    or staff's, reopens it. A match with a guest side has nobody to ask (undo as before)."""
    if match.status != Match.Status.FINISHED or staff:
        return False
    match = selectors.match_get(match_id=match.pk) or match  # the sides, prefetched
    if not results.both_sides_registered(match):
        return False
    side = results.player_side(match, actor)
    if side is None:
        return False
    if match.reopen_side is not None and match.reopen_side != side:
        return False
    results.reopen_request(match, actor=actor, side=side)
    return True


def match_correct(
    *, match_id: int, actor, frames: list[int] | None = None, score: list[int] | None = None
) -> EventResult:
    """Staff: correct the result by appending a `correction` event (history is never edited).
    Frame disciplines take `frames` (and optionally the current frame's `score`); straight pool
    takes `score` only. Applies at the match's current version."""
    payload: dict = {"type": MatchEvent.Type.CORRECTION.value}
    if frames is not None:
        payload["frames"] = list(frames)
    if score is not None:
        payload["score"] = list(score)
    match = Match.objects.filter(pk=match_id).only("version").first()
    if match is None:
        raise NotFound(_(MSG_NOT_FOUND))
    return match_event_append(
        match_id=match_id,
        actor=actor,
        event=payload,
        expected_version=match.version,
        client_event_id=uuid.uuid4(),
    )


def match_abandon(*, match_id: int, actor) -> EventResult:
    """Staff: abandon a live match (an `abandon` event; no winner, no result)."""
    match = Match.objects.filter(pk=match_id).only("version").first()
    if match is None:
        raise NotFound(_(MSG_NOT_FOUND))
    return match_event_append(
        match_id=match_id,
        actor=actor,
        event={"type": MatchEvent.Type.ABANDON.value},
        expected_version=match.version,
        client_event_id=uuid.uuid4(),
    )


def match_rebuild_state(*, match_id: int) -> bool:
    """Recompute the stored state, version, status and winner from the log. Returns whether
    anything differed. Sends no signals and publishes a snapshot-worthy update only if changed."""
    with transaction.atomic():
        match = _lock(match_id)
        effective = list(selectors.match_effective_events(match=match))
        state = _fold(match, effective)
        last = match.events.order_by("-seq").values_list("seq", flat=True).first() or 0
        before = (match.state, match.version, match.status, match.winner_side)
        _set_result(match, state)
        match.state = state
        match.version = last
        after = (match.state, match.version, match.status, match.winner_side)
        if before == after:
            return False
        match.save(
            update_fields=["state", "version", "status", "winner_side", "finished_at", "updated_at"]
        )
        return True


# --- internals -------------------------------------------------------------------------------


def _lock(match_id: int) -> Match:
    match = Match.objects.select_for_update().filter(pk=match_id).first()
    if match is None:
        raise NotFound(_(MSG_NOT_FOUND))
    return match


def _check_can_score(match: Match, actor) -> None:
    if not selectors.match_can_score(match=match, user=actor):
        raise NotAllowed(_(MSG_NOT_ALLOWED_SCORE))


def _check_version(match: Match, expected_version: int) -> None:
    if expected_version != match.version:
        raise Conflict(
            _(MSG_VERSION_CONFLICT),
            code="version_conflict",
            version=match.version,
            state=match.state,
            status=match.status,
        )


def _fold(match: Match, events) -> dict:
    return rules.fold(match.discipline, match.format, [e.payload for e in events])


def _set_result(match: Match, state: dict) -> None:
    if state.get("abandoned"):
        match.status = Match.Status.ABANDONED
        match.winner_side = None
    elif state.get("over"):
        match.status = Match.Status.FINISHED
        match.winner_side = state.get("winner")
    else:
        match.status = Match.Status.LIVE
        match.winner_side = None
    if match.status == Match.Status.LIVE:
        match.finished_at = None
    elif match.finished_at is None:
        match.finished_at = timezone.now()


def _record(
    match: Match,
    *,
    actor,
    etype: str,
    payload: dict,
    state: dict,
    cid: uuid.UUID,
    voids: MatchEvent | None = None,
) -> EventResult:
    """Store the event at the next seq and the match after it; publish; signal. Runs inside the
    caller's transaction with the match row locked."""
    seq = match.version + 1
    try:
        with transaction.atomic():  # a savepoint: the outer transaction survives a clash
            event = MatchEvent.objects.create(
                match=match,
                seq=seq,
                type=etype,
                payload=payload if etype != MatchEvent.Type.UNDO else {},
                actor=actor if actor is not None and actor.is_authenticated else None,
                client_event_id=cid,
                voids=voids,
                state_after=state,
            )
    except IntegrityError:
        # Only reachable if a writer bypassed the row lock: answer like the lock would have.
        stored = selectors.match_event_by_client_id(match=match, client_event_id=cid)
        if stored is not None:
            return EventResult(event=stored, match=match, created=False)
        match.refresh_from_db()
        _check_version(match, -1)
        raise

    was_status, was_winner = match.status, match.winner_side
    _set_result(match, state)
    match.state = state
    match.version = seq
    finished = Match.Status.FINISHED
    # A finished result, new or changed by a staff correction (even with the same winner).
    resulted = match.status == finished and (
        was_status != finished or match.winner_side != was_winner or etype == "correction"
    )
    if resulted:
        results.result_on_finish(match, actor=actor, etype=etype)
    elif was_status == finished and match.status != finished:
        results.result_on_reopen(match, actor=actor)
    match.save(
        update_fields=[
            "state",
            "version",
            "status",
            "winner_side",
            "finished_at",
            "updated_at",
            *results.RESULT_FIELDS,
        ]
    )
    discipline = match.discipline
    transaction.on_commit(lambda: MATCH_EVENTS.labels(discipline).inc())
    _publish(match, event)

    if was_status == finished and (match.status != finished or match.winner_side != was_winner):
        match_reopened.send(sender=Match, match=match, previous_winner=was_winner)
    if resulted:
        match_finished.send(sender=Match, match=match)
    return EventResult(event=event, match=match, created=True)


def _publish(match: Match, event: MatchEvent) -> None:
    broadcast.publish(
        MatchTopic.name(match.pk),
        version=event.seq,
        data={
            "state": match.state,
            "legal": legal_data(match.discipline, match.state),
            "event": event_data(event),
            "status": match.status,
            "winner": match.winner_side,
        },
    )
