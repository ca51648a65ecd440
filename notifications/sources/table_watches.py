"""Table watches: "tell me when a pyramid table frees up". Fired when a table session closes."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from notifications.models import (
    Kind,
    TableWatch,
)
from notifications.outbox import notify
from notifications.selectors import open_watches


def table_watch_create(*, user, club, table_kind: str, until: datetime | None = None):
    """Ask to be told when a table of `table_kind` frees up, until the club's night ends
    (06:00 club time by default). A second request for the same kind extends the open one."""
    tz = club.tz
    if until is None:
        local = timezone.now().astimezone(tz)
        end_day = local.date() + timedelta(days=1 if local.hour >= 6 else 0)
        until = datetime.combine(end_day, time(6, 0), tzinfo=tz)
    with transaction.atomic():
        watch = (
            TableWatch.objects.select_for_update()
            .filter(user=user, club=club, table_kind=table_kind, notified_at__isnull=True)
            .first()
        )
        if watch is None:
            return TableWatch.objects.create(
                user=user, club=club, table_kind=table_kind, until=until
            )
        watch.until = max(watch.until, until)
        watch.save(update_fields=["until"])
        return watch


def table_watch_cancel(*, user, watch_id: int) -> bool:
    deleted, _rows = TableWatch.objects.filter(
        user=user, pk=watch_id, notified_at__isnull=True
    ).delete()
    return bool(deleted)


def table_watches_fire(*, club_id: int, table_kind: str, table=None) -> int:
    """A table of this kind just became free: one message per open watch, then it is done."""
    now = timezone.now()
    fired = 0
    with transaction.atomic():
        watches = list(
            open_watches(club_id=club_id, table_kind=table_kind)
            .select_for_update(skip_locked=True)
            .select_related("user")
        )
        for watch in watches:
            watch.notified_at = now
            watch.save(update_fields=["notified_at"])
            notify(
                user=watch.user,
                kind=Kind.TABLE_FREE,
                payload={
                    "table": str(getattr(table, "number", "") or "") if table else "",
                    "table_kind": table_kind,
                },
                dedupe_key=f"table_free:{watch.pk}",
            )
            fired += 1
    return fired


def on_table_session_saved(sender, instance, created, raw=False, **kwargs):
    """A table became free (its session closed): tell the players watching its kind."""
    if raw or created or instance.ended_at is None:
        return
    table = instance.table
    table_watches_fire(club_id=table.club_id, table_kind=table.kind, table=table)
