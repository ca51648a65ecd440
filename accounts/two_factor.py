"""Staff two-factor sign-in: one-time enrolment links, and a manager's reset.

A staff member without a confirmed authenticator can set one up only through an enrolment link a
manager issued (the admin action "Issue a two-factor enrolment link", or
`manage.py twofactor_link <username>`): random, stored as a hash, valid for
`ADMIN_ENROL_LINK_HOURS`, used once. Opening it and then giving the account's password leads to the
enrolment page; the password alone never does. A reset removes the person's authenticators and
open links, so they enrol again with a new link.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import EnrolmentLink, User

# The session key under which an opened (not yet used) enrolment link waits for the password step.
LINK_SESSION_KEY = "artel_otp_enrol_link"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_ttl() -> timedelta:
    return timedelta(hours=int(settings.ADMIN_ENROL_LINK_HOURS))


def enrolment_link_issue(*, user: User, issued_by: User | None = None) -> str:
    """A new one-time enrolment link for `user` (earlier unused ones stop working). Returns the
    token; `enrolment_url(token)` is the address to give the person."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        EnrolmentLink.objects.filter(user=user, used_at__isnull=True).update(expires_at=now)
        EnrolmentLink.objects.create(
            user=user, token_hash=_hash(token), issued_by=issued_by, expires_at=now + link_ttl()
        )
    return token


def enrolment_url(token: str, *, base: str | None = None) -> str:
    path = reverse("admin:otp_enrol_link", kwargs={"token": token})
    return f"{(base if base is not None else settings.SITE_URL).rstrip('/')}{path}"


def enrolment_link_valid(token: str) -> EnrolmentLink | None:
    """The open link with this token (not used, not expired, its user active staff), or None."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    link = (
        EnrolmentLink.objects.filter(
            token_hash=_hash(token), used_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("user")
        .first()
    )
    if link is None or not link.user.is_active or not link.user.is_staff:
        return None
    return link


def enrolment_link_for(*, link_id: int | None, user: User) -> EnrolmentLink | None:
    """The open link `link_id` if it belongs to `user` (what an opened link in a session allows)."""
    if not link_id:
        return None
    return EnrolmentLink.objects.filter(
        pk=link_id, user=user, used_at__isnull=True, expires_at__gt=timezone.now()
    ).first()


def enrolment_confirm(*, link_id: int, device_id: int, verify) -> bool:
    """Confirm the device with a code (`verify(device) -> bool`) and use up the link, in one
    transaction: a link confirms one device once, even when two tabs race."""
    with transaction.atomic():
        link = (
            EnrolmentLink.objects.select_for_update()
            .filter(pk=link_id, used_at__isnull=True, expires_at__gt=timezone.now())
            .first()
        )
        device = TOTPDevice.objects.select_for_update().filter(pk=device_id).first()
        if link is None or device is None or device.user_id != link.user_id:
            return False
        if not verify(device):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
    return True


def two_factor_reset(*, user: User) -> int:
    """Remove the person's authenticators and close their open links (a lost phone). Returns how
    many authenticators were removed; they enrol again with a new link."""
    with transaction.atomic():
        removed, _detail = TOTPDevice.objects.filter(user=user).delete()
        EnrolmentLink.objects.filter(user=user, used_at__isnull=True).update(
            expires_at=timezone.now()
        )
    return removed
