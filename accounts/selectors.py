"""Read queries of accounts."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from social_django.models import UserSocialAuth

from accounts import roles
from accounts.models import User

#: Signs and validates Telegram payloads when DEBUG is on and no TELEGRAM_BOT_TOKEN is set, so the
#: dev sign-in runs the real validation in a plain browser. Never accepted with DEBUG off.
DEV_BOT_TOKEN = "dev-only:artel-billiards-local-bot-token"

TELEGRAM = "telegram"
GOOGLE = "google-oauth2"


def telegram_bot_token() -> str | None:
    """The token Telegram payloads are checked with, or None when sign-in is not configured."""
    if settings.TELEGRAM_BOT_TOKEN:
        return settings.TELEGRAM_BOT_TOKEN
    if settings.DEBUG:
        return DEV_BOT_TOKEN
    return None


def google_configured() -> bool:
    return bool(
        settings.SOCIAL_AUTH_GOOGLE_OAUTH2_KEY and settings.SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET
    )


def user_identities(*, user: User) -> QuerySet[UserSocialAuth]:
    return UserSocialAuth.objects.filter(user=user).order_by("provider", "id")


def user_roles(*, user: User) -> list[str]:
    names = set(user.groups.filter(name__in=roles.ROLES).values_list("name", flat=True))
    return [role for role in roles.ROLES if role in names]


def user_is_staff_member(*, user) -> bool:
    """Staff = in the staff or manager group, or a superuser (and active)."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=roles.ADMIN_ROLES).exists()


def user_is_manager(*, user) -> bool:
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=roles.MANAGER).exists()


def user_is_player(*, user) -> bool:
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=roles.ROLES).exists()
