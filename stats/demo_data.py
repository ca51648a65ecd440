"""Demo history for the stats (a `seed_demo` hook): two months of finished matches among the demo
players and a dozen club regulars, closed table sessions and bookings of the last two weeks,
then `stats_rebuild` — so the Me screen, the leaderboards, `rating_report` and the staff
analytics dashboard have something to show.

Seeded (the same history every time) and idempotent: nothing is added once the demo regulars
exist. Matches are simulated shot by shot through the rules engines from hidden skills, and
their events are stored with timestamps, exactly like scored matches (log, state, versions).
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, time, timedelta

import structlog
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from games import rules
from games.demo import demo_hook
from games.models import Booking, Match, MatchEvent, MatchSide, Table, TableSession, Tariff
from stats.receivers import muted
from stats.services import stats_rebuild

logger = structlog.get_logger(__name__)

SEED = 20260301
REGULARS = [
    ("sergey", "Сергей", "Орлов"), ("pavel", "Павел", "Соколов"), ("nina", "Нина", "Белова"),
    ("artem", "Артём", "Зайцев"), ("elena", "Елена", "Морозова"), ("timur", "Тимур", "Галиев"),
    ("lucas", "Lucas", "Brown"), ("sofia", "Sofia", "Rossi"), ("roman", "Роман", "Козлов"),
    ("vera", "Вера", "Новикова"), ("igor", "Игорь", "Лебедев"), ("yana", "Яна", "Ким"),
]  # fmt: skip
DEMO_PLAYER_USERNAMES = ["ann", "ivan", "oleg", "maria", "dmitry", "kate"]
MATCHES = 260
DAYS = 60
SESSION_DAYS = 14
# discipline, weight, format
DISCIPLINES = [
    ("pyramid_moscow", 4, {"race_to": 3}),
    ("pyramid_free", 1, {"race_to": 2}),
    ("pool_9", 3, {"race_to": 4}),
    ("pool_8", 2, {"race_to": 3}),
    ("straight_pool", 1, {"points_to": 40}),
    ("snooker", 1, {"best_of": 3}),
]


def _p(diff: float) -> float:
    return 1 / (1 + 2.718281828 ** (-diff))


def simulate(discipline: str, fmt: dict, skill: tuple[float, float], rng: random.Random) -> list:
    """A legal event sequence for a whole match (every event validated by the engine)."""
    state = rules.initial(discipline, fmt)
    events: list[dict] = []
    family = rules.FAMILY[discipline]

    def push(event: dict) -> bool:
        nonlocal state
        try:
            state = rules.apply(discipline, state, event)
        except rules.IllegalEvent:
            return False
        events.append(event)
        return True

    guard = 0
    while not state["over"] and guard < 4000:
        guard += 1
        if family == "pool":
            w = 0 if rng.random() < _p(skill[0] - skill[1]) else 1
            if rng.random() < 0.3:
                push({"type": "foul", "side": 1 - w})
            how = None
            if rng.random() < 0.03:
                how = "break_and_run"
            push({"type": "rack", "side": w, **({"how": how} if how else {})})
            continue
        s = state["at_table"] if state["at_table"] is not None else 0
        edge = skill[s] - skill[1 - s]
        if family == "pyramid":
            if rng.random() < 0.45 + 0.1 * edge:
                push({"type": "pot", "side": s, "count": rng.choice((1, 1, 1, 2))}) or push(
                    {"type": "pot", "side": s, "count": 1}
                )
            elif rng.random() < 0.1:
                push({"type": "foul", "side": s})
            else:
                push({"type": "end_turn", "side": s})
        elif family == "straight_pool":
            if rng.random() < 0.55 + 0.1 * edge:
                push({"type": "pot", "side": s, "count": rng.randint(1, 4)}) or push(
                    {"type": "pot", "side": s, "count": 1}
                )
            elif rng.random() < 0.12:
                push({"type": "foul", "side": s})
            else:
                push({"type": "end_turn", "side": s})
        else:  # snooker: red-black visits, the trailing side concedes once the reds are gone
            if state["reds_remaining"] == 0 or state["ball_on"] not in ("red", "colour"):
                trailing = 0 if state["score"][0] < state["score"][1] else 1
                push({"type": "concede_frame", "side": trailing})
                continue
            pots = 0
            while state["reds_remaining"] > 0 and rng.random() < 0.55 + 0.1 * edge:
                if not push({"type": "pot", "side": s, "ball": "red"}):
                    break
                push(
                    {
                        "type": "pot",
                        "side": s,
                        "ball": rng.choice(("black", "black", "pink", "blue")),
                    }
                )
                pots += 1
            if rng.random() < 0.08:
                push({"type": "foul", "side": s, "value": 4})
            else:
                push({"type": "end_turn", "side": s})
    return events if state["over"] else []


def _write_match(*, discipline, fmt, a, b, events, start, club, table, rng) -> None:
    fmt = rules.validate_format(discipline, fmt)
    state = rules.initial(discipline, fmt)
    rows, stamps = [], []
    at = start
    for seq, event in enumerate(events, start=1):
        state = rules.apply(discipline, state, event)
        at += timedelta(seconds=rng.randint(15, 75))
        stamps.append(at)
        rows.append((seq, event, state))
    match = Match.objects.create(
        discipline=discipline,
        format=fmt,
        club=club,
        table=table,
        status=Match.Status.FINISHED,
        winner_side=state["winner"],
        state=state,
        version=len(events),
        finished_at=at,
        # The demo's history is settled: both players were at the club's tables.
        result_status=Match.ResultStatus.CONFIRMED,
        result_via=Match.ResultVia.STAFF,
    )
    Match.objects.filter(pk=match.pk).update(created_at=start)
    for index, user in enumerate((a, b)):
        MatchSide.objects.create(match=match, index=index).players.set([user])
    MatchEvent.objects.bulk_create(
        [
            MatchEvent(
                match=match, seq=seq, type=event["type"], payload=event, actor=a,
                client_event_id=uuid.uuid4(), state_after=after,
            )
            for seq, event, after in rows
        ]
    )  # fmt: skip
    MatchEvent.objects.filter(match=match).update(
        created_at=Case(*[When(seq=i + 1, then=Value(t)) for i, t in enumerate(stamps)])
    )


def _sessions(club, players, rng: random.Random, now: datetime) -> None:
    """Closed sessions of the last two weeks (some booked, a few no-shows), billed at the
    table kind's first active tariff."""
    tz = club.tz
    prices = {}
    for tariff in Tariff.objects.filter(club=club, is_active=True).order_by("priority"):
        prices.setdefault(tariff.table_kind, tariff.price_per_hour)
    tables = list(Table.objects.filter(club=club, in_service=True))
    today = now.astimezone(tz).date()
    for offset in range(SESSION_DAYS, 0, -1):
        day = today - timedelta(days=offset)
        busy_day = day.weekday() >= 4
        for table in tables:
            cursor = datetime.combine(day, time(14), tzinfo=tz) + timedelta(
                minutes=rng.choice((0, 30, 60, 90))
            )
            last = datetime.combine(day + timedelta(days=1), time(1), tzinfo=tz)
            while cursor < last and rng.random() < (0.7 if busy_day else 0.5):
                minutes = rng.choice((60, 90, 120, 150, 180))
                end = min(cursor + timedelta(minutes=minutes), last)
                people = rng.sample(players, 2)
                booking = None
                if rng.random() < 0.4:
                    booking = Booking.objects.create(
                        table=table, player=people[0], start=cursor, end=end,
                        status=Booking.Status.CHECKED_IN,
                    )  # fmt: skip
                if rng.random() < 0.08:
                    Booking.objects.create(
                        table=table, player=people[1], start=end, end=end + timedelta(hours=1),
                        status=Booking.Status.NO_SHOW,
                    )  # fmt: skip
                    cursor = end + timedelta(hours=1)
                    continue
                billed = int((end - cursor).total_seconds() // 60)
                session = TableSession.objects.create(
                    table=table, booking=booking, started_at=cursor, ended_at=end,
                    minutes=billed, amount=prices.get(table.kind, 60000) * billed // 60,
                    paid=True, paid_at=end,
                )  # fmt: skip
                session.players.set(people)
                cursor = end + timedelta(minutes=rng.choice((0, 15, 30, 60, 120)))


@demo_hook
def stats_demo(*, club) -> None:
    User = get_user_model()
    if User.objects.filter(username=REGULARS[0][0]).exists():
        return
    rng = random.Random(SEED)
    now = timezone.now()
    with transaction.atomic():
        regulars = [
            User.objects.create(username=u, first_name=f, last_name=lname, language="ru")
            for u, f, lname in REGULARS
        ]
        players = list(User.objects.filter(username__in=DEMO_PLAYER_USERNAMES)) + regulars
        skill = {p.pk: rng.gauss(0, 1) for p in players}
        tables = {k: list(Table.objects.filter(club=club, kind=k)) for k in Table.Kind.values}
        table_kind = {
            "pyramid": "pyramid",
            "pool": "pool",
            "straight_pool": "pool",
            "snooker": "snooker",
        }
        start0 = now - timedelta(days=DAYS)
        stamps = sorted(
            start0 + timedelta(seconds=rng.random() * (DAYS - 1) * 86400) for _ in range(MATCHES)
        )
        weights = [w for _d, w, _f in DISCIPLINES]
        written = 0
        for start in stamps:
            discipline, _w, fmt = rng.choices(DISCIPLINES, weights)[0]
            a, b = rng.sample(players, 2)
            events = simulate(discipline, fmt, (skill[a.pk], skill[b.pk]), rng)
            if not events:
                continue
            candidates = tables.get(table_kind[rules.FAMILY[discipline]]) or [None]
            _write_match(
                discipline=discipline, fmt=fmt, a=a, b=b, events=events, start=start,
                club=club, table=rng.choice(candidates), rng=rng,
            )  # fmt: skip
            written += 1
        with muted():
            _sessions(club, players, rng, now)

    result = stats_rebuild()
    logger.info("stats demo history", simulated=written, **result)
