"""Read queries of live scoring: who may see or score a match, match lists, the event log."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet

from games.models import Match, MatchEvent, MatchSide, TableSession

PLAYER_SEARCH_LIMIT = 20


def user_is_staff(user) -> bool:
    """Club staff may score, correct and abandon any match (is_staff is kept in sync with the
    staff/manager roles by the accounts feature)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_staff or user.is_superuser)
    )


def match_player_ids(match: Match) -> set[int]:
    """Ids of the registered players of both sides (uses the prefetch when there is one)."""
    return {p.pk for side in match.sides.all() for p in side.players.all()}


def match_is_player(*, match: Match, user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return user.pk in match_player_ids(match)


def match_can_score(*, match: Match, user) -> bool:
    """Players of the match and staff may score it."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user_is_staff(user) or match_is_player(match=match, user=user)


def match_can_view(*, match: Match, user) -> bool:
    """public → anyone (also anonymous); club → signed-in users; private → its players + staff."""
    if match.visibility == Match.Visibility.PUBLIC:
        return True
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if match.visibility == Match.Visibility.CLUB:
        return True
    return user_is_staff(user) or match_is_player(match=match, user=user)


def _with_sides(qs: QuerySet[Match]) -> QuerySet[Match]:
    return qs.select_related("table", "club").prefetch_related(
        Prefetch("sides", queryset=MatchSide.objects.order_by("index").prefetch_related("players"))
    )


def match_get(*, match_id: int) -> Match | None:
    return _with_sides(Match.objects.filter(pk=match_id)).first()


def match_list(
    *,
    user,
    status: str | None = None,
    club_id: int | None = None,
    mine: bool = False,
    result: str | None = None,
) -> QuerySet[Match]:
    """Matches `user` may watch, newest first; live ones by the time of their last event.
    `result` keeps finished matches whose result is in that state (`pending`, …)."""
    qs = Match.objects.all()
    if status:
        qs = qs.filter(status=status)
    if result:
        qs = qs.filter(status=Match.Status.FINISHED, result_status=result)
    if club_id is not None:
        qs = qs.filter(club_id=club_id)
    if mine:
        if user is None or not user.is_authenticated:
            return Match.objects.none()
        qs = qs.filter(sides__players=user)
    if not user_is_staff(user):
        visible = Q(visibility=Match.Visibility.PUBLIC)
        if user is not None and user.is_authenticated:
            visible |= Q(visibility=Match.Visibility.CLUB) | Q(sides__players=user)
        qs = qs.filter(visible)
    qs = qs.distinct().order_by("-updated_at", "-id")
    return _with_sides(qs)


def match_live_count() -> int:
    return Match.objects.filter(status=Match.Status.LIVE).count()


def match_events(*, match: Match) -> list[MatchEvent]:
    """The whole log in seq order, each event with `.voided` (an undo voided it)."""
    events = list(match.events.select_related("actor", "voids").order_by("seq"))
    voided = {e.voids_id for e in events if e.voids_id}
    for event in events:
        event.voided = event.pk in voided
    return events


def match_effective_events(*, match: Match) -> QuerySet[MatchEvent]:
    """The events the state is folded from: not undo events, not voided by one; in seq order."""
    return (
        match.events.exclude(type=MatchEvent.Type.UNDO)
        .filter(voided_by__isnull=True)
        .order_by("seq")
    )


def match_event_by_client_id(*, match: Match, client_event_id) -> MatchEvent | None:
    return match.events.filter(client_event_id=client_event_id).first()


def player_search(*, query: str, limit: int = PLAYER_SEARCH_LIMIT) -> QuerySet:
    """Active users whose name, nickname or username contains `query` (case-insensitive)."""
    User = get_user_model()
    query = (query or "").strip()
    if len(query) < 2:
        return User.objects.none()
    cond = Q()
    for field in ("username", "first_name", "last_name", "nickname"):
        cond |= Q(**{f"{field}__icontains": query})
    return User.objects.filter(cond, is_active=True).order_by("first_name", "username")[:limit]


def open_session_for(*, user) -> TableSession | None:
    """The open table session `user` is a player of (the table their new match is played on)."""
    if user is None or not user.is_authenticated:
        return None
    return (
        TableSession.objects.filter(players=user, ended_at__isnull=True)
        .select_related("table", "table__club")
        .order_by("-started_at")
        .first()
    )


def disputed_results() -> QuerySet[Match]:
    """The staff queue: finished matches whose result is disputed, oldest first."""
    return _with_sides(
        Match.objects.filter(
            status=Match.Status.FINISHED, result_status=Match.ResultStatus.DISPUTED
        ).order_by("finished_at", "id")
    )
