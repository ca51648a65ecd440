"""Signal receivers: the match signals (finished, reopened, result confirmed/disputed/voided) and a closed table session enqueue the stats tasks after
commit (the signals are sent inside the scoring transaction; the task must see its result)."""

from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from games.models import Match, TableSession
from games.scoring.signals import match_finished, match_reopened, match_result_changed
from stats.tasks import apply_match_stats, refresh_play_time


def _enqueue_match(match_id: int) -> None:
    apply_match_stats.delay(match_id)


@receiver(match_finished, sender=Match, dispatch_uid="stats-match-finished")
def on_match_finished(sender, match, **kwargs):
    transaction.on_commit(partial(_enqueue_match, match.pk))


@receiver(match_reopened, sender=Match, dispatch_uid="stats-match-reopened")
def on_match_reopened(sender, match, **kwargs):
    transaction.on_commit(partial(_enqueue_match, match.pk))


@receiver(match_result_changed, sender=Match, dispatch_uid="stats-match-result-changed")
def on_match_result_changed(sender, match, **kwargs):
    """Confirmed, disputed or voided: the finish task counts exactly the confirmed results."""
    transaction.on_commit(partial(_enqueue_match, match.pk))


_muted: ContextVar[bool] = ContextVar("stats_receivers_muted", default=False)


@contextmanager
def muted():
    """Bulk writers (demo data, imports) that run `stats_rebuild` afterwards skip the per-session
    play-time task."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def _enqueue_play_time(session_id: int) -> None:
    refresh_play_time.delay(session_id)


@receiver(post_save, sender=TableSession, dispatch_uid="stats-session-closed")
def on_session_saved(sender, instance, created, update_fields=None, **kwargs):
    if instance.ended_at is None or _muted.get():
        return
    if update_fields is not None and "ended_at" not in update_fields:
        return
    transaction.on_commit(partial(_enqueue_play_time, instance.pk))
