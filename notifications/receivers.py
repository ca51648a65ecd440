"""Wiring: which signals of the other apps feed which notification source.

`connect()` is called once from `NotificationsConfig.ready()`; the receivers themselves live with
their source (`notifications/sources/`). Models are named by label, so nothing here needs the
other apps' models imported.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from core.metrics import NOTIFICATION_BACKLOG
from games.scoring.signals import match_finished, match_reopen_requested, match_result_changed
from games.signals import session_billed
from notifications.rendering import club_tz_forget
from notifications.selectors import backlog_count
from notifications.sources import achievements, bills, bookings, matches, results, table_watches
from stats.signals import achievement_awarded


def connect() -> None:
    post_save.connect(club_tz_forget, sender="games.Club", dispatch_uid="notifications.club_tz")
    post_delete.connect(club_tz_forget, sender="games.Club", dispatch_uid="notifications.club_tz_d")
    post_save.connect(
        bookings.on_booking_saved, sender="games.Booking", dispatch_uid="notifications.booking"
    )
    post_save.connect(
        table_watches.on_table_session_saved,
        sender="games.TableSession",
        dispatch_uid="notifications.table_session",
    )
    session_billed.connect(bills.on_session_billed, dispatch_uid="notifications.session_bill")
    match_finished.connect(matches.on_match_finished, dispatch_uid="notifications.match_finished")
    match_finished.connect(results.on_match_finished, dispatch_uid="notifications.result_confirm")
    match_result_changed.connect(
        results.on_match_result_changed, dispatch_uid="notifications.result_changed"
    )
    match_reopen_requested.connect(
        results.on_match_reopen_requested, dispatch_uid="notifications.result_reopen"
    )
    achievement_awarded.connect(
        achievements.on_achievement_awarded, dispatch_uid="notifications.achievement"
    )
    NOTIFICATION_BACKLOG.set_function(_backlog)


def _backlog() -> float:
    try:
        return float(backlog_count())
    except Exception:  # noqa: BLE001 - a scrape must not fail on the database
        return float("nan")
