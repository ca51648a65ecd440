"""Properties of the quiet-hours schedule, for any time of day and any quiet window."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from notifications.models import NotificationProfile
from notifications.preferences import quiet_until, schedule_for

MSK = ZoneInfo("Europe/Moscow")
times = st.times().map(lambda t: t.replace(second=0, microsecond=0))
moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)).map(
    lambda d: d.replace(tzinfo=MSK, second=0, microsecond=0)
)
kinds = st.sampled_from(["announcement", "match_result", "booking_reminder", "booking_confirmed"])


def _in_quiet(local: time, start: time, end: time) -> bool:
    return start <= local < end if start < end else (local >= start or local < end)


@settings(max_examples=200, deadline=None)
@given(due=moments, start=times, end=times, kind=kinds, lead=st.integers(0, 600))
def test_a_message_is_never_scheduled_inside_quiet_hours_unless_silent(due, start, end, kind, lead):
    if start == end:
        return
    profile = NotificationProfile(quiet_start=start, quiet_end=end)
    payload = {"start": (due + timedelta(minutes=lead)).isoformat()}

    when, silent = schedule_for(kind=kind, payload=payload, due=due, profile=profile, tz=MSK)

    assert when >= due
    assert when - due <= timedelta(hours=24)
    if silent:
        assert when == due
    else:
        assert not _in_quiet(when.astimezone(MSK).time(), start, end)


@settings(max_examples=200, deadline=None)
@given(at=moments, start=times, end=times)
def test_quiet_until_is_none_exactly_outside_quiet_hours(at, start, end):
    if start == end:
        return
    profile = NotificationProfile(quiet_start=start, quiet_end=end)

    result = quiet_until(profile, at, MSK)

    assert (result is None) == (not _in_quiet(at.time(), start, end))
    if result is not None:
        assert result.astimezone(MSK).time() == end
