"""Enqueue a Celery task by its name.

A lower layer that must start a task defined higher up (a module that imports it) names the task
instead of importing it. The registered task is used when this process knows it, so eager mode
(`CELERY_TASK_ALWAYS_EAGER`, the embedded default) and tests run it inline as `.delay()` would;
otherwise the message goes to the broker for a worker that does.
"""

from __future__ import annotations

from celery import current_app


def enqueue(name: str, *args, **kwargs):
    """`name.delay(*args, **kwargs)` without importing the task's module."""
    task = current_app.tasks.get(name)
    if task is None:
        return current_app.send_task(name, args=args, kwargs=kwargs)
    return task.apply_async(args=args, kwargs=kwargs)
