"""Periodic tasks of the club floor (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

import structlog
from celery import shared_task

from games import services

logger = structlog.get_logger(__name__)


@shared_task(name="games.tasks.sweep_no_shows", ignore_result=True)
def sweep_no_shows() -> int:
    """Every minute: mark bookings past their grace period `no_show` (frees the tables and
    broadcasts the floor), publish floors whose statuses changed with the clock (a table turns
    reserved), then push the running bills of open sessions to their players."""
    marked = services.bookings_sweep_no_shows()
    services.deposits_sweep_unpaid()
    services.floor_tick()
    services.sessions_push_running_bills()
    return marked
