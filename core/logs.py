"""Logging: structured JSON in production, readable lines in development, a request id on each line.

The request id comes from the incoming `X-Request-ID` header (when it looks sane) or is generated,
is echoed in the response, and travels with Celery tasks started while serving the request (see
config/celery.py), so one id ties a request to the background work it caused.
"""

import logging
import re
import uuid
from contextvars import ContextVar

import structlog

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _add_request_id(_logger, _method, event_dict):
    rid = request_id_var.get()
    if rid and "request_id" not in event_dict:
        event_dict["request_id"] = rid
    return event_dict


PRE_CHAIN = [
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    _add_request_id,
    structlog.stdlib.ExtraAdder(),
]


def make_formatter(fmt: str = "json") -> structlog.stdlib.ProcessorFormatter:
    renderer = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    processors = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if fmt == "json":
        processors.append(structlog.processors.format_exc_info)
    processors.append(renderer)
    return structlog.stdlib.ProcessorFormatter(processors=processors, foreign_pre_chain=PRE_CHAIN)


structlog.configure(
    processors=[
        structlog.contextvars.merge_contextvars,
        *PRE_CHAIN,
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)


def new_request_id() -> str:
    return uuid.uuid4().hex


def clean_request_id(value: str | None) -> str:
    """An incoming id is honoured only when it is short and plain (it ends up in logs)."""
    if value and _VALID_REQUEST_ID.match(value):
        return value
    return new_request_id()


class RequestIdMiddleware:
    """Sets the request id for the request's logs and echoes it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = clean_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = rid
        token = request_id_var.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = rid
        return response


def get_logger(name: str | None = None):
    return structlog.get_logger(name)


logging.captureWarnings(True)
