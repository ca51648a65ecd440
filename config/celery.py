"""The Celery app. Redis broker in production; eager (in-process) in the embedded default.

The request id of the request that enqueued a task travels in the task headers and is bound to
the task's logs (core/logs.py).
"""

import os

import structlog
from celery import Celery, signals

from core.logs import request_id_var

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("artel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

REQUEST_ID_HEADER = "artel_request_id"


@signals.before_task_publish.connect
def _attach_request_id(headers=None, **_kwargs):
    rid = request_id_var.get()
    if rid and headers is not None:
        headers.setdefault(REQUEST_ID_HEADER, rid)


@signals.task_prerun.connect
def _bind_request_id(task=None, **_kwargs):
    rid = getattr(task.request, REQUEST_ID_HEADER, None) if task is not None else None
    if rid is None and task is not None:
        rid = (task.request.headers or {}).get(REQUEST_ID_HEADER) if task.request.headers else None
    if rid is None:
        # Eager tasks run in the caller's context: the id is already set there.
        rid = request_id_var.get()
    structlog.contextvars.clear_contextvars()
    if rid:
        structlog.contextvars.bind_contextvars(request_id=rid)
    if task is not None:
        structlog.contextvars.bind_contextvars(task=task.name, task_id=task.request.id)


@signals.task_postrun.connect
def _unbind(**_kwargs):
    structlog.contextvars.clear_contextvars()
