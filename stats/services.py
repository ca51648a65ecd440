"""Writes of the stats app: apply a finished (or reopened) match, rebuild everything, play time.

How ratings stay exact
----------------------
Ratings of a family depend on the order of its matches: ``(finished_at, match id)``. Every
``PlayerMatch`` row stores the player's rating before and after its match, so the ratings at any
point of the history can be restored from the rows before it. Applying a match therefore means
"replay the family from this match's position": delete the rows from that position on, restore
each player's rating from their last row before it, and replay every finished match from there
in order. For the usual case — the match is the latest one — that replays exactly one match; for
a correction, an undo that reopens a match, or a task that runs late, it recomputes everything
the change affects. ``stats_rebuild`` is the same replay from the beginning, so an incremental
history and a rebuild give identical rows (the floats are restored bit for bit).

Concurrency: a family's replays are serialised by locking its ``FamilyLedger`` row; a
``ProcessedMatch`` marker holds the fingerprint of what was applied for a match, so a repeated
task (or a duplicate signal) finds nothing to do. ``PlayerStats`` and ``Rating`` rows of the
affected players are recomputed from their ``PlayerMatch`` rows, never incremented.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime

import structlog
from django.db import IntegrityError, transaction
from django.db.models import Q

from core.metrics import STATS_APPLIED
from games import rules
from games.models import Match, TableSession
from realtime import broadcast
from stats import achievements
from stats.facts import effective_events, match_facts
from stats.models import (
    OVERALL,
    Achievement,
    Family,
    FamilyLedger,
    PlayerMatch,
    PlayerStats,
    ProcessedMatch,
    Rating,
)
from stats.ratings import OpenSkillRatings, PlayerRating, display_rating
from stats.selectors import leaderboard_bump_version
from stats.signals import achievement_awarded

logger = structlog.get_logger(__name__)

REPLAY_CHUNK = 500
FAMILY_DISCIPLINES: dict[str, list[str]] = defaultdict(list)
for _discipline, _family in rules.FAMILY.items():
    FAMILY_DISCIPLINES[_family].append(_discipline)


def counted_matches():
    """The matches stats, ratings, leaderboards and reports count: finished, result confirmed."""
    return Match.objects.filter(
        status=Match.Status.FINISHED, result_status=Match.ResultStatus.CONFIRMED
    )


# --- the finish task's service ------------------------------------------------------------------
def match_stats_apply(*, match_id: int, announce: bool = True) -> bool:
    """Bring stats, ratings and achievements in line with the current state of one match.

    Called by the finish task after ``match_finished`` / ``match_reopened``. Idempotent: when
    the match's result is what was last applied, nothing changes and it returns False. Returns
    True when rows changed. A match that does not exist (deleted) is treated as not finished.
    """
    discipline = Match.objects.filter(pk=match_id).values_list("discipline", flat=True).first()
    if discipline is None:
        return False
    family = rules.FAMILY[discipline]
    _ensure_ledgers()
    with transaction.atomic():
        ledger = FamilyLedger.objects.select_for_update().get(family=family)
        # Read after the lock: a concurrent task may have just applied this very match.
        match = Match.objects.get(pk=match_id)
        marker = ProcessedMatch.objects.select_for_update().filter(match_id=match_id).first()
        # Only a confirmed result counts (pending, disputed and void ones are left out).
        finished = match.result_counts
        fingerprint = match_fingerprint(match) if finished else None
        if (marker is None and not finished) or (
            marker is not None and marker.fingerprint == fingerprint
        ):
            transaction.on_commit(lambda: STATS_APPLIED.labels("unchanged").inc())
            return False
        starts = []
        old = PlayerMatch.objects.filter(match_id=match_id).values_list("finished_at").first()
        if old is not None:
            starts.append((old[0], match_id))
        if finished:
            starts.append((match.finished_at, match_id))
        if not finished and marker is not None:
            marker.delete()
        affected = _replay_family(family, start=min(starts) if starts else None)
        _recompute_players(affected)
        _award(affected, match_id=match_id if finished else None, announce=announce)
        ledger.version += 1
        ledger.save(update_fields=["version"])
        _invalidate_leaderboards(family)
        _tell_players(affected | _match_players(match))
        transaction.on_commit(lambda: STATS_APPLIED.labels("applied").inc())
    logger.info("stats applied", match=match_id, family=family, players=len(affected))
    return True


def match_fingerprint(match: Match) -> str:
    """What the stats of a match depend on; equal fingerprints → nothing to re-apply."""
    sides = [
        [sorted(p.pk for p in side.players.all()), side.guest_name]
        for side in sorted(match.sides.all(), key=lambda s: s.index)
    ]
    data = {
        "status": match.status,
        "winner": match.winner_side,
        "finished_at": match.finished_at.isoformat() if match.finished_at else None,
        "discipline": match.discipline,
        "club": match.club_id,
        "version": match.version,
        "result": match.result_status,
        "sides": sides,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


# --- rebuild ------------------------------------------------------------------------------------
def stats_rebuild(*, progress: Callable[[int], None] | None = None) -> dict:
    """Recompute every stats row from the match logs and table sessions (``rebuild_stats``).

    Ratings are replayed family by family from the first match; ``progress(n)`` is called after
    each chunk of n matches. Awards already given stay (an award is never taken back); missing
    ones are added without announcements. Returns counts.
    """
    _ensure_ledgers()
    with transaction.atomic():
        ledgers = list(FamilyLedger.objects.select_for_update().order_by("family"))
        PlayerMatch.objects.all().delete()
        Rating.objects.all().delete()
        PlayerStats.objects.all().delete()
        ProcessedMatch.objects.all().delete()
        players: set[int] = set()
        for ledger in ledgers:
            players |= _replay_family(ledger.family, start=None, progress=progress)
            ledger.version += 1
            ledger.save(update_fields=["version"])
            _invalidate_leaderboards(ledger.family)
        everyone = set(TableSession.players.through.objects.values_list("user_id", flat=True))
        players |= everyone
        ids = sorted(players)
        for i in range(0, len(ids), REPLAY_CHUNK):
            chunk = set(ids[i : i + REPLAY_CHUNK])
            _recompute_players(chunk)
            _award(chunk, match_id=None, announce=False)
    return {
        "matches": ProcessedMatch.objects.count(),
        "players": len(players),
        "rows": PlayerMatch.objects.count(),
    }


# --- play time ----------------------------------------------------------------------------------
def player_play_time_refresh(*, session_id: int, announce: bool = True) -> None:
    """A table session closed: recompute its players' play time (and the hours awards)."""
    _ensure_ledgers()
    with transaction.atomic():
        ids = set(
            TableSession.players.through.objects.filter(tablesession_id=session_id).values_list(
                "user_id", flat=True
            )
        )
        if not ids:
            return
        # Serialise with the finish tasks, which also rewrite these players' stats rows.
        list(FamilyLedger.objects.select_for_update().order_by("family"))
        _recompute_players(ids)
        _award(ids, match_id=None, announce=announce)


# --- internals ----------------------------------------------------------------------------------
def _ensure_ledgers() -> None:
    """The lock rows exist (created by a migration; re-created if a table flush removed them).
    get_or_create survives a concurrent create through the unique constraint."""
    if FamilyLedger.objects.count() < len(Family.values):
        for family in Family.values:
            FamilyLedger.objects.get_or_create(family=family)


def _order_from(start: tuple[datetime, int]) -> Q:
    at, match_id = start
    return Q(finished_at__gt=at) | Q(finished_at=at, **{"id__gte": match_id})


def _rows_from(start: tuple[datetime, int]) -> Q:
    at, match_id = start
    return Q(finished_at__gt=at) | Q(finished_at=at, match_id__gte=match_id)


def _rows_before(start: tuple[datetime, int]) -> Q:
    at, match_id = start
    return Q(finished_at__lt=at) | Q(finished_at=at, match_id__lt=match_id)


def _replay_family(
    family: str,
    *,
    start: tuple[datetime, int] | None,
    progress: Callable[[int], None] | None = None,
) -> set[int]:
    """Delete the family's rows from ``start`` on and replay its finished matches from there.
    Returns the ids of every player whose rows changed. Runs inside the caller's transaction,
    with the family's ledger locked."""
    rows = PlayerMatch.objects.filter(family=family)
    matches = counted_matches().filter(discipline__in=FAMILY_DISCIPLINES[family])
    if start is not None:
        rows = rows.filter(_rows_from(start))
        matches = matches.filter(_order_from(start))
    affected = set(rows.values_list("player_id", flat=True).distinct())
    stale = list(rows.values_list("match_id", flat=True).distinct())
    rows.delete()
    ProcessedMatch.objects.filter(match_id__in=stale).delete()

    match_ids = list(matches.order_by("finished_at", "id").values_list("id", flat=True))
    system = OpenSkillRatings()
    restored: set[int] = set()
    for i in range(0, len(match_ids), REPLAY_CHUNK):
        chunk_ids = match_ids[i : i + REPLAY_CHUNK]
        chunk = (
            Match.objects.filter(id__in=chunk_ids)
            .prefetch_related("sides__players", "events")
            .order_by("finished_at", "id")
        )
        chunk = list(chunk)
        players = {p.pk for m in chunk for s in m.sides.all() for p in s.players.all()}
        _restore(system, family, players - restored, start)
        restored |= players
        new_rows: list[PlayerMatch] = []
        markers: list[ProcessedMatch] = []
        for match in chunk:
            new_rows.extend(_apply_match(system, family, match))
            markers.append(ProcessedMatch(match=match, fingerprint=match_fingerprint(match)))
        PlayerMatch.objects.bulk_create(new_rows, batch_size=1000)
        ProcessedMatch.objects.filter(match_id__in=chunk_ids).delete()
        ProcessedMatch.objects.bulk_create(markers, batch_size=1000)
        affected |= players
        if progress is not None:
            progress(len(chunk))
    return affected


def _restore(
    system: OpenSkillRatings, family: str, players: set[int], start: tuple[datetime, int] | None
) -> None:
    """Put each player's rating as it was just before ``start`` into ``system``."""
    if not players:
        return
    found: dict[int, PlayerRating] = {}
    if start is not None:
        rows = (
            PlayerMatch.objects.filter(family=family, player_id__in=players, mu_after__isnull=False)
            .filter(_rows_before(start))
            .order_by("player_id", "-finished_at", "-match_id")
            .values_list("player_id", "mu_after", "sigma_after", "rated_frames_after")
        )
        if _is_postgres():
            rows = rows.distinct("player_id")
        for pid, mu, sigma, frames in rows:
            found.setdefault(pid, PlayerRating(mu=mu, sigma=sigma, frames=frames))
    for pid in players:
        system.ratings[pid] = found.get(pid) or PlayerRating()


def _is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def _side_ids(match: Match) -> list[tuple[list[int], str]]:
    sides = sorted(match.sides.all(), key=lambda s: s.index)
    return [(sorted(p.pk for p in s.players.all()), s.guest_name) for s in sides]


def _apply_match(system: OpenSkillRatings, family: str, match: Match) -> list[PlayerMatch]:
    """Rate one finished match frame by frame and return its PlayerMatch rows (unsaved)."""
    sides = _side_ids(match)
    if len(sides) != 2:
        return []
    events = effective_events(
        [
            (e.seq, e.type, e.payload or {}, e.created_at, _voided_seq(e, match))
            for e in match.events.all()
        ]
    )
    facts = match_facts(match.discipline, match.state, events, match.created_at)
    (a_ids, a_guest), (b_ids, b_guest) = sides
    rated = bool(a_ids) and bool(b_ids) and not a_guest and not b_guest
    before = {pid: system.get(pid) for pid in a_ids + b_ids}
    before = {pid: (r.mu, r.sigma) for pid, r in before.items()}
    if rated:
        for w in facts.frame_winners:
            system.update(tuple(a_ids), tuple(b_ids), w)
    rows = []
    for index, (ids, _guest) in enumerate(sides):
        other_ids, other_guest = sides[1 - index]
        side = facts.sides[index]
        for pid in ids:
            row = PlayerMatch(
                player_id=pid,
                match=match,
                family=family,
                discipline=match.discipline,
                club_id=match.club_id,
                finished_at=match.finished_at,
                side=index,
                won=match.winner_side == index,
                doubles=len(ids) > 1 or len(other_ids) > 1,
                against_guest=bool(other_guest) or not other_ids,
                frames_won=side.frames_won,
                frames_lost=side.frames_lost,
                frames_timed=len(facts.frame_seconds),
                frame_seconds=sum(facts.frame_seconds),
                fouls=side.fouls,
                high_run=side.high_run,
                clean_frames=side.clean_frames,
                break_and_runs=side.break_and_runs,
            )
            if rated:
                after = system.get(pid)
                row.mu_before, row.sigma_before = before[pid]
                row.mu_after, row.sigma_after = after.mu, after.sigma
                row.rating_before = display_rating(*before[pid])
                row.rating_after = display_rating(after.mu, after.sigma)
                row.rated_frames_after = after.frames
            rows.append(row)
    return rows


def _voided_seq(event, match: Match) -> int | None:
    if event.voids_id is None:
        return None
    by_id = getattr(match, "_events_by_id", None)
    if by_id is None:
        by_id = match._events_by_id = {e.pk: e.seq for e in match.events.all()}
    return by_id.get(event.voids_id)


def _recompute_players(player_ids: Iterable[int]) -> None:
    """Rewrite the PlayerStats and Rating rows of these players from their PlayerMatch rows and
    table sessions."""
    ids = sorted(set(player_ids))
    if not ids:
        return
    rows = (
        PlayerMatch.objects.filter(player_id__in=ids)
        .order_by("player_id", "finished_at", "match_id")
        .values(
            "player_id",
            "family",
            "finished_at",
            "won",
            "frames_won",
            "frames_lost",
            "frames_timed",
            "frame_seconds",
            "fouls",
            "high_run",
            "clean_frames",
            "break_and_runs",
            "mu_after",
            "sigma_after",
            "rated_frames_after",
        )
    )
    by_player: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_player[row["player_id"]].append(row)
    play = _play_seconds(ids)

    stats_rows: list[PlayerStats] = []
    rating_rows: list[Rating] = []
    for pid in ids:
        mine = by_player.get(pid, [])
        if not mine and not play.get(pid):
            continue
        overall = stats_from_rows(mine)
        overall.player_id, overall.scope, overall.play_seconds = pid, OVERALL, play.get(pid, 0)
        stats_rows.append(overall)
        for family in Family.values:
            fam_rows = [r for r in mine if r["family"] == family]
            if not fam_rows:
                continue
            fam = stats_from_rows(fam_rows)
            fam.player_id, fam.scope = pid, family
            stats_rows.append(fam)
            rated = [r for r in fam_rows if r["mu_after"] is not None]
            if rated:
                last = rated[-1]
                rating_rows.append(
                    Rating(
                        player_id=pid,
                        family=family,
                        mu=last["mu_after"],
                        sigma=last["sigma_after"],
                        display=display_rating(last["mu_after"], last["sigma_after"]),
                        frames=last["rated_frames_after"],
                        matches=len(rated),
                        wins=sum(1 for r in rated if r["won"]),
                    )
                )
    PlayerStats.objects.filter(player_id__in=ids).delete()
    Rating.objects.filter(player_id__in=ids).delete()
    PlayerStats.objects.bulk_create(stats_rows, batch_size=1000)
    Rating.objects.bulk_create(rating_rows, batch_size=1000)


def stats_from_rows(rows: list[dict]) -> PlayerStats:
    """Sum a player's PlayerMatch rows (oldest first) into an unsaved PlayerStats."""
    s = PlayerStats()
    run = best = 0
    high = None
    for r in rows:
        s.matches += 1
        s.matches_won += 1 if r["won"] else 0
        s.frames += r["frames_won"] + r["frames_lost"]
        s.frames_won += r["frames_won"]
        s.frames_timed += r["frames_timed"]
        s.frame_seconds += r["frame_seconds"]
        s.fouls += r["fouls"]
        s.clean_frames += r["clean_frames"]
        s.break_and_runs += r["break_and_runs"]
        if r["high_run"] is not None:
            high = max(high or 0, r["high_run"])
        if r["won"]:
            run = run + 1 if run > 0 else 1
            best = max(best, run)
        else:
            run = run - 1 if run < 0 else -1
        s.last_match_at = r["finished_at"]
    s.current_streak, s.best_streak, s.high_run = run, best, high
    return s


def _play_seconds(player_ids: list[int]) -> dict[int, int]:
    through = TableSession.players.through
    rows = through.objects.filter(
        user_id__in=player_ids, tablesession__ended_at__isnull=False
    ).values_list("user_id", "tablesession__started_at", "tablesession__ended_at")
    out: dict[int, int] = defaultdict(int)
    for pid, started, ended in rows:
        out[pid] += max(0, int((ended - started).total_seconds()))
    return out


def _award(player_ids: Iterable[int], *, match_id: int | None, announce: bool) -> list:
    """Give each player the catalogue's achievements they now meet and do not have yet, and take
    back the ones a correction or an undo made untrue (the stats were just recomputed)."""
    ids = sorted(set(player_ids))
    if not ids:
        return []
    stats: dict[int, dict] = defaultdict(dict)
    for row in PlayerStats.objects.filter(player_id__in=ids):
        stats[row.player_id][row.scope] = row
    have: dict[int, set[str]] = defaultdict(set)
    for pid, code in Achievement.objects.filter(player_id__in=ids).values_list("player", "code"):
        have[pid].add(code)
    created = []
    for pid in ids:
        scopes = {
            scope: stats[pid].get(scope) or PlayerStats() for scope in (*Family.values, OVERALL)
        }
        earned = achievements.earned_codes(scopes)
        lost = have[pid] - set(earned)
        if lost:
            Achievement.objects.filter(player_id=pid, code__in=lost).delete()
            logger.info("achievements revoked", player=pid, codes=sorted(lost), match=match_id)
            if announce:
                _announce_revoked(pid, sorted(lost))
        for code in earned:
            if code in have[pid]:
                continue
            try:
                with transaction.atomic():  # a savepoint: a concurrent award must not abort us
                    award = Achievement.objects.create(player_id=pid, code=code, match_id=match_id)
            except IntegrityError:
                continue
            created.append(award)
            if announce:
                _announce(award)
    return created


def _announce(award: Achievement) -> None:
    """On the player's `me` topic (the stats block refreshes) and, through the
    `achievement_awarded` signal, as a notification (inbox and, if the player wants it, a bot
    message) — both leave after commit."""
    info = achievements.describe(award.code)
    broadcast.publish_to_user(
        award.player_id,
        data={"kind": "achievement", "achievement": {**info, "awarded_at": award.awarded_at}},
    )
    achievement_awarded.send(sender=Achievement, award=award, info=info)


def _announce_revoked(player_id: int, codes: list[str]) -> None:
    """On the player's `me` topic, so an open Me screen drops the badge (after commit)."""
    broadcast.publish_to_user(player_id, data={"kind": "achievements_revoked", "codes": codes})


def _match_players(match: Match) -> set[int]:
    return {p.pk for side in match.sides.all() for p in side.players.all()}


def _tell_players(player_ids: Iterable[int]) -> None:
    """The players' `me` topics (after commit): an open Me screen re-reads its statistics."""
    for pid in sorted(set(player_ids)):
        broadcast.publish_to_user(pid, data={"kind": "stats"})


def _invalidate_leaderboards(family: str) -> None:
    # robust: with the cache away the stats still stand (boards then refresh within their TTL).
    transaction.on_commit(lambda: leaderboard_bump_version(family), robust=True)
