"""Unit and property tests for games.billing (no Django needed)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from games.billing import (
    Bill,
    BillingPolicy,
    BillLine,
    NoTariffError,
    TariffWindow,
    bill_session,
)

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = frozenset(range(5))
ALL_DAYS = frozenset(range(7))

BASE = TariffWindow(1, "Night", 20000, ALL_DAYS, time(0), time(0), priority=-1)  # 24 h fallback
DAY = TariffWindow(2, "Day", 30000, WEEKDAYS, time(8), time(18))
EVENING = TariffWindow(3, "Evening", 60000, frozenset({0, 1, 2, 3}), time(18), time(2))
FRIDAY_EVENING = TariffWindow(4, "Friday evening", 72000, frozenset({4}), time(18), time(0))
WEEKEND = TariffWindow(5, "Weekend", 48000, frozenset({5, 6}), time(0), time(0))
CLUB = (BASE, DAY, EVENING, FRIDAY_EVENING, WEEKEND)


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


def line(window: TariffWindow, minutes: int, amount: int) -> BillLine:
    return BillLine(window.id, window.name, minutes, window.price_per_hour, amount)


# 2026-03-02 is a Monday, 2026-03-06 a Friday.


def test_session_inside_one_window():
    bill = bill_session(msk(2026, 3, 2, 10, 0), msk(2026, 3, 2, 11, 30), "Europe/Moscow", CLUB)
    assert bill == Bill(
        lines=(line(DAY, 90, 45000),),
        minutes=90,
        exact=Fraction(45000),
        subtotal=45000,
        total=45000,
        adjustment=0,
    )


def test_crossing_day_to_evening_at_18():
    bill = bill_session(msk(2026, 3, 3, 17, 30), msk(2026, 3, 3, 18, 45), MSK, CLUB)
    assert bill.lines == (line(DAY, 30, 15000), line(EVENING, 45, 45000))
    assert bill.minutes == 75
    assert bill.total == 60000


def test_evening_window_belongs_to_the_weekday_it_starts_on():
    # Thu 18:00-02:00 covers Fri 01:00; Sun is not an evening day, so Mon 01:00 is the fallback.
    thu_night = bill_session(msk(2026, 3, 6, 1, 0), msk(2026, 3, 6, 1, 10), MSK, CLUB)
    assert thu_night.lines == (line(EVENING, 10, 10000),)
    sun_night = bill_session(msk(2026, 3, 2, 1, 0), msk(2026, 3, 2, 1, 10), MSK, CLUB)
    assert sun_night.lines == (line(BASE, 10, 3333),)
    after_two = bill_session(msk(2026, 3, 6, 1, 55), msk(2026, 3, 6, 2, 5), MSK, CLUB)
    assert after_two.lines == (line(EVENING, 5, 5000), line(BASE, 5, 1667))


def test_crossing_midnight_friday_into_weekend():
    bill = bill_session(msk(2026, 3, 6, 23, 30), msk(2026, 3, 7, 0, 30), MSK, CLUB)
    assert bill.lines == (line(FRIDAY_EVENING, 30, 36000), line(WEEKEND, 30, 24000))
    assert bill.subtotal == bill.total == 60000


def test_session_given_in_utc_uses_club_local_time():
    start = msk(2026, 3, 3, 17, 30).astimezone(UTC)
    bill = bill_session(start, start + timedelta(minutes=75), MSK, CLUB)
    assert bill.lines == (line(DAY, 30, 15000), line(EVENING, 45, 45000))


def test_61_seconds_is_two_minutes():
    start = msk(2026, 3, 2, 10, 0)
    bill = bill_session(start, start + timedelta(seconds=61), MSK, CLUB)
    assert bill.minutes == 2
    assert bill.total == 1000
    one_us = bill_session(start, start + timedelta(microseconds=1), MSK, CLUB)
    assert one_us.minutes == 1
    exact_minute = bill_session(start, start + timedelta(seconds=60), MSK, CLUB)
    assert exact_minute.minutes == 1


def test_minute_boundaries_follow_the_session_start_not_the_clock():
    # Starts at 17:59:30: minute 0 begins at 17:59:30 (Day), minute 1 at 18:00:30 (Evening).
    start = msk(2026, 3, 3, 17, 59, 30)
    bill = bill_session(start, start + timedelta(seconds=90), MSK, CLUB)
    assert bill.lines == (line(DAY, 1, 500), line(EVENING, 1, 1000))


def test_zero_seconds_is_a_zero_bill():
    start = msk(2026, 3, 2, 10, 0)
    bill = bill_session(start, start, MSK, CLUB, BillingPolicy(minimum_charge=50000))
    assert bill == Bill(lines=(), minutes=0, exact=Fraction(0), subtotal=0, total=0, adjustment=0)
    assert type(bill.total) is int


def test_end_before_start_is_an_error():
    with pytest.raises(ValueError):
        bill_session(msk(2026, 3, 2, 10, 0), msk(2026, 3, 2, 9, 59), MSK, CLUB)


def test_naive_datetimes_are_an_error():
    with pytest.raises(ValueError):
        bill_session(datetime(2026, 3, 2, 10), msk(2026, 3, 2, 11), MSK, CLUB)


def test_minimum_charge():
    start = msk(2026, 3, 2, 10, 0)
    bill = bill_session(start, start + timedelta(minutes=5), MSK, CLUB, BillingPolicy(10000))
    assert bill.subtotal == 2500
    assert bill.total == 10000
    assert bill.adjustment == 7500
    above = bill_session(start, start + timedelta(minutes=30), MSK, CLUB, BillingPolicy(10000))
    assert above.total == above.subtotal == 15000
    assert above.adjustment == 0


ODD = TariffWindow(9, "Odd", 12345, ALL_DAYS, time(0), time(0))


@pytest.mark.parametrize(
    ("rounding", "minutes", "total"),
    [
        ("kopeck", 7, 1440),  # 7 * 12345 / 60 = 1440.25
        ("ruble_up", 7, 1500),
        ("ten_rubles_up", 7, 2000),
        ("kopeck", 12, 2469),  # exactly 2469
        ("ruble_up", 12, 2500),
        ("ten_rubles_up", 12, 3000),
        ("ruble_up", 0, 0),
    ],
)
def test_rounding_rules(rounding, minutes, total):
    start = msk(2026, 3, 2, 10, 0)
    policy = BillingPolicy(rounding=rounding)
    bill = bill_session(start, start + timedelta(minutes=minutes), MSK, [ODD], policy)
    assert bill.total == total
    assert bill.adjustment == total - bill.subtotal


def test_rounding_does_not_change_exact_multiples():
    start = msk(2026, 3, 2, 10, 0)
    flat = TariffWindow(1, "Flat", 60000, ALL_DAYS, time(0), time(0))
    for rule in ("ruble_up", "ten_rubles_up"):
        bill = bill_session(
            start, start + timedelta(minutes=1), MSK, [flat], BillingPolicy(0, rule)
        )
        assert bill.total == 1000


def test_minimum_charge_then_rounding():
    start = msk(2026, 3, 2, 10, 0)
    policy = BillingPolicy(minimum_charge=10050, rounding="ruble_up")
    bill = bill_session(start, start + timedelta(minutes=1), MSK, [ODD], policy)
    assert bill.total == 10100


def test_half_up_to_the_kopeck():
    start = msk(2026, 3, 2, 10, 0)
    half = TariffWindow(1, "Half", 30, ALL_DAYS, time(0), time(0))  # 0.5 kopeck per minute
    assert bill_session(start, start + timedelta(minutes=1), MSK, [half]).subtotal == 1
    assert bill_session(start, start + timedelta(minutes=3), MSK, [half]).subtotal == 2
    third = TariffWindow(1, "Third", 20, ALL_DAYS, time(0), time(0))
    assert bill_session(start, start + timedelta(minutes=1), MSK, [third]).subtotal == 0


def test_largest_remainder_lines_add_up_to_subtotal():
    a = TariffWindow(1, "A", 100, ALL_DAYS, time(10), time(10, 1))
    b = TariffWindow(2, "B", 100, ALL_DAYS, time(10, 1), time(10, 2))
    start = msk(2026, 3, 2, 10, 0)
    bill = bill_session(start, start + timedelta(minutes=2), MSK, [a, b])
    # 5/3 + 5/3 = 10/3 -> 3 kopecks; floors 1 + 1, the missing kopeck goes to the first line.
    assert bill.exact == Fraction(10, 3)
    assert bill.subtotal == 3
    assert [ln.amount for ln in bill.lines] == [2, 1]


def test_priority_then_narrowest_window_wins():
    wide = TariffWindow(1, "Wide", 1000 * 60, ALL_DAYS, time(0), time(0))
    narrow = TariffWindow(2, "Narrow", 2000 * 60, ALL_DAYS, time(10), time(12))
    vip = TariffWindow(3, "Promo", 500 * 60, ALL_DAYS, time(0), time(0), priority=5)
    start = msk(2026, 3, 2, 9, 59)
    bill = bill_session(start, start + timedelta(minutes=2), MSK, [wide, narrow])
    assert bill.lines == (line(wide, 1, 1000), line(narrow, 1, 2000))
    bill = bill_session(start, start + timedelta(minutes=2), MSK, [narrow, wide, vip])
    assert bill.lines == (line(vip, 2, 1000),)


def test_lines_in_first_use_order_and_merged():
    # Mon 17:00 -> Tue 09:00: Day, Evening, Night, Day again (merged into the first Day line).
    bill = bill_session(msk(2026, 3, 2, 17, 0), msk(2026, 3, 3, 9, 0), MSK, CLUB)
    assert [ln.tariff_id for ln in bill.lines] == [DAY.id, EVENING.id, BASE.id]
    assert [ln.minutes for ln in bill.lines] == [120, 480, 360]


def test_no_tariff_error_names_the_local_time():
    start = msk(2026, 3, 2, 17, 58)
    with pytest.raises(NoTariffError, match=r"Mon 2026-03-02T18:00:00\+03:00") as excinfo:
        bill_session(start, start + timedelta(minutes=5), MSK, [DAY])
    assert excinfo.value.local_time == msk(2026, 3, 2, 18, 0)


def test_invalid_inputs_are_rejected():
    with pytest.raises(ValueError):
        TariffWindow(1, "x", 10.5, ALL_DAYS, time(0), time(0))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        TariffWindow(1, "x", 100, frozenset({7}), time(0), time(0))
    with pytest.raises(ValueError):
        TariffWindow(1, "x", 100, frozenset(), time(0), time(0))
    with pytest.raises(ValueError):
        BillingPolicy(rounding="banker")
    with pytest.raises(ValueError):
        BillingPolicy(minimum_charge=-1)


# --- DST (Europe/Moscow has none; Europe/Berlin does) ----------------------------------------

NIGHT_B = TariffWindow(1, "Night", 6000, ALL_DAYS, time(0), time(3))  # 100 kopecks / minute
DAY_B = TariffWindow(2, "Day", 12000, ALL_DAYS, time(3), time(0))  # 200 kopecks / minute


def test_dst_spring_forward_bills_real_minutes():
    # 2026-03-29 02:00 CET -> 03:00 CEST: 01:30 CET to 03:30 CEST is one real hour.
    start = datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN)
    end = datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=1)
    bill = bill_session(start, end, "Europe/Berlin", [NIGHT_B, DAY_B])
    assert bill.minutes == 60
    assert bill.lines == (line(NIGHT_B, 30, 3000), line(DAY_B, 30, 6000))


def test_dst_fall_back_bills_the_repeated_hour():
    # 2026-10-25 03:00 CEST -> 02:00 CET: 01:30 CEST to 03:30 CET is three real hours.
    start = datetime(2026, 10, 25, 1, 30, tzinfo=BERLIN)
    end = datetime(2026, 10, 25, 3, 30, tzinfo=BERLIN)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=3)
    bill = bill_session(start, end, BERLIN, [NIGHT_B, DAY_B])
    assert bill.minutes == 180
    # 01:30-03:00 CEST (90) + 02:00-03:00 CET again (60) at Night, then 03:00-03:30 CET at Day.
    assert bill.lines == (line(NIGHT_B, 150, 15000), line(DAY_B, 30, 6000))


def test_dst_same_tzinfo_subtraction_pitfall_is_avoided():
    # Wall-clock subtraction would say 2 h; the bill must use the real 1 h.
    start = datetime(2026, 3, 29, 1, 0, tzinfo=BERLIN)
    end = datetime(2026, 3, 29, 3, 0, tzinfo=BERLIN)
    assert end - start == timedelta(hours=2)  # Python's same-tzinfo arithmetic
    assert bill_session(start, end, BERLIN, [BASE]).minutes == 60


def test_24h_session_bills_every_minute_once():
    # Speed is measured by bench/billing.py, not asserted here.
    start = msk(2026, 3, 6, 12, 0, 30)
    bill = bill_session(start, start + timedelta(hours=24), MSK, CLUB)
    assert bill.minutes == 1440
    assert sum(line.minutes for line in bill.lines) == 1440


# --- property tests -------------------------------------------------------------------------

ZONES = ["Europe/Moscow", "Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata"]
ZONES += ["Australia/Lord_Howe"]  # 30-minute DST shift


def reference_tariff(tariffs, local: datetime) -> TariffWindow:
    """Independent re-implementation of the tariff choice for one club-local wall time."""
    t, day = local.time(), local.weekday()
    candidates = []
    for w in tariffs:
        start_s = w.start.hour * 3600 + w.start.minute * 60 + w.start.second
        end_s = w.end.hour * 3600 + w.end.minute * 60 + w.end.second
        t_s = t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6
        if end_s > start_s:
            hit = day in w.weekdays and start_s <= t_s < end_s
            span = end_s - start_s
        else:
            hit = (day in w.weekdays and t_s >= start_s) or (
                (day + 6) % 7 in w.weekdays and t_s < end_s
            )
            span = end_s - start_s + 86400
        if hit:
            candidates.append(((-w.priority, span, len(w.weekdays), w.id), w))
    assert candidates, local
    return min(candidates, key=lambda c: c[0])[1]


def reference_exact(start: datetime, end: datetime, zone: ZoneInfo, tariffs) -> Fraction:
    elapsed = end.astimezone(UTC) - start.astimezone(UTC)
    minutes = math.ceil(elapsed / timedelta(minutes=1))
    total = Fraction(0)
    for i in range(minutes):
        local = (start.astimezone(UTC) + timedelta(minutes=i)).astimezone(zone)
        total += Fraction(reference_tariff(tariffs, local).price_per_hour, 60)
    return total


minute_times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 7]))


@st.composite
def tariff_sets(draw, divisible_by_60: bool = False):
    prices = (
        st.integers(0, 5000).map(lambda p: p * 60) if divisible_by_60 else st.integers(0, 10**6)
    )
    windows = [TariffWindow(0, "Base", draw(prices), ALL_DAYS, time(0), time(0), priority=-1)]
    for i in range(draw(st.integers(0, 5))):
        windows.append(
            TariffWindow(
                i + 1,
                f"T{i + 1}",
                draw(prices),
                frozenset(draw(st.sets(st.integers(0, 6), min_size=1))),
                draw(minute_times),
                draw(minute_times),
                draw(st.integers(-1, 2)),
            )
        )
    return draw(st.permutations(windows))


@st.composite
def sessions(draw, max_minutes: int = 3 * 24 * 60):
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    naive = draw(st.datetimes(datetime(2024, 1, 1), datetime(2027, 12, 31)))
    # start near a DST change or midnight often enough: snap to :00/:30 with some probability
    if draw(st.booleans()):
        naive = naive.replace(minute=draw(st.sampled_from([0, 30, 59])), second=0, microsecond=0)
    start = naive.replace(tzinfo=UTC).astimezone(zone)
    duration = draw(
        st.one_of(
            st.integers(0, max_minutes * 60_000_000).map(lambda us: timedelta(microseconds=us)),
            st.integers(0, max_minutes).map(lambda m: timedelta(minutes=m)),
        )
    )
    return start, start + duration, zone


def minutes_after(start: datetime, minutes: int) -> datetime:
    """`minutes` real minutes after `start` (aware arithmetic in a zone is wall-clock: across a DST
    change `start + timedelta` could land past the session's end)."""
    return (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo)


def whole_minutes_in(start: datetime, end: datetime) -> int:
    """The largest m with start + m minutes <= end (the split point must lie inside the session)."""
    return (end.astimezone(UTC) - start.astimezone(UTC)) // timedelta(minutes=1)


policies = st.builds(
    BillingPolicy,
    st.integers(0, 200_000),
    st.sampled_from(["kopeck", "ruble_up", "ten_rubles_up"]),
)

PROPERTY_SETTINGS = settings(
    deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(sessions(max_minutes=2 * 24 * 60), tariff_sets())
def test_property_exact_is_the_sum_of_per_minute_prices(session, tariffs):
    start, end, zone = session
    bill = bill_session(start, end, zone, tariffs)
    assert bill.exact == reference_exact(start, end, zone, tariffs)
    assert bill.minutes == sum(ln.minutes for ln in bill.lines)
    assert bill.exact == sum((ln.exact for ln in bill.lines), Fraction(0))


@PROPERTY_SETTINGS
@given(sessions(), tariff_sets(), st.data())
def test_property_splitting_at_a_minute_is_additive(session, tariffs, data):
    start, end, zone = session
    whole = bill_session(start, end, zone, tariffs)
    middle = minutes_after(start, data.draw(st.integers(0, whole_minutes_in(start, end))))
    first = bill_session(start, middle, zone, tariffs)
    second = bill_session(middle, end, zone, tariffs)
    assert first.minutes + second.minutes == whole.minutes
    assert first.exact + second.exact == whole.exact


@PROPERTY_SETTINGS
@given(sessions(), tariff_sets(divisible_by_60=True), st.data())
def test_property_whole_kopeck_minutes_split_subtotals(session, tariffs, data):
    start, end, zone = session
    whole = bill_session(start, end, zone, tariffs)
    middle = minutes_after(start, data.draw(st.integers(0, whole_minutes_in(start, end))))
    first = bill_session(start, middle, zone, tariffs)
    second = bill_session(middle, end, zone, tariffs)
    assert whole.subtotal == first.subtotal + second.subtotal


@PROPERTY_SETTINGS
@given(sessions(), tariff_sets(), policies)
def test_property_money_is_int_and_consistent(session, tariffs, policy):
    start, end, zone = session
    bill = bill_session(start, end, zone, tariffs, policy)
    for value in (bill.subtotal, bill.total, bill.adjustment, bill.minutes):
        assert type(value) is int
    for ln in bill.lines:
        assert type(ln.amount) is int and type(ln.minutes) is int
        assert abs(ln.amount - ln.exact) < 1
        assert ln.minutes > 0
    assert type(bill.exact) is Fraction
    assert sum(ln.amount for ln in bill.lines) == bill.subtotal
    assert bill.subtotal == math.floor(bill.exact + Fraction(1, 2))
    assert bill.total >= bill.subtotal >= 0
    assert bill.adjustment == bill.total - bill.subtotal
    if bill.minutes > 0:
        assert bill.total >= policy.minimum_charge
        step = {"kopeck": 1, "ruble_up": 100, "ten_rubles_up": 1000}[policy.rounding]
        assert bill.total % step == 0
        assert bill.total - max(bill.subtotal, policy.minimum_charge) < step
    else:
        assert bill.total == 0 and bill.lines == ()
