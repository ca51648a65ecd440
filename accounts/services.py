"""Domain operations of accounts: Telegram identities, profile, roles, JWT issue / refresh / logout.

Every write is a keyword-only function with one transaction; API views, the social-auth pipeline,
admin and commands all call these.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from social_django.models import UserSocialAuth

from accounts import roles
from accounts.errors import (
    MSG_TELEGRAM_IN_USE,
    AccountDisabled,
    IdentityConflict,
    InitDataRejected,
    InvalidRequest,
    TelegramNotConfigured,
    TokenInvalid,
)
from accounts.models import User
from accounts.selectors import TELEGRAM, telegram_bot_token
from accounts.telegram_auth import InitData, InitDataError, TelegramUser, validate_init_data
from core.metrics import SIGN_IN_FAILURES, SIGN_INS
from core.text import clean_text

logger = logging.getLogger(__name__)

MSG_OTHER_TELEGRAM = _("Your account is already linked to a different Telegram account.")

#: Telegram's `id` of the TelegramAuth social backend; the Mini App stores identities the same way.
TELEGRAM_ID_KEY = "id"


# --- users and identities ---------------------------------------------------------------------

_url_validator = URLValidator(schemes=["https"])


def _clean_photo_url(value: str | None) -> str:
    if not value or len(value) > 500:
        return ""
    try:
        _url_validator(value)
    except ValidationError:
        return ""
    return value


def _language_from(code: str | None) -> str:
    if not code:
        return User.Language.RU
    return User.Language.RU if code.lower().startswith("ru") else User.Language.EN


def _free_username(tg_user: TelegramUser) -> str:
    candidates = []
    if tg_user.username:
        candidates.append(tg_user.username[:150])
    candidates.append(f"tg{tg_user.id}")
    for name in candidates:
        if not User.objects.filter(username__iexact=name).exists():
            return name
    return f"tg{tg_user.id}_{secrets.token_hex(3)}"


def _telegram_extra(tg_user: TelegramUser, source: str) -> dict:
    return {
        "id": tg_user.id,
        "username": tg_user.username,
        "first_name": tg_user.first_name,
        "last_name": tg_user.last_name,
        "photo_url": tg_user.photo_url,
        "source": source,
    }


def _telegram_upsert(
    *, tg_user: TelegramUser, source: str, link_to: User | None, allow_inactive: bool
) -> tuple[User, bool]:
    uid = str(tg_user.id)
    with transaction.atomic():
        social = (
            UserSocialAuth.objects.select_for_update()
            .select_related("user")
            .filter(provider=TELEGRAM, uid=uid)
            .first()
        )
        user = social.user if social else None
        if user is None:
            # Accounts created before the identity was stored (demo data, admin) by telegram_id.
            user = User.objects.filter(telegram_id=tg_user.id).first()
        if link_to is not None:
            if user is not None and user.pk != link_to.pk:
                raise IdentityConflict(MSG_TELEGRAM_IN_USE)
            user = User.objects.select_for_update().get(pk=link_to.pk)
            if user.telegram_id not in (None, tg_user.id):
                raise IdentityConflict(MSG_OTHER_TELEGRAM)
        elif user is not None:
            user = User.objects.select_for_update().get(pk=user.pk)

        created = user is None
        if created:
            user = User(
                username=_free_username(tg_user),
                language=_language_from(tg_user.language_code),
            )
            user.set_unusable_password()
        elif not user.is_active and not allow_inactive:
            raise AccountDisabled()

        fresh = {
            "telegram_id": tg_user.id,
            "first_name": (tg_user.first_name or "")[:150],
            "last_name": (tg_user.last_name or "")[:150],
        }
        photo = _clean_photo_url(tg_user.photo_url)
        if photo or created:
            fresh["photo_url"] = photo
        # A returning player's sign-in writes nothing unless Telegram says something new.
        changed = [field for field, value in fresh.items() if getattr(user, field) != value]
        for field in changed:
            setattr(user, field, fresh[field])
        if created:
            user.save()
        elif changed:
            user.save(update_fields=changed)

        extra = _telegram_extra(tg_user, source)
        if social is None:
            UserSocialAuth.objects.create(
                user=user, provider=TELEGRAM, uid=uid, id_key=TELEGRAM_ID_KEY, extra_data=extra
            )
        elif {**(social.extra_data or {}), **extra} != social.extra_data:
            social.extra_data = {**(social.extra_data or {}), **extra}
            social.save(update_fields=["extra_data", "modified"])
    return user, created


def telegram_user_upsert(
    *,
    tg_user: TelegramUser,
    source: str,
    link_to: User | None = None,
    allow_inactive: bool = False,
) -> tuple[User, bool]:
    """Find or create the account of a Telegram user and refresh its name and photo.

    One person = one account: the identity is stored as a social-auth association
    (provider "telegram", uid = Telegram id) shared by the Mini App and the Login Widget, and as
    `User.telegram_id`. With `link_to` the identity is attached to that (signed-in) user.

    Returns `(user, created)`. Raises `AccountDisabled` for an inactive user (unless
    `allow_inactive`) and `IdentityConflict` when linking an identity that belongs to someone
    else or to a user already linked to a different Telegram account.
    """
    tg_user = _storable(tg_user)
    try:
        return _telegram_upsert(
            tg_user=tg_user, source=source, link_to=link_to, allow_inactive=allow_inactive
        )
    except IntegrityError:
        # Two first sign-ins of one person raced; the other one created the account: use it.
        return _telegram_upsert(
            tg_user=tg_user, source=source, link_to=link_to, allow_inactive=allow_inactive
        )


def _storable(tg_user: TelegramUser) -> TelegramUser:
    """The Telegram user's text fields without what no database column can hold (a NUL, a lone
    surrogate: valid in signed JSON). Signed, so the person's own: cleaned, not refused."""
    text = {
        name: clean_text(value)
        for name in ("first_name", "last_name", "username", "language_code", "photo_url")
        if isinstance(value := getattr(tg_user, name, None), str)
    }
    return dataclasses.replace(tg_user, **text)


def telegram_sign_in(*, init_data: str) -> tuple[User, dict[str, str], InitData]:
    """Validate Mini App init data, create or update its user and issue a JWT pair.

    Raises `TelegramNotConfigured` (503), `InitDataRejected` (401, code invalid_init_data or
    init_data_expired) and `AccountDisabled` (403).
    """
    from django.conf import settings

    token = telegram_bot_token()
    if token is None:
        SIGN_IN_FAILURES.labels(method="miniapp", code=TelegramNotConfigured.code).inc()
        raise TelegramNotConfigured()
    try:
        data = validate_init_data(init_data, token, max_age=settings.TELEGRAM_AUTH_MAX_AGE)
    except InitDataError as exc:
        SIGN_IN_FAILURES.labels(method="miniapp", code=exc.code).inc()
        raise InitDataRejected(_(exc.message), code=exc.code) from exc
    try:
        user, _created = telegram_user_upsert(tg_user=data.user, source="miniapp")
    except AccountDisabled:
        SIGN_IN_FAILURES.labels(method="miniapp", code=AccountDisabled.code).inc()
        raise
    tokens = tokens_issue(user=user)
    SIGN_INS.labels(method="miniapp").inc()
    return user, tokens, data


# --- profile --------------------------------------------------------------------------------

_UNSET = object()


def user_update_profile(
    *,
    user: User,
    nickname: str | object = _UNSET,
    language: str | object = _UNSET,
    notifications_enabled: bool | object = _UNSET,
) -> User:
    """Change what the player controls: display name, language, notification opt-in."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        fields = []
        if nickname is not _UNSET:
            locked.nickname = nickname
            fields.append("nickname")
        if language is not _UNSET:
            locked.language = language
            fields.append("language")
        if notifications_enabled is not _UNSET:
            locked.notifications_enabled = notifications_enabled
            fields.append("notifications_enabled")
        if fields:
            locked.save(update_fields=fields)
    return locked


# --- roles ----------------------------------------------------------------------------------


def user_sync_staff_flag(*, user_id: int) -> bool:
    """Set `is_staff` (admin access) from the groups: staff or manager member, or superuser."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        wanted = user.is_superuser or user.groups.filter(name__in=roles.ADMIN_ROLES).exists()
        if user.is_staff != wanted:
            user.is_staff = wanted
            user.save(update_fields=["is_staff"])
    return wanted


def user_set_roles(*, user: User, role_names: list[str]) -> User:
    """Make the user a member of exactly these role groups and sync admin access."""
    unknown = set(role_names) - set(roles.ROLES)
    if unknown:
        raise InvalidRequest(_("Unknown role."), roles=sorted(unknown))
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        groups = roles.ensure_groups()
        locked.groups.remove(*[g for name, g in groups.items() if name not in role_names])
        locked.groups.add(*[groups[name] for name in role_names])
        user_sync_staff_flag(user_id=locked.pk)
    locked.refresh_from_db()
    return locked


def user_add_default_role(*, user: User) -> None:
    """Every new account is a player; one created with admin access (createsuperuser aside,
    e.g. seed data or `is_staff=True`) is staff too, so the staff group stays the one truth."""
    from django.contrib.auth.models import Group

    names = [roles.PLAYER] + ([roles.STAFF] if user.is_staff and not user.is_superuser else [])
    user.groups.add(*(Group.objects.get_or_create(name=name)[0] for name in names))


# --- tokens ---------------------------------------------------------------------------------


def tokens_issue(*, user: User) -> dict[str, str]:
    """A new access + refresh pair (the refresh token is recorded as outstanding)."""
    refresh = RefreshToken.for_user(user)
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def _decode_refresh(raw: str) -> RefreshToken:
    if not isinstance(raw, str) or not raw:
        raise TokenInvalid()
    try:
        return RefreshToken(raw)
    except TokenError as exc:
        raise TokenInvalid() from exc


def token_refresh(*, raw_refresh: str) -> dict[str, str]:
    """Rotate a refresh token: blacklist it and issue a new pair.

    The outstanding-token row is locked, so two requests racing with the same token get one new
    pair and one 401 (a reused token). Raises `TokenInvalid` (401) or `AccountDisabled` (403).
    """
    token = _decode_refresh(raw_refresh)
    jti = token.get(jwt_settings.JTI_CLAIM)
    user_id = token.get(jwt_settings.USER_ID_CLAIM)
    with transaction.atomic():
        outstanding = OutstandingToken.objects.select_for_update().filter(jti=jti).first()
        if outstanding is None or BlacklistedToken.objects.filter(token=outstanding).exists():
            SIGN_IN_FAILURES.labels(method="refresh", code="token_reused").inc()
            logger.warning("refresh token reused or unknown", extra={"user_id": user_id})
            raise TokenInvalid()
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            raise TokenInvalid()
        if not user.is_active:
            SIGN_IN_FAILURES.labels(method="refresh", code=AccountDisabled.code).inc()
            raise AccountDisabled()
        BlacklistedToken.objects.create(token=outstanding)
        refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def token_logout(*, raw_refresh: str) -> None:
    """Blacklist the refresh token (sign out of this device). Raises `TokenInvalid`."""
    token = _decode_refresh(raw_refresh)
    with transaction.atomic():
        outstanding = (
            OutstandingToken.objects.select_for_update()
            .filter(jti=token.get(jwt_settings.JTI_CLAIM))
            .first()
        )
        if outstanding is None:
            raise TokenInvalid()
        BlacklistedToken.objects.get_or_create(token=outstanding)


def tokens_flush_expired() -> int:
    """Delete outstanding (and their blacklisted) tokens past expiry; returns how many."""
    with transaction.atomic():
        _total, by_model = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return by_model.get(OutstandingToken._meta.label, 0)
