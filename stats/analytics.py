"""Club analytics for staff: occupancy, heat map, revenue, bookings vs walk-ins, no-shows, top
players — pure computation over plain rows (``club_figures``) and its loader (``club_analytics``).

Definitions (the dashboard and the CSV show the same figures):

* The range is whole days ``date_from``..``date_to`` (inclusive) in the club's time zone.
* Busy time of a table: the part of its sessions inside the range (an open session counts up
  to now). Occupancy of a table = busy minutes / opening minutes of the club in the range (the
  opening hours of each day; a day without hours counts 24 h; closed days count 0).
* Heat map: for each weekday × hour, busy table-minutes / (tables × that hour's minutes in the
  range) — how full the floor was at that hour of the week, in percent.
* Revenue: closed sessions whose end falls in the range, on the day they ended, by day and by
  table kind (kopecks).
* Bookings vs walk-ins: sessions started in the range, with or without a booking.
* No-show rate: no-shows / bookings that started in the range up to now and were not
  cancelled.
* Top players: minutes at the tables inside the range (each player of a session gets its time).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from games.models import Booking, OpeningHours, Table, TableSession

WEEK = range(7)
HOURS = range(24)


@dataclass
class TableRow:
    id: int
    label: str
    kind: str


@dataclass
class SessionRow:
    table_id: int
    kind: str
    start: datetime
    end: datetime | None
    amount: int
    booked: bool
    players: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class BookingRow:
    status: str
    start: datetime


def _day_bounds(tz: ZoneInfo, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start, end


def _days(date_from: date, date_to: date) -> list[date]:
    return [date_from + timedelta(days=i) for i in range((date_to - date_from).days + 1)]


def _open_minutes(day: date, hours: dict[int, tuple[time, time, bool]] | None) -> int:
    if not hours or day.weekday() not in hours:
        return 24 * 60
    opens, closes, closed = hours[day.weekday()]
    if closed:
        return 0
    a = opens.hour * 60 + opens.minute
    b = closes.hour * 60 + closes.minute
    return (b - a) if b > a else (b + 24 * 60 - a)


def club_figures(
    *,
    tz: ZoneInfo,
    date_from: date,
    date_to: date,
    tables: list[TableRow],
    hours: dict[int, tuple[time, time, bool]] | None,
    sessions: list[SessionRow],
    bookings: list[BookingRow],
    now: datetime,
    top: int = 10,
) -> dict:
    days = _days(date_from, date_to)
    range_start = _day_bounds(tz, date_from)[0]
    range_end = _day_bounds(tz, date_to)[1]
    open_minutes = sum(_open_minutes(d, hours) for d in days)

    busy: dict[int, float] = defaultdict(float)
    cells = [[0.0] * 24 for _ in WEEK]
    player_minutes: dict[int, float] = defaultdict(float)
    player_names: dict[int, str] = {}
    revenue_day: dict[date, dict[str, int]] = {d: defaultdict(int) for d in days}
    revenue_kind: dict[str, int] = defaultdict(int)
    revenue_table: dict[int, int] = defaultdict(int)
    booked = walk_ins = 0

    for s in sessions:
        end = s.end or now
        a, b = max(s.start, range_start), min(end, range_end)
        if b > a:
            minutes = (b - a).total_seconds() / 60
            busy[s.table_id] += minutes
            for pid, name in s.players:
                player_minutes[pid] += minutes
                player_names[pid] = name
            cursor = a.astimezone(tz)
            while cursor < b:
                next_hour = (cursor.replace(minute=0, second=0, microsecond=0)) + timedelta(hours=1)
                step_end = min(next_hour, b.astimezone(tz))
                cells[cursor.weekday()][cursor.hour] += (step_end - cursor).total_seconds() / 60
                cursor = step_end
        if range_start <= s.start < range_end:
            if s.booked:
                booked += 1
            else:
                walk_ins += 1
        if s.end is not None and range_start <= s.end < range_end:
            day = s.end.astimezone(tz).date()
            revenue_day[day][s.kind] += s.amount
            revenue_kind[s.kind] += s.amount
            revenue_table[s.table_id] += s.amount

    occurrences = [sum(1 for d in days if d.weekday() == wd) for wd in WEEK]
    n_tables = max(1, len(tables))
    heat = [
        [
            round(100 * cells[wd][h] / (n_tables * occurrences[wd] * 60), 2)
            if occurrences[wd]
            else 0.0
            for h in HOURS
        ]
        for wd in WEEK
    ]
    busiest = sorted(
        ({"weekday": wd, "hour": h, "occupancy": heat[wd][h]} for wd in WEEK for h in HOURS),
        key=lambda c: (-c["occupancy"], c["weekday"], c["hour"]),
    )[:5]
    busiest = [c for c in busiest if c["occupancy"] > 0]

    due = [b for b in bookings if range_start <= b.start < range_end and b.start <= now]
    counted = [b for b in due if b.status != "cancelled"]
    no_shows = sum(1 for b in counted if b.status == "no_show")

    kinds = sorted({t.kind for t in tables})
    return {
        "from": date_from,
        "to": date_to,
        "days": len(days),
        "open_minutes": open_minutes,
        "tables": [
            {
                "id": t.id,
                "label": t.label,
                "kind": t.kind,
                "busy_minutes": round(busy[t.id]),
                "occupancy": round(100 * busy[t.id] / open_minutes, 2) if open_minutes else 0.0,
                "revenue": revenue_table[t.id],
            }
            for t in tables
        ],
        "heatmap": heat,
        "busiest_hours": busiest,
        "revenue_by_day": [
            {
                "date": d,
                "total": sum(revenue_day[d].values()),
                **{k: revenue_day[d][k] for k in kinds},
            }
            for d in days
        ],
        "revenue_by_kind": {k: revenue_kind[k] for k in kinds},
        "revenue_total": sum(revenue_kind.values()),
        "sessions": {"booked": booked, "walk_in": walk_ins},
        "no_shows": {
            "bookings": len(counted),
            "no_shows": no_shows,
            "rate": round(100 * no_shows / len(counted), 2) if counted else None,
        },
        "top_players": [
            {"id": pid, "name": player_names[pid], "minutes": round(m)}
            for pid, m in sorted(player_minutes.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        ],
    }


def club_analytics(*, club, date_from: date, date_to: date, now: datetime | None = None) -> dict:
    """Load a club's rows for the range and compute ``club_figures`` (5 queries)."""
    tz = club.tz
    range_start = _day_bounds(tz, date_from)[0]
    range_end = _day_bounds(tz, date_to)[1]
    tables = [
        TableRow(id=t.id, label=str(t), kind=t.kind)
        for t in Table.objects.filter(club=club).order_by("number")
    ]
    hours = {
        h.weekday: (h.opens, h.closes, h.closed) for h in OpeningHours.objects.filter(club=club)
    }
    rows = (
        TableSession.objects.filter(table__club=club, started_at__lt=range_end)
        .exclude(ended_at__lte=range_start)
        .select_related("table")
        .prefetch_related("players")
    )
    sessions = [
        SessionRow(
            table_id=s.table_id,
            kind=s.table.kind,
            start=s.started_at,
            end=s.ended_at,
            amount=s.amount,
            booked=s.booking_id is not None,
            players=[(p.pk, p.display_name) for p in s.players.all()],
        )
        for s in rows
    ]
    bookings = [
        BookingRow(status=b.status, start=b.start)
        for b in Booking.objects.filter(
            table__club=club, start__gte=range_start, start__lt=range_end
        ).only("status", "start")
    ]
    return club_figures(
        tz=tz,
        date_from=date_from,
        date_to=date_to,
        tables=tables,
        hours=hours,
        sessions=sessions,
        bookings=bookings,
        now=now or timezone.now(),
    )


def figures_csv(figures: dict, weekday_names: list[str]) -> str:
    """The dashboard's figures as one CSV document, a section per figure."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["range", figures["from"].isoformat(), figures["to"].isoformat()])
    w.writerow([])
    w.writerow(["table", "kind", "busy_minutes", "occupancy_percent", "revenue_kopecks"])
    for t in figures["tables"]:
        w.writerow([t["label"], t["kind"], t["busy_minutes"], t["occupancy"], t["revenue"]])
    w.writerow([])
    kinds = list(figures["revenue_by_kind"])
    w.writerow(["date", "revenue_kopecks", *[f"revenue_{k}" for k in kinds]])
    for row in figures["revenue_by_day"]:
        w.writerow([row["date"].isoformat(), row["total"], *[row[k] for k in kinds]])
    w.writerow(["total", figures["revenue_total"], *[figures["revenue_by_kind"][k] for k in kinds]])
    w.writerow([])
    w.writerow(["occupancy_percent_by_hour", *[f"{h:02d}" for h in HOURS]])
    for wd in WEEK:
        w.writerow([weekday_names[wd], *figures["heatmap"][wd]])
    w.writerow([])
    w.writerow(["busiest_weekday", "hour", "occupancy_percent"])
    for c in figures["busiest_hours"]:
        w.writerow([weekday_names[c["weekday"]], c["hour"], c["occupancy"]])
    w.writerow([])
    w.writerow(
        ["sessions_booked", "sessions_walk_in", "bookings_due", "no_shows", "no_show_percent"]
    )
    n = figures["no_shows"]
    w.writerow(
        [figures["sessions"]["booked"], figures["sessions"]["walk_in"], n["bookings"],
         n["no_shows"], n["rate"] if n["rate"] is not None else ""]
    )  # fmt: skip
    w.writerow([])
    w.writerow(["player", "minutes"])
    for p in figures["top_players"]:
        w.writerow([p["name"], p["minutes"]])
    return out.getvalue()
