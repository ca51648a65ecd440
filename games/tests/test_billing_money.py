"""Properties of the money at the table in games.billing: pauses, transfers, totals, splits.

No Django: the engine is fed plain objects (issue 18, "Done when").
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from games.billing import (
    Discount,
    Stretch,
    TariffWindow,
    bill_session,
    bill_stretches,
    bill_totals,
    split_by_weights,
    split_equally,
    split_loser_pays,
)

MSK = ZoneInfo("Europe/Moscow")
ALL_DAYS = frozenset(range(7))
# Table 1 (pyramid): a day and an evening price; table 2 (pool): one flat price.
PYRAMID = (
    TariffWindow(1, "Pyramid night", 40000, ALL_DAYS, time(0), time(0), priority=-1),
    TariffWindow(2, "Pyramid day", 30000, ALL_DAYS, time(10), time(18)),
)
POOL = (TariffWindow(3, "Pool", 25000, ALL_DAYS, time(0), time(0)),)
START = datetime(2026, 3, 6, 16, 0, tzinfo=MSK)

PROPS = settings(max_examples=60, deadline=None)

minutes_st = st.integers(min_value=0, max_value=6 * 60)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def test_a_pause_is_not_billed_and_shows_on_the_bill():
    bill = bill_stretches([Stretch(at(0), at(90), PYRAMID, 1)], [(at(30), at(60))], MSK)
    assert bill.minutes == 60
    assert bill.paused_minutes == 30
    assert bill.total == 30000  # 60 day minutes at 300 ₽/h


def test_a_transfer_bills_each_stretch_at_its_own_tables_tariffs():
    bill = bill_stretches(
        [Stretch(at(0), at(60), PYRAMID, 1), Stretch(at(60), at(120), POOL, 2)], [], MSK
    )
    assert [(line.table_id, line.tariff_name, line.minutes) for line in bill.lines] == [
        (1, "Pyramid day", 60),
        (2, "Pool", 60),
    ]
    assert bill.total == 30000 + 25000


@PROPS
@given(length=minutes_st, pauses=st.lists(st.tuples(minutes_st, minutes_st), max_size=4))
def test_paused_minutes_are_never_billed(length, pauses):
    pauses = [(at(min(a, b)), at(max(a, b))) for a, b in pauses]
    bill = bill_stretches([Stretch(at(0), at(length), PYRAMID, 1)], pauses, MSK)
    covered = set()
    for a, b in pauses:
        covered |= set(
            range(int((a - START) / timedelta(minutes=1)), int((b - START) / timedelta(minutes=1)))
        )
    played = len(set(range(length)) - covered)
    assert bill.minutes == played
    assert bill.paused_minutes == length - played
    # pricing only the played minutes one by one gives the same exact sum
    exact = Fraction(0)
    for m in set(range(length)) - covered:
        local = at(m).astimezone(MSK)
        window = PYRAMID[1] if PYRAMID[1].covers(local) else PYRAMID[0]
        exact += Fraction(window.price_per_hour, 60)
    assert bill.exact == exact


@PROPS
@given(length=minutes_st, cut=st.integers(min_value=0, max_value=6 * 60))
def test_a_transfer_at_any_minute_bills_as_the_two_stretches_billed_apart(length, cut):
    cut = min(cut, length)
    together = bill_stretches(
        [Stretch(at(0), at(cut), PYRAMID, 1), Stretch(at(cut), at(length), POOL, 2)], [], MSK
    )
    first = bill_session(at(0), at(cut), MSK, PYRAMID)
    second = bill_session(at(cut), at(length), MSK, POOL)
    assert together.minutes == first.minutes + second.minutes
    assert together.exact == first.exact + second.exact
    # the subtotal rounds once, so it is within a kopeck of the two rounded apart
    assert abs(together.subtotal - (first.subtotal + second.subtotal)) <= 1
    assert sum(line.amount for line in together.lines) == together.subtotal


@PROPS
@given(length=minutes_st)
def test_a_transfer_to_the_same_tariffs_changes_nothing(length):
    cut = length // 3
    moved = bill_stretches(
        [Stretch(at(0), at(cut), PYRAMID, 1), Stretch(at(cut), at(length), PYRAMID, 4)], [], MSK
    )
    assert moved.total == bill_session(at(0), at(length), MSK, PYRAMID).total


@PROPS
@given(
    time_total=st.integers(min_value=0, max_value=10**7),
    items=st.lists(st.integers(min_value=0, max_value=10**6), max_size=10),
    percent=st.integers(min_value=0, max_value=100),
    amount=st.integers(min_value=0, max_value=10**8),
)
def test_items_and_discounts_never_make_a_total_negative(time_total, items, percent, amount):
    totals = bill_totals(
        time_total=time_total, item_amounts=items, discount=Discount(percent=percent, amount=amount)
    )
    assert totals.total >= 0
    assert totals.discount >= 0
    assert totals.total == time_total + sum(items) - totals.discount
    assert totals.items == sum(items)


@PROPS
@given(
    total=st.integers(min_value=0, max_value=10**8),
    weights=st.lists(st.integers(min_value=0, max_value=600), min_size=1, max_size=8),
)
def test_a_split_always_sums_to_the_bill_to_the_kopeck(total, weights):
    shares = split_by_weights(total, weights)
    assert sum(shares) == total
    assert all(s >= 0 for s in shares)
    whole = sum(weights) or len(weights)
    for share, w in zip(shares, weights if sum(weights) else [1] * len(weights), strict=True):
        assert abs(share - Fraction(total * w, whole)) < 1
    equal = split_equally(total, len(weights))
    assert sum(equal) == total and max(equal) - min(equal) <= 1
    time_total = total // 2
    loser = split_loser_pays(time_total=time_total, rest=total - time_total, losses=weights)
    assert sum(loser) == total


def test_the_loser_pays_the_table_time():
    assert split_loser_pays(time_total=60000, rest=1000, losses=[0, 2]) == [500, 60500]
    assert split_loser_pays(time_total=60000, rest=0, losses=[0, 0]) == [30000, 30000]


def test_bad_money_is_refused():
    with pytest.raises(ValueError):
        Discount(percent=101)
    with pytest.raises(ValueError):
        split_by_weights(100, [])
    with pytest.raises(ValueError):
        bill_totals(time_total=-1, item_amounts=[], discount=Discount())
    assert math.isclose(0, bill_totals(time_total=0, item_amounts=[], discount=Discount()).total)


BERLIN = ZoneInfo("Europe/Berlin")
window_st = st.builds(
    lambda i, price, days, sh, sm, eh, em, prio: TariffWindow(
        i, f"w{i}", price, frozenset(days), time(sh, sm), time(eh, em), prio
    ),
    st.integers(min_value=1, max_value=10**6),
    st.integers(min_value=0, max_value=200000),
    st.sets(st.integers(min_value=0, max_value=6), min_size=1),
    st.integers(min_value=0, max_value=23),
    st.sampled_from([0, 15, 30, 59]),
    st.integers(min_value=0, max_value=23),
    st.sampled_from([0, 15, 30, 59]),
    st.integers(min_value=-1, max_value=2),
)
FALLBACK = TariffWindow(0, "fallback", 10000, ALL_DAYS, time(0), time(0), priority=-5)


def reference_minutes(start, end, zone, windows):
    """Minute by minute, the slow obvious way: {tariff id: minutes}."""
    ranked = sorted(windows, key=lambda w: (-w.priority, w.span_seconds, len(w.weekdays), w.id))
    counts: dict[int, int] = {}
    start, end = start.astimezone(UTC), end.astimezone(UTC)  # real elapsed time, not wall clock
    length = -(-((end - start) // timedelta(microseconds=1)) // 60_000_000)
    for i in range(length):
        local = (start + i * timedelta(minutes=1)).astimezone(zone)
        w = next(w for w in ranked if w.covers(local))
        counts[w.id] = counts.get(w.id, 0) + 1
    return counts


@PROPS
@given(
    windows=st.lists(window_st, max_size=4, unique_by=lambda w: w.id),
    offset_s=st.integers(min_value=0, max_value=3 * 24 * 3600),
    length_s=st.integers(min_value=0, max_value=2 * 24 * 3600),
)
def test_minutes_priced_in_runs_match_minute_by_minute(windows, offset_s, length_s):
    # Around the spring DST change in Berlin (29 March 2026), seconds not on the minute.
    start = datetime(2026, 3, 27, 12, 0, 7, tzinfo=BERLIN) + timedelta(seconds=offset_s)
    end = start + timedelta(seconds=length_s)
    tariffs = (*windows, FALLBACK)
    bill = bill_session(start, end, BERLIN, tariffs)
    assert {line.tariff_id: line.minutes for line in bill.lines} == reference_minutes(
        start, end, BERLIN, tariffs
    )
