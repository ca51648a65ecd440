"""The `DomainError` family: how a service refuses.

Every error leaves the API as `{"detail": "<human sentence>", "code": "<machine_code>", ...}`.
Services raise `DomainError` subclasses (stable code, translated message, HTTP status);
`core.api.exception_handler` is the only place that turns them, and DRF's own errors, into responses.
Each app keeps its own subclasses in its `errors.py`.
"""


class DomainError(Exception):
    """A refusal by a service. Raised by services, caught by the API exception handler (and
    by admin actions, which show `detail` as a message). `detail` is already translated.

    Subclasses set `status_code` and `code`; `extra` is merged into the JSON body (for example
    the current state on a version conflict). `retry_after` (seconds) adds a Retry-After header.
    """

    status_code = 400
    code = "invalid"
    default_detail = "The request cannot be carried out."

    def __init__(self, detail=None, *, code=None, status_code=None, retry_after=None, **extra):
        self.detail = str(detail) if detail is not None else str(self.default_detail)
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.retry_after = retry_after
        self.extra = extra
        super().__init__(self.detail)


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class NotAllowed(DomainError):
    status_code = 403
    code = "permission_denied"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Unprocessable(DomainError):
    status_code = 422
    code = "unprocessable"


def error_body(detail, code, **extra):
    return {"detail": str(detail), "code": code, **extra}
