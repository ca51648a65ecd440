"""Structured logs carry the request id, also into Celery tasks the request starts."""

import json
import logging
from types import SimpleNamespace

import structlog

from config import celery as celery_module
from core.logs import make_formatter, request_id_var


def _render(record_msg="hello", **extra):
    formatter = make_formatter("json")
    record = logging.LogRecord("artel.test", logging.INFO, __file__, 1, record_msg, (), None)
    for key, value in extra.items():
        setattr(record, key, value)
    return json.loads(formatter.format(record))


def test_json_log_lines_carry_the_request_id_of_the_request():
    token = request_id_var.set("req-42")
    try:
        line = _render()
    finally:
        request_id_var.reset(token)
    assert line["event"] == "hello"
    assert line["request_id"] == "req-42"
    assert line["level"] == "info"


def test_the_request_id_travels_in_task_headers():
    headers = {}
    token = request_id_var.set("req-7")
    try:
        celery_module._attach_request_id(headers=headers)
    finally:
        request_id_var.reset(token)
    assert headers[celery_module.REQUEST_ID_HEADER] == "req-7"


def test_a_worker_binds_the_request_id_from_the_task_headers():
    task = SimpleNamespace(
        name="some.task",
        request=SimpleNamespace(id="t1", headers=None, artel_request_id="req-9"),
    )
    celery_module._bind_request_id(task=task)
    try:
        bound = structlog.contextvars.get_contextvars()
    finally:
        celery_module._unbind()
    assert bound["request_id"] == "req-9"
    assert bound["task"] == "some.task"


def test_a_request_id_is_in_the_logs_of_an_eager_task_started_by_a_request(client, caplog):
    from config.celery import app

    seen = {}

    @app.task(name="tests.capture_request_id")
    def capture():
        seen["rid"] = structlog.contextvars.get_contextvars().get("request_id")

    token = request_id_var.set("req-eager")
    try:
        capture.delay()
    finally:
        request_id_var.reset(token)
    assert seen["rid"] == "req-eager"
