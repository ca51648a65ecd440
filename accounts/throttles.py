"""Sign-in and refresh throttles: per client IP and per user, counted in the cache (Redis in
production). Rates: REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth_ip" / "auth_user"].

The per-user key is an identity proved by a cheap cryptographic check (the init data's HMAC, the
refresh token's signature), so a stranger cannot lock a player out by sending forged requests in
that player's name; unproved requests still count against their IP.
"""

from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle


class AuthIPThrottle(SimpleRateThrottle):
    scope = "auth_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AuthUserThrottle(SimpleRateThrottle):
    """Asks the view for `throttle_user_key(request)`; no key = not counted here."""

    scope = "auth_user"

    def get_cache_key(self, request, view):
        ident = None
        if request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        key_fn = getattr(view, "throttle_user_key", None)
        if ident is None and key_fn is not None:
            ident = key_fn(request)
        if ident is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}
