"""JWT authentication without a database query per request.

simplejwt's `JWTAuthentication` loads the user row on every request; on a signed-in hot read that
query was ~40 % of the request (py-spy, bench/http_layouts.py). `CachedJWTAuthentication` keeps each user
it loaded in a per-process table for `AUTH_USER_CACHE_SECONDS` (5 s) and hands every request its
own fresh instance built from the stored field values, so a view that changes `request.user` never
changes another request's. A save or delete of the user drops the entry in this process at once;
in the other processes a deactivated user keeps their access for at most the TTL.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.settings import api_settings

from accounts.models import User

# Bounded: a process that has seen this many users since the last sweep starts afresh.
MAX_ENTRIES = 10_000
_users: dict[object, tuple[float, dict]] = {}


def _snapshot(user: User) -> dict:
    return {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}


def _restore(values: dict) -> User:
    user = User(**values)
    user._state.adding = False
    user._state.db = "default"
    return user


def forget_all() -> None:
    """Empty this process's table (tests: a rolled-back SQLite id may come back as another user)."""
    _users.clear()


def forget_user(user_id) -> None:
    _users.pop(user_id, None)
    _users.pop(str(user_id), None)


class CachedJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token):
        ttl = settings.AUTH_USER_CACHE_SECONDS
        key = validated_token.get(api_settings.USER_ID_CLAIM)
        now = time.monotonic()
        hit = _users.get(key) if ttl > 0 else None
        if hit is not None and hit[0] > now:
            return _restore(hit[1])
        # Checks the token's claim, the user's existence and is_active (raises AuthenticationFailed).
        user = super().get_user(validated_token)
        if ttl > 0 and key is not None:
            if len(_users) >= MAX_ENTRIES:
                _users.clear()
            _users[key] = (now + ttl, _snapshot(user))
        return user


class CachedJWTScheme(SimpleJWTScheme):
    """The OpenAPI schema describes it as the bearer JWT it is (registered on import)."""

    target_class = "accounts.authentication.CachedJWTAuthentication"


@receiver(post_save, sender=User, dispatch_uid="accounts.authentication.forget_saved")
@receiver(post_delete, sender=User, dispatch_uid="accounts.authentication.forget_deleted")
def _forget(sender, instance: User, **_kwargs) -> None:
    forget_user(instance.pk)
