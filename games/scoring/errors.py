"""Errors of live scoring.

`ScoringError` is bad input to a scoring service (400, with a specific `code` such as
`invalid_format` or `invalid_sides`). The other refusals of `games.scoring.services` are the
`core.errors` classes raised with their own code (`version_conflict`, `not_a_player`, …).
"""

from core.errors import DomainError


class ScoringError(DomainError):
    """Bad input to a scoring service (HTTP 400); raised by services, caught by the API handler."""

    code = "invalid_request"
