"""The periodic tasks of the embedded mode (`make run`), run inside the daphne process.

In production `celery beat` sends the periodic tasks to the Redis broker and a worker runs them;
their broadcasts reach every daphne through the Redis channel layer. In the embedded mode the
channel layer is in-memory: a task run in another process could never reach daphne's sockets. So
with `EMBEDDED_BEAT=1` daphne itself runs `CELERY_BEAT_SCHEDULE`: an asyncio task on daphne's
event loop that checks the schedule every second and runs each due task in a worker thread
(`sync_to_async`), where broadcasts find their way back to this loop.
"""

import asyncio
import logging
from datetime import timedelta

from asgiref.sync import sync_to_async
from celery.schedules import schedule as interval_schedule
from django.conf import settings
from django.utils import timezone

from config.celery import app

logger = logging.getLogger(__name__)
TICK_SECONDS = 1.0


def _schedules() -> dict:
    result = {}
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        sched = entry["schedule"]
        if isinstance(sched, int | float | timedelta):
            seconds = sched.total_seconds() if isinstance(sched, timedelta) else sched
            sched = interval_schedule(run_every=timedelta(seconds=seconds))
        result[name] = (entry["task"], sched, entry.get("args", ()), entry.get("kwargs", {}))
    return result


def _run_task(task_name: str, args, kwargs) -> None:
    app.loader.import_default_modules()
    try:
        app.tasks[task_name].apply(args=args, kwargs=kwargs, throw=True)
    except Exception:
        logger.exception("embedded beat: task %s failed", task_name)


async def run_schedule(stop: asyncio.Event | None = None) -> None:
    entries = _schedules()
    now = timezone.now()
    # Interval tasks run once at start-up (as beat does on a fresh schedule); crontab ones wait.
    last_run = {
        name: (now - sched.run_every) if isinstance(sched, interval_schedule) else now
        for name, (_task, sched, _a, _k) in entries.items()
    }
    logger.info("embedded beat started with %d periodic tasks", len(entries))
    while stop is None or not stop.is_set():
        for name, (task_name, sched, args, kwargs) in entries.items():
            due, _next = sched.is_due(last_run[name])
            if due:
                last_run[name] = timezone.now()
                await sync_to_async(_run_task, thread_sensitive=False)(task_name, args, kwargs)
        await asyncio.sleep(TICK_SECONDS)


class EmbeddedBeatMiddleware:
    """Starts the schedule on daphne's loop with the first connection (daphne has no lifespan)."""

    def __init__(self, app):
        self.app = app
        self.task: asyncio.Task | None = None

    async def __call__(self, scope, receive, send):
        if self.task is None and scope["type"] in ("http", "websocket"):
            self.task = asyncio.get_running_loop().create_task(run_schedule())
        return await self.app(scope, receive, send)
