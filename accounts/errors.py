"""Errors of accounts: sign-in (Telegram Mini App, social auth), identities, tokens, the profile.

Raised by `accounts.services` and the views of `accounts.api`, turned into responses by
`core.api.exception_handler`; the social-auth pipeline shows their messages. Messages are
translated (lazily).
"""

from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, DomainError, NotAllowed

MSG_ACCOUNT_DISABLED = _("This account is disabled. Please contact the club.")
MSG_TELEGRAM_NOT_CONFIGURED = _("Telegram sign-in is not configured on this server.")
MSG_TELEGRAM_IN_USE = _(
    "This Telegram account is already linked to another Artel account. Sign out and sign in "
    "with Telegram to use that account; accounts are never merged automatically."
)
MSG_TOKEN_INVALID = _("The refresh token is invalid, expired or already used.")


class AccountDisabled(NotAllowed):
    """Raised by sign-in and refresh for an inactive user; 403, translated."""

    code = "account_disabled"
    default_detail = MSG_ACCOUNT_DISABLED


class TelegramNotConfigured(DomainError):
    """Raised by the Mini App sign-in when no bot token is set (and DEBUG is off); 503."""

    status_code = 503
    code = "telegram_not_configured"
    default_detail = MSG_TELEGRAM_NOT_CONFIGURED


class InitDataRejected(DomainError):
    """Wraps accounts.telegram_auth.InitDataError; 401 with its code (invalid / expired)."""

    status_code = 401


class IdentityConflict(Conflict):
    """The identity belongs to another account (linking never merges); 409, translated."""

    code = "identity_in_use"
    default_detail = MSG_TELEGRAM_IN_USE


class TokenInvalid(DomainError):
    """A refresh token that is malformed, expired, blacklisted (reused) or unknown; 401."""

    status_code = 401
    code = "token_not_valid"
    default_detail = MSG_TOKEN_INVALID


class InvalidRequest(DomainError):
    """A missing or malformed field of an accounts API request; 400."""

    status_code = 400
    code = "invalid_request"
