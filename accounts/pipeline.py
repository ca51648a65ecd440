"""Steps of the social-auth pipeline (SOCIAL_AUTH_PIPELINE in settings).

Identities are matched by the provider's unique user id only (Google `sub`, Telegram id), never
by e-mail; an identity that belongs to another account is refused with a clear message.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from social_core.exceptions import AuthAssociationError, AuthPolicyError
from social_core.pipeline import social_auth

from accounts.errors import MSG_ACCOUNT_DISABLED, AccountDisabled, IdentityConflict
from accounts.services import telegram_user_upsert
from core.metrics import SIGN_IN_FAILURES, SIGN_INS

MSG_IDENTITY_IN_USE = _(
    "This %(provider)s account is already linked to another Artel account. It was not linked "
    "to yours: accounts are never merged automatically. Sign out and sign in with it, or ask "
    "the club to merge the accounts."
)
PROVIDER_TITLES = {"google-oauth2": "Google", "telegram": "Telegram"}


def _conflict(backend, message) -> AuthAssociationError:
    SIGN_IN_FAILURES.labels(method=backend.name, code="identity_in_use").inc()
    return AuthAssociationError(
        backend, code="identity_in_use", stage="pipeline", context={"message": str(message)}
    )


def _provider(backend) -> str:
    return PROVIDER_TITLES.get(backend.name, backend.name)


def telegram_identity(backend, uid, user=None, *args, **kwargs):
    """Widget sign-in: the same account as the Mini App (and demo data) for this Telegram id."""
    if backend.name != "telegram":
        return None
    tg_user = getattr(backend, "telegram_user", None)
    if tg_user is None or str(tg_user.id) != str(uid):
        return None
    try:
        account, created = telegram_user_upsert(
            tg_user=tg_user, source="widget", link_to=user, allow_inactive=True
        )
    except IdentityConflict as exc:
        raise _conflict(backend, exc.detail) from exc
    return {"user": account, "is_new": created}


def social_user(backend, uid, user=None, *args, **kwargs):
    """social-core's lookup, with a message saying what happened on a conflict."""
    try:
        return social_auth.social_user(backend, uid, user, *args, **kwargs)
    except AuthAssociationError as exc:
        if exc.code != "identity_in_use":
            raise
        raise _conflict(backend, MSG_IDENTITY_IN_USE % {"provider": _provider(backend)}) from exc


def refuse_inactive(backend, user=None, *args, **kwargs):
    if user is not None and not user.is_active:
        SIGN_IN_FAILURES.labels(method=backend.name, code=AccountDisabled.code).inc()
        raise AuthPolicyError(
            backend,
            code="authentication_disallowed",
            stage="pipeline",
            context={"message": str(MSG_ACCOUNT_DISABLED)},
        )


def record_sign_in(backend, user=None, new_association=False, *args, **kwargs):
    SIGN_INS.labels(method=backend.name).inc()
