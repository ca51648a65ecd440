"""Per-minute billing of a table session over tariff windows (pure Python, no Django).

Rules (issue 4, "Table sessions and billing"):

* **Started minutes.** A session of ``d`` seconds is charged ``ceil(d / 60)`` minutes; minute ``i``
  begins at ``start + i minutes``. 61 seconds is 2 minutes; 0 seconds is an empty, zero bill.
* **Real elapsed time, local tariffs (DST).** The minute grid is laid out on the UTC timeline (both
  ends are converted to UTC first: subtracting two aware datetimes that share a ``ZoneInfo`` would
  use wall-clock arithmetic and get DST days wrong). Each minute's start is then converted to the
  club's local time with :mod:`zoneinfo` and only that local wall time (weekday + time of day)
  selects the tariff. So the hour skipped in spring is never billed, the hour repeated in autumn is
  billed twice (it really was played), and midnight is just another local time.
* **Tariff windows.** A window covers ``start <= t < end`` on each of its weekdays. If ``end <=
  start`` the window crosses midnight and belongs to the weekday it *starts* on: "Fri 18:00-02:00"
  covers Friday 18:00-24:00 and Saturday 00:00-02:00; ``end == start`` is a full 24 hours. If
  several windows cover a minute the highest ``priority`` wins, then the narrowest window (shortest
  daily span, then fewest weekdays), then the lowest id, so the choice never depends on list order.
  A minute no window covers raises :class:`NoTariffError`.
* **Money is never a float.** A minute costs exactly ``Fraction(price_per_hour, 60)`` kopecks, which
  is usually not a whole kopeck (e.g. 100/60). Summing exact fractions and rounding once at the end
  makes the bill independent of how the session is split (billing a..m and m..b gives the same
  ``exact`` as a..b) and avoids binary floating-point error entirely.
* **Rounding.** ``subtotal`` is ``exact`` rounded half-up to the kopeck. Line amounts use the
  largest-remainder method: each line gets the floor of its exact sum, and the kopecks still missing
  to reach ``subtotal`` go one each to the lines with the largest fractional parts (earlier line
  first on ties), so the printed lines always add up to ``subtotal`` exactly and each line differs
  from its exact value by less than one kopeck.
* **Policy.** ``total`` is ``subtotal`` raised to ``minimum_charge`` (for a non-empty session), then
  rounded *up* by the rounding rule (``kopeck``: unchanged, ``ruble_up``: next multiple of 100,
  ``ten_rubles_up``: next multiple of 1000). ``adjustment = total - sum(line amounts)`` is what
  callers show as a separate line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

__all__ = [
    "ROUNDING_RULES",
    "Bill",
    "BillLine",
    "BillingPolicy",
    "Discount",
    "NoTariffError",
    "Stretch",
    "TariffWindow",
    "Totals",
    "bill_session",
    "bill_stretches",
    "bill_totals",
    "split_by_weights",
    "split_equally",
    "split_loser_pays",
]

#: rounding rule -> granularity in kopecks (the total is rounded up to a multiple of it)
ROUNDING_RULES: dict[str, int] = {"kopeck": 1, "ruble_up": 100, "ten_rubles_up": 1000}

_MINUTE = timedelta(minutes=1)
_DAY_SECONDS = 24 * 3600
_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _is_int(value: object) -> bool:
    return type(value) is int  # bool is an int subclass; money must be a real int


class NoTariffError(LookupError):
    """No tariff window covers a minute of the session (``local_time`` is the club-local start)."""

    def __init__(self, local_time: datetime) -> None:
        self.local_time = local_time
        super().__init__(
            f"No tariff covers {_WEEKDAY_NAMES[local_time.weekday()]} "
            f"{local_time.isoformat()} (club local time)"
        )


@dataclass(frozen=True, slots=True)
class TariffWindow:
    id: int
    name: str
    price_per_hour: int  # kopecks
    weekdays: frozenset[int]  # 0=Mon .. 6=Sun: the weekday the window starts on
    start: time
    end: time  # end <= start: crosses midnight (end == start: 24 hours)
    priority: int = 0

    def __post_init__(self) -> None:
        if not _is_int(self.price_per_hour) or self.price_per_hour < 0:
            raise ValueError("price_per_hour must be a non-negative int (kopecks)")
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        if not self.weekdays or not all(_is_int(d) and 0 <= d <= 6 for d in self.weekdays):
            raise ValueError("weekdays must be a non-empty set of ints 0..6")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("tariff window times are club-local and must be naive")

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    @property
    def span_seconds(self) -> float:
        """Length of the window per day, in seconds (24 h when ``end == start``)."""
        span = _seconds(self.end) - _seconds(self.start)
        return span if span > 0 else span + _DAY_SECONDS

    def covers(self, local: datetime) -> bool:
        """Does the window cover this club-local wall time?"""
        t = local.time()
        weekday = local.weekday()
        if not self.crosses_midnight:
            return weekday in self.weekdays and self.start <= t < self.end
        return (weekday in self.weekdays and t >= self.start) or (
            (weekday - 1) % 7 in self.weekdays and t < self.end
        )


@dataclass(frozen=True, slots=True)
class BillingPolicy:
    minimum_charge: int = 0  # kopecks
    rounding: str = "kopeck"  # "kopeck" | "ruble_up" | "ten_rubles_up"

    def __post_init__(self) -> None:
        if not _is_int(self.minimum_charge) or self.minimum_charge < 0:
            raise ValueError("minimum_charge must be a non-negative int (kopecks)")
        if self.rounding not in ROUNDING_RULES:
            raise ValueError(f"rounding must be one of {sorted(ROUNDING_RULES)}")


@dataclass(frozen=True, slots=True)
class BillLine:
    tariff_id: int
    tariff_name: str
    minutes: int
    price_per_hour: int
    amount: int  # kopecks, largest-remainder share of the subtotal
    table_id: int | None = None  # the stretch's table (a transferred session has several)

    @property
    def exact(self) -> Fraction:
        return self.minutes * Fraction(self.price_per_hour, 60)


@dataclass(frozen=True, slots=True)
class Bill:
    lines: tuple[BillLine, ...]
    minutes: int
    exact: Fraction  # sum of exact per-minute prices, kopecks
    subtotal: int  # exact rounded half-up to the kopeck == sum(line.amount)
    total: int  # subtotal, raised to the minimum charge, rounded up by the rule
    adjustment: int  # total - sum(line.amount)
    paused_minutes: int = 0  # whole minutes of pause inside the session (never billed)


def _seconds(t: time) -> float:
    return t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1_000_000


def _round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def _round_up_to(value: int, step: int) -> int:
    return -(-value // step) * step


def _allocate(exacts: Sequence[Fraction], target: int) -> list[int]:
    """Largest-remainder: integer amounts summing to ``target``, each within 1 of its exact."""
    floors = [math.floor(x) for x in exacts]
    missing = target - sum(floors)
    # 0 <= missing <= len(exacts) because target is the half-up rounding of sum(exacts).
    order = sorted(range(len(exacts)), key=lambda i: (-(exacts[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += 1
    return floors


def _to_utc(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Stretch:
    """A stretch of a session at one table: ``[start, end)`` billed by that table's ``tariffs``."""

    start: datetime
    end: datetime
    tariffs: Sequence[TariffWindow]
    table_id: int | None = None


def bill_session(
    start: datetime,
    end: datetime,
    tz: str | ZoneInfo,
    tariffs: Sequence[TariffWindow],
    policy: BillingPolicy = BillingPolicy(),  # noqa: B008 - frozen, immutable default
) -> Bill:
    """Bill the session ``[start, end)`` in the club time zone ``tz``; see the module docstring.

    Raises :class:`ValueError` if ``end < start`` or either end is naive, and
    :class:`NoTariffError` if some minute is covered by no tariff window.
    """
    return bill_stretches([Stretch(start, end, tariffs)], (), tz, policy)


def _subtract(
    start: datetime, end: datetime, pauses: Sequence[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` minus the pauses (all UTC), as sorted non-empty intervals."""
    parts = [(start, end)]
    for p_start, p_end in pauses:
        cut = []
        for a, b in parts:
            if p_end <= a or p_start >= b:
                cut.append((a, b))
                continue
            if a < p_start:
                cut.append((a, p_start))
            if p_end < b:
                cut.append((p_end, b))
        parts = cut
    return [(a, b) for a, b in parts if b > a]


def bill_stretches(
    stretches: Sequence[Stretch],
    pauses: Sequence[tuple[datetime, datetime]],
    tz: str | ZoneInfo,
    policy: BillingPolicy = BillingPolicy(),  # noqa: B008 - frozen, immutable default
) -> Bill:
    """Bill a session made of consecutive ``stretches`` (one per table it was played at), less
    its ``pauses`` (``(start, end)`` pairs; paused time is never billed).

    The minute grid runs over *played* time only: the played intervals (stretches minus pauses)
    are laid end to end, ``ceil(played / 60 s)`` minutes are charged, and minute ``i`` is priced
    by the tariff of the table and local wall time where the ``i``-th played minute begins. So a
    transfer, wherever it falls, moves only the minutes after it to the new table's tariffs, and a
    pause just shifts the grid. Lines are per (table, tariff) in first-use order.

    Raises :class:`ValueError` (naive or reversed ends, overlapping stretches) and
    :class:`NoTariffError`.
    """
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    utc_pauses = []
    for p_start, p_end in pauses:
        a, b = _to_utc(p_start, "pause start"), _to_utc(p_end, "pause end")
        if b < a:
            raise ValueError("pause end is before its start")
        utc_pauses.append((a, b))
    played: list[tuple[datetime, datetime, int, Stretch]] = []  # (start, end, stretch no, stretch)
    wall_us = 0
    previous_end = None
    for n, stretch in enumerate(stretches):
        s_start, s_end = _to_utc(stretch.start, "start"), _to_utc(stretch.end, "end")
        if s_end < s_start:
            raise ValueError("session end is before its start")
        if previous_end is not None and s_start < previous_end:
            raise ValueError("stretches overlap")
        previous_end = s_end
        wall_us += (s_end - s_start) // timedelta(microseconds=1)
        played.extend((a, b, n, stretch) for a, b in _subtract(s_start, s_end, utc_pauses))
    played_us = sum((b - a) // timedelta(microseconds=1) for a, b, _, _ in played)
    minutes = -(-played_us // 60_000_000)  # ceil: every started minute is charged
    paused_minutes = max(0, wall_us - played_us) // 60_000_000

    rankings = [
        sorted(s.tariffs, key=lambda w: (-w.priority, w.span_seconds, len(w.weekdays), w.id))
        for s in stretches
    ]
    # Tariff choice can change only where some window starts or ends, or at midnight (a new
    # weekday): the club-local times of day where that happens, per stretch.
    boundaries = [
        sorted(
            {0.0} | {_seconds(w.start) for w in s.tariffs} | {_seconds(w.end) for w in s.tariffs}
        )
        for s in stretches
    ]
    # Lines in first-use order; all minutes of a (stretch table, tariff) merge into one line.
    counts: dict[tuple, int] = {}
    used: dict[tuple, tuple[TariffWindow, int | None]] = {}
    i = 0  # the next minute to price
    offset_us = 0  # played time before the current interval
    for a, b, n, stretch in played:
        end_us = offset_us + (b - a) // timedelta(microseconds=1)
        while i < minutes and i * 60_000_000 < end_us:
            start = a + timedelta(microseconds=i * 60_000_000 - offset_us)
            local = start.astimezone(zone)
            window = next((w for w in rankings[n] if w.covers(local)), None)
            if window is None:
                raise NoTariffError(local)
            # Price a run of minutes at once: those that start in this interval before the next
            # boundary, as long as the UTC offset does not change within the run (DST).
            t = _seconds(local.time())
            boundary = next((x for x in boundaries[n] if x > t), float(_DAY_SECONDS))
            run = min(
                minutes - i,
                -(-(end_us - i * 60_000_000) // 60_000_000),
                math.ceil((boundary - t) / 60),
            )
            if run > 1 and (start + (run - 1) * _MINUTE).astimezone(zone).utcoffset() != (
                local.utcoffset()
            ):
                run = 1
            key = (stretch.table_id if stretch.table_id is not None else -n - 1, id(window))
            if key in counts:
                counts[key] += run
            else:
                counts[key] = run
                used[key] = (window, stretch.table_id)
            i += run
        offset_us = end_us

    keys = list(used)
    exacts = [counts[key] * Fraction(used[key][0].price_per_hour, 60) for key in keys]
    exact = sum(exacts, Fraction(0))
    subtotal = _round_half_up(exact)
    amounts = _allocate(exacts, subtotal)
    lines = tuple(
        BillLine(
            tariff_id=used[key][0].id,
            tariff_name=used[key][0].name,
            minutes=counts[key],
            price_per_hour=used[key][0].price_per_hour,
            amount=amount,
            table_id=used[key][1],
        )
        for key, amount in zip(keys, amounts, strict=True)
    )

    total = subtotal
    if minutes > 0:
        total = max(total, policy.minimum_charge)
    total = _round_up_to(total, ROUNDING_RULES[policy.rounding])
    return Bill(
        lines=lines,
        minutes=minutes,
        exact=exact,
        subtotal=subtotal,
        total=total,
        adjustment=total - sum(amounts),
        paused_minutes=paused_minutes,
    )


# --- the whole bill: time, items, discount; splits -----------------------------------------


@dataclass(frozen=True, slots=True)
class Discount:
    """Staff's discount on a bill: ``percent`` (0..100) of time + items, or an ``amount``."""

    percent: int = 0
    amount: int = 0  # kopecks

    def __post_init__(self) -> None:
        if not _is_int(self.percent) or not 0 <= self.percent <= 100:
            raise ValueError("percent must be an int 0..100")
        if not _is_int(self.amount) or self.amount < 0:
            raise ValueError("amount must be a non-negative int (kopecks)")


@dataclass(frozen=True, slots=True)
class Totals:
    time: int  # the table time (Bill.total)
    items: int  # food, drinks, rentals
    discount: int  # what the discount took off (never more than time + items)
    total: int  # time + items - discount, >= 0


def bill_totals(*, time_total: int, item_amounts: Sequence[int], discount: Discount) -> Totals:
    """The bill's total: time + items - discount (percent rounded half-up), never negative."""
    if not _is_int(time_total) or time_total < 0:
        raise ValueError("time_total must be a non-negative int (kopecks)")
    if not all(_is_int(a) and a >= 0 for a in item_amounts):
        raise ValueError("item amounts must be non-negative ints (kopecks)")
    items = sum(item_amounts)
    gross = time_total + items
    off = _round_half_up(Fraction(gross * discount.percent, 100)) + discount.amount
    off = min(off, gross)
    return Totals(time=time_total, items=items, discount=off, total=gross - off)


def split_by_weights(total: int, weights: Sequence[int]) -> list[int]:
    """Shares of ``total`` proportional to ``weights`` (largest remainder): they sum to ``total``
    exactly. All-zero weights split equally."""
    if not _is_int(total) or total < 0:
        raise ValueError("total must be a non-negative int (kopecks)")
    if not weights:
        raise ValueError("a split needs at least one share")
    if not all(_is_int(w) and w >= 0 for w in weights):
        raise ValueError("weights must be non-negative ints")
    if sum(weights) == 0:
        weights = [1] * len(weights)
    whole = sum(weights)
    exacts = [Fraction(total * w, whole) for w in weights]
    floors = [math.floor(x) for x in exacts]
    missing = total - sum(floors)
    order = sorted(range(len(exacts)), key=lambda i: (-(exacts[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += 1
    return floors


def split_equally(total: int, n: int) -> list[int]:
    return split_by_weights(total, [1] * n)


def split_loser_pays(*, time_total: int, rest: int, losses: Sequence[int]) -> list[int]:
    """ "The loser pays the table time": the time is split by how many of the session's finished
    matches each player lost (equally if nobody lost one); the rest (items less discount) equally.
    """
    time_shares = split_by_weights(time_total, losses)
    rest_shares = split_equally(rest, len(losses))
    return [a + b for a, b in zip(time_shares, rest_shares, strict=True)]
