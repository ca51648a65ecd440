"""Celery tasks of the stats app: they take ids, call a service, retry transient failures."""

import structlog
from celery import shared_task
from django.db import DatabaseError, OperationalError

from stats import services

logger = structlog.get_logger(__name__)

RETRY_COUNTDOWN = 10


@shared_task(bind=True, max_retries=5, acks_late=True)
def apply_match_stats(self, match_id: int) -> bool:
    """A match finished, or its result changed: bring stats, ratings and awards in line.
    Idempotent (a repeat finds the same fingerprint and changes nothing)."""
    try:
        return services.match_stats_apply(match_id=match_id)
    except (OperationalError, DatabaseError) as exc:
        # Lock timeouts, a restarting database, a serialisation failure: try again later.
        logger.warning("stats apply failed, retrying", match=match_id, error=str(exc))
        raise self.retry(exc=exc, countdown=RETRY_COUNTDOWN * (self.request.retries + 1)) from exc


@shared_task(bind=True, max_retries=5, acks_late=True)
def refresh_play_time(self, session_id: int) -> None:
    """A table session closed: its players' play time and hour awards."""
    try:
        services.player_play_time_refresh(session_id=session_id)
    except (OperationalError, DatabaseError) as exc:
        raise self.retry(exc=exc, countdown=RETRY_COUNTDOWN * (self.request.retries + 1)) from exc
