"""Result confirmation: a finished result counts only when the other side agrees.

A match between registered players on both sides finishes `pending` (stats, ratings,
leaderboards, head-to-head and achievements ignore it) until one of:

* a player of the other side than the one who finish-scored it confirms (`match_result_confirm`);
* staff confirm, correct or void it (`match_result_staff_confirm`, `services.match_correct`,
  `match_result_void`);
* the club's records show every player of both sides checked into one table session at that
  table, covering the match (decided when the match finishes: `result_on_finish`).

A side with a guest is confirmed at once (the guest has no record, and nobody's rating moves).
The other side may dispute a pending result instead (`match_result_dispute`): it then waits in
the staff queue of the admin. Every change sends `match_result_changed` inside its transaction,
which the stats (recount) and notifications (both sides are told) listen to.

Each service locks the match row and runs in one transaction; repeating an action that already
happened answers the match unchanged (a double tap, a retried request).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.errors import Conflict, NotAllowed, NotFound
from games.models import Match, MatchEvent, ResultReview, TableSession
from games.scoring import selectors
from games.scoring.signals import match_reopen_requested, match_result_changed
from realtime import broadcast

R = Match.ResultStatus
REASON_MAX = 500

# Marked for the catalogue here, translated where raised.
MSG_NOT_FOUND = gettext_noop("This match does not exist.")
MSG_NOT_FINAL = gettext_noop("The match has no final result yet.")
MSG_NOT_OTHER_SIDE = gettext_noop(
    "Only a player of the side that did not enter the final score may confirm or dispute it."
)
MSG_VOID = gettext_noop("Staff voided this result; it does not count.")
MSG_ALREADY_CONFIRMED = gettext_noop(
    "The result is already confirmed; ask club staff to correct it."
)
MSG_STAFF_ONLY = gettext_noop("Only club staff may do this.")
MSG_REOPEN_NEEDS_AGREEMENT = gettext_noop(
    "The match is over. To reopen it the other side must agree (their Undo) or staff; "
    "they have been asked."
)

#: The fields a result change saves.
RESULT_FIELDS = [
    "result_status",
    "result_side",
    "result_via",
    "result_by",
    "result_at",
    "dispute_reason",
    "reopen_side",
]


# --- who may act ---------------------------------------------------------------------------------


def player_side(match: Match, user) -> int | None:
    """The side `user` plays on, or None."""
    if user is None or not user.is_authenticated:
        return None
    for side in match.sides.all():
        if any(p.pk == user.pk for p in side.players.all()):
            return side.index
    return None


def both_sides_registered(match: Match) -> bool:
    sides = list(match.sides.all())
    return len(sides) == 2 and all(s.players.all() and not s.guest_name for s in sides)


def awaiting_side(match: Match) -> int | None:
    """The side whose players are asked to confirm (the one that did not finish-score it)."""
    if match.status != Match.Status.FINISHED or match.result_status not in (R.PENDING, R.DISPUTED):
        return None
    if match.result_side is None:
        return None
    return 1 - match.result_side


def can_confirm(*, match: Match, user) -> bool:
    if match.status != Match.Status.FINISHED or match.result_status not in (R.PENDING, R.DISPUTED):
        return False
    return _is_other_side(match, user)


def can_dispute(*, match: Match, user) -> bool:
    return (
        match.status == Match.Status.FINISHED
        and match.result_status == R.PENDING
        and _is_other_side(match, user)
    )


def can_agree_reopen(*, match: Match, user) -> bool:
    """A player of the other side may agree to the reopen the first side asked for."""
    if match.status != Match.Status.FINISHED or match.reopen_side is None:
        return False
    side = player_side(match, user)
    return side is not None and side != match.reopen_side


def _is_other_side(match: Match, user) -> bool:
    side = player_side(match, user)
    if side is None:
        return False
    return match.result_side is None or side != match.result_side


# --- decided when the match finishes ------------------------------------------------------------


def result_on_finish(match: Match, *, actor, etype: str) -> None:
    """Set the result fields of a match that has just finished (or whose finished result a staff
    correction changed). Runs inside `services._record` with the match locked; the caller saves
    RESULT_FIELDS."""
    now = timezone.now()
    match.reopen_side = None
    match.dispute_reason = ""
    side = player_side(match, actor)
    staff = selectors.user_is_staff(actor)
    if etype == MatchEvent.Type.CORRECTION or (staff and side is None):
        _settle(match, R.CONFIRMED, Match.ResultVia.STAFF, actor, now)
        match.result_side = side
        corrected = etype == MatchEvent.Type.CORRECTION
        action = ResultReview.Action.CORRECT if corrected else ResultReview.Action.STAFF_CONFIRM
        _review(match, action, actor)
        return
    match.result_side = side
    if not both_sides_registered(match):
        _settle(match, R.CONFIRMED, Match.ResultVia.GUEST, None, now)
    elif shared_session_covers(match):
        _settle(match, R.CONFIRMED, Match.ResultVia.SESSION, None, now)
        _review(match, ResultReview.Action.AUTO, None)
    else:
        match.result_status = R.PENDING
        match.result_via = Match.ResultVia.NONE
        match.result_by = None
        match.result_at = None
    _tell_players(match)


def result_on_reopen(match: Match, *, actor) -> None:
    """The match is live again (an agreed or staff undo): its result is pending once more."""
    match.result_status = R.PENDING
    match.result_side = None
    match.result_via = Match.ResultVia.NONE
    match.result_by = None
    match.result_at = None
    match.dispute_reason = ""
    match.reopen_side = None
    _review(match, ResultReview.Action.REOPEN, actor)


def shared_session_covers(match: Match) -> bool:
    """Every registered player of the match was checked into one session of the match's table
    that was open from the match's start to its finish."""
    if match.table_id is None or match.finished_at is None:
        return False
    players = selectors.match_player_ids(match)
    if not players:
        return False
    sessions = TableSession.objects.filter(
        table_id=match.table_id, started_at__lte=match.created_at
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gte=match.finished_at))
    for session in sessions.prefetch_related("players"):
        if players <= {p.pk for p in session.players.all()}:
            return True
    return False


# --- the other side, and staff -----------------------------------------------------------------


def match_result_confirm(*, match_id: int, actor) -> Match:
    """A player of the other side (or staff) confirms the result: it counts from now on.

    Confirming a confirmed result answers it unchanged. A disputed result may be confirmed by
    the side that disputed it (they withdraw the dispute). Raises NotFound, NotAllowed (403
    `not_the_other_side`), Conflict (409 `result_not_final`, `result_void`)."""
    with transaction.atomic():
        match = _lock(match_id)
        staff = selectors.user_is_staff(actor)
        if not _is_other_side(match, actor):
            if staff and player_side(match, actor) is None:
                return _staff_confirm(match, actor)
            raise NotAllowed(_(MSG_NOT_OTHER_SIDE), code="not_the_other_side")
        _check_final(match)
        if match.result_status == R.CONFIRMED:
            return match
        if match.result_status == R.VOID:
            raise Conflict(_(MSG_VOID), code="result_void")
        previous = match.result_status
        _settle(match, R.CONFIRMED, Match.ResultVia.OPPONENT, actor, timezone.now())
        _save_and_signal(match, previous, ResultReview.Action.CONFIRM, actor)
        return match


def match_result_dispute(*, match_id: int, actor, reason: str = "") -> Match:
    """A player of the other side disputes a pending result: it goes to the staff queue.

    Disputing a disputed result answers it unchanged. Raises NotFound, NotAllowed (403
    `not_the_other_side`), Conflict (409 `result_not_final`, `result_void`,
    `result_already_confirmed`)."""
    reason = (reason or "").strip()[:REASON_MAX]
    with transaction.atomic():
        match = _lock(match_id)
        if not _is_other_side(match, actor):
            raise NotAllowed(_(MSG_NOT_OTHER_SIDE), code="not_the_other_side")
        _check_final(match)
        if match.result_status == R.DISPUTED:
            return match
        if match.result_status == R.VOID:
            raise Conflict(_(MSG_VOID), code="result_void")
        if match.result_status == R.CONFIRMED:
            raise Conflict(_(MSG_ALREADY_CONFIRMED), code="result_already_confirmed")
        previous = match.result_status
        match.result_status = R.DISPUTED
        match.dispute_reason = reason
        match.result_by = actor
        match.result_at = timezone.now()
        _save_and_signal(match, previous, ResultReview.Action.DISPUTE, actor, reason=reason)
        return match


def match_result_staff_confirm(*, match_id: int, actor) -> Match:
    """Staff confirm the result as scored (from any status, a void one included)."""
    with transaction.atomic():
        match = _lock(match_id)
        _check_staff(actor)
        _check_final(match)
        return _staff_confirm(match, actor)


def match_result_void(*, match_id: int, actor, reason: str = "") -> Match:
    """Staff void the result: it never counts (the match stays finished, its log intact)."""
    reason = (reason or "").strip()[:REASON_MAX]
    with transaction.atomic():
        match = _lock(match_id)
        _check_staff(actor)
        _check_final(match)
        if match.result_status == R.VOID:
            return match
        previous = match.result_status
        _settle(match, R.VOID, Match.ResultVia.STAFF, actor, timezone.now())
        _save_and_signal(match, previous, ResultReview.Action.VOID, actor, reason=reason)
        return match


def reopen_request(match: Match, *, actor, side: int) -> None:
    """A player's undo of a finished match: record that their side asks to reopen it and tell the
    other side. Runs inside `services.match_undo` (match locked); a repeat changes nothing."""
    if match.reopen_side == side:
        return
    match.reopen_side = side
    match.save(update_fields=["reopen_side", "updated_at"])
    _review(match, ResultReview.Action.REOPEN_REQUEST, actor)
    match_reopen_requested.send(sender=Match, match=match, side=side, actor=actor)
    _tell_players(match)


def reopen_refused() -> Conflict:
    return Conflict(_(MSG_REOPEN_NEEDS_AGREEMENT), code="reopen_needs_agreement")


# --- internals ---------------------------------------------------------------------------------


def _lock(match_id: int) -> Match:
    match = Match.objects.select_for_update().filter(pk=match_id).first()
    if match is None:
        raise NotFound(_(MSG_NOT_FOUND))
    return match


def _check_final(match: Match) -> None:
    if match.status != Match.Status.FINISHED:
        raise Conflict(_(MSG_NOT_FINAL), code="result_not_final")


def _check_staff(actor) -> None:
    if not selectors.user_is_staff(actor):
        raise NotAllowed(_(MSG_STAFF_ONLY), code="staff_only")


def _staff_confirm(match: Match, actor) -> Match:
    _check_final(match)
    if match.result_status == R.CONFIRMED:
        return match
    previous = match.result_status
    _settle(match, R.CONFIRMED, Match.ResultVia.STAFF, actor, timezone.now())
    _save_and_signal(match, previous, ResultReview.Action.STAFF_CONFIRM, actor)
    return match


def _settle(match: Match, status: str, via: str, actor, at) -> None:
    match.result_status = status
    match.result_via = via
    match.result_by = actor if actor is not None and actor.is_authenticated else None
    match.result_at = at


def _review(match: Match, action: str, actor, reason: str = "") -> None:
    ResultReview.objects.create(
        match=match,
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason=reason,
    )


def _save_and_signal(match: Match, previous: str, action: str, actor, reason: str = "") -> None:
    match.save(update_fields=[*RESULT_FIELDS, "updated_at"])
    _review(match, action, actor, reason)
    match_result_changed.send(
        sender=Match, match=match, previous=previous, action=action, actor=actor
    )
    _tell_players(match)


def _tell_players(match: Match) -> None:
    """Each player's `me` topic (after commit): an open match or Me screen re-reads the result."""
    data = {
        "kind": "match_result",
        "match_id": match.pk,
        "result_status": match.result_status,
        "reopen_side": match.reopen_side,
    }
    for pid in sorted(selectors.match_player_ids(match)):
        broadcast.publish_to_user(pid, data=data)
