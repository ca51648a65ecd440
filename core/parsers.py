"""JSON at the edge: bodies are parsed with limits, so no input reaches the code as something the
database or the interpreter cannot take.

- Nesting deeper than `MAX_DEPTH` (a club app's bodies are 3 levels deep) is refused, and so is a
  body so deep that the decoder itself gives up (`RecursionError`).
- Text may not hold a NUL or a lone UTF-16 surrogate (`"\\ud800"` is valid JSON but no valid
  text: PostgreSQL refuses both, as an error of the request that stored it).

`loads()` raises `BadJSON` (a ValueError); the DRF parser turns it into a 400 — a `ParseError`, or for
bad text a `ValidationError` naming the field — whose `{"detail", "code"}` body comes from the one
error handler (`core/api.py`).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ErrorDetail, ParseError, ValidationError

from core.text import bad_text

MAX_DEPTH = 32


class BadJSON(ValueError):
    def __init__(self, message: str, code: str, *, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.field = field


def check(data, *, max_depth: int = MAX_DEPTH):
    """Raise BadJSON if `data` nests deeper than `max_depth` or holds bad text (its `field` is the
    top-level key the bad text is under, when the body is an object). Iterative: any depth is
    checked without recursion."""
    stack = [(data, 1, None)]
    while stack:
        value, depth, field = stack.pop()
        if isinstance(value, str):
            if bad_text(value):
                raise BadJSON(
                    _("Text in the request holds characters that are not allowed."),
                    "bad_text",
                    field=field,
                )
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > max_depth:
            raise BadJSON(_("The JSON body is nested too deeply."), "too_deep")
        if isinstance(value, dict):
            for key, item in value.items():
                under = key if depth == 1 else field
                stack.append((key, depth + 1, under))
                stack.append((item, depth + 1, under))
        else:
            stack.extend((item, depth + 1, field) for item in value)
    return data


def loads(raw: str | bytes, *, max_depth: int = MAX_DEPTH):
    """`json.loads` with the limits above. Raises BadJSON (a ValueError) for anything refused,
    malformed JSON and undecodable bytes included."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise BadJSON(_("The JSON body is nested too deeply."), "too_deep") from None
    except UnicodeDecodeError:
        raise BadJSON(_("The request body is not valid UTF-8."), "bad_encoding") from None
    except ValueError as exc:
        raise BadJSON(_("The request body is not valid JSON."), "bad_json") from exc
    return check(data, max_depth=max_depth)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the limits above (settings: REST_FRAMEWORK DEFAULT_PARSER_CLASSES)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            raw = stream.read().decode(encoding)
        except UnicodeDecodeError:
            raise ParseError(
                _("The request body is not valid UTF-8."), code="bad_encoding"
            ) from None
        try:
            return loads(raw)
        except BadJSON as exc:
            if exc.code == "bad_text":
                # Like any other invalid field: `errors` names the field it was found in.
                field = (
                    exc.field if isinstance(exc.field, str) and exc.field else "non_field_errors"
                )
                raise ValidationError({field: [ErrorDetail(str(exc), code=exc.code)]}) from None
            raise ParseError(str(exc), code=exc.code) from None
