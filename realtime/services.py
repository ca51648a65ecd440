import re
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from accounts.models import User
from realtime.models import Heartbeat
from realtime.selectors import BEAT


def heartbeat_record(*, name: str = BEAT) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})


# --- WebSocket tickets -----------------------------------------------------------------------------
# A ticket is a random one-time password for one WebSocket connection, so that no long-lived
# credential (a JWT) ever travels in a URL, where proxies and logs keep it.

TICKET_KEY = "realtime:ticket:{}"
_TICKET_RE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def ticket_issue(*, user) -> str:
    """A new ticket for `user`, valid once for `settings.WS_TICKET_TTL` seconds."""
    ttl = ticket_ttl()
    ticket = secrets.token_urlsafe(32)
    # The expiry is stored too, so it holds even on a cache whose timeout is coarse.
    cache.set(TICKET_KEY.format(ticket), {"user": user.pk, "exp": time.time() + ttl}, timeout=ttl)
    return ticket


def ticket_consume(*, ticket: str):
    """The active user a ticket was issued to, or None when it is malformed, unknown, expired
    or already used. Single use even when two connections race: `cache.delete()` reports True
    to exactly one caller."""
    if not isinstance(ticket, str) or not _TICKET_RE.match(ticket):
        return None
    key = TICKET_KEY.format(ticket)
    value = cache.get(key)
    if value is None or not cache.delete(key):
        return None
    if value.get("exp", 0) < time.time():
        return None

    return User.objects.filter(pk=value.get("user"), is_active=True).first()


def ticket_ttl() -> int:
    return int(getattr(settings, "WS_TICKET_TTL", 30))
