"""Errors of stats: raised by the stats API for query parameters it cannot answer.

Turned into responses by `core.api.exception_handler`. A missing player is a plain
`core.errors.NotFound`.
"""

from core.errors import DomainError


class StatsError(DomainError):
    """Bad stats query parameters (400)."""

    code = "invalid_request"
