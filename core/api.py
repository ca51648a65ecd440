"""The one API error handler: every error leaves the API in one shape, JSON 404/500 under /api/.

Every error leaves the API as `{"detail": "<human sentence>", "code": "<machine_code>", ...}`.
Services raise `DomainError` subclasses (stable code, translated message, HTTP status); the
exception handler below is the only place that turns them — and DRF's own errors — into responses.

Views check their input one way: an `InputSerializer` of the app's `serializers.py` through
`validated()`; a refused input is a DRF `ValidationError`, answered by the handler as
`{"detail", "code", "errors"}` (400).
"""

import logging
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError, error_body

logger = logging.getLogger(__name__)


def _first_code(codes):
    """The first machine code in DRF's nested get_codes() structure."""
    if isinstance(codes, str):
        return codes
    if isinstance(codes, dict):
        for value in codes.values():
            return _first_code(value)
    if isinstance(codes, list) and codes:
        return _first_code(codes[0])
    return "invalid"


def _first_message(detail):
    if isinstance(detail, dict):
        for key, value in detail.items():
            msg = _first_message(value)
            return msg if key in ("non_field_errors", "detail") else f"{key}: {msg}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


# --- input ---------------------------------------------------------------------------------


def _recoded(detail, code: str):
    """DRF's nested error detail with every message's code set to `code` (the text is kept)."""
    if isinstance(detail, dict):
        return {key: _recoded(value, code) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_recoded(value, code) for value in detail]
    return exceptions.ErrorDetail(str(detail), code=code)


# The input of an API view (a body or a query string), checked with `validated()`.
# `error_code`, when set, is the one `code` every refusal of this input answers with (an endpoint
# whose clients only tell "malformed" from the rest); `errors` still says which field is wrong and
# why. Unset, the code is the first field error's own (`invalid_choice`, ...). (Comments, not a
# docstring: the schema would show an inherited docstring as every input's description.)
class InputSerializer(serializers.Serializer):
    error_code: ClassVar[str | None] = None

    def is_valid(self, *, raise_exception=False):
        valid = super().is_valid(raise_exception=False)
        if not valid and raise_exception:
            errors = self.errors
            raise exceptions.ValidationError(
                _recoded(errors, self.error_code) if self.error_code else errors
            )
        return valid


def validated(
    serializer_class: type[serializers.Serializer], data, *, partial: bool = False, **context: Any
) -> dict:
    """`data` checked by `serializer_class` (its validated data); a refusal raises DRF's
    `ValidationError`, which `exception_handler` answers with 400 `{"detail", "code", "errors"}`.
    `partial`: missing fields are left out (a PATCH); other keyword arguments become the
    serializer's context."""
    serializer = serializer_class(data=data, partial=partial, context=context)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- errors --------------------------------------------------------------------------------


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        response = Response(error_body(exc.detail, exc.code, **exc.extra), status=exc.status_code)
        if exc.retry_after is not None:
            response["Retry-After"] = str(int(exc.retry_after))
        return response
    if isinstance(exc, OverflowError | DataError):
        # A number (or value) in the request beyond what the database can hold, reaching a query
        # unchecked (e.g. an id of 10**30): bad input, never a 500.
        logger.warning("out-of-range value reached the database: %s", exc)
        return Response(
            error_body(_("A value in the request is out of range."), "invalid_request"),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, OperationalError | InterfaceError):
        # The database is unreachable or restarting: tell the client to come back, not a 500.
        logger.warning("database unavailable: %s", exc)
        response = Response(
            error_body(_("The service is temporarily unavailable."), "service_unavailable"),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        response["Retry-After"] = "5"
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(
            _first_message(exc.detail), _first_code(exc.get_codes()), errors=exc.detail
        )
        if response.data["code"] in ("required", "null", "blank", "invalid", "does_not_exist"):
            response.data["code"] = "invalid_request"
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else _first_code(codes)
        detail = exc.detail
        if isinstance(detail, dict):
            detail = detail.get("detail", _first_message(detail))
        extra = {}
        if isinstance(exc, exceptions.Throttled):
            extra["retry_after"] = exc.wait
        response.data = error_body(detail, code, **extra)
    return response


def _is_api(request):
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body(_("Not found."), "not_found"), status=404)

    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse(
            error_body(_("Something went wrong on our side."), "server_error"), status=500
        )

    return defaults.server_error(request)


def permission_denied(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body(_("Permission denied."), "permission_denied"), status=403)

    return defaults.permission_denied(request, exception)


def bad_request(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body(_("Bad request."), "bad_request"), status=400)

    return defaults.bad_request(request, exception)


class DatabaseUnavailableMiddleware:
    """Outside DRF views too, a lost database answers 503 JSON for the API (never a 500 page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            logger.warning("database unavailable: %s", exception)
            response = JsonResponse(
                error_body(_("The service is temporarily unavailable."), "service_unavailable"),
                status=503,
            )
            response["Retry-After"] = "5"
            return response
        return None
