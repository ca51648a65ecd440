"""Web security the settings cannot express alone: the Content-Security-Policy, and Sentry.

CSP. One strict policy for every HTML page (`CSP_POLICY` in settings): scripts, styles, fonts and
connections from this origin only, plus Telegram's WebApp and Login Widget scripts
(`https://telegram.org`); WebSockets to this same host (`ws:`/`wss:` of the request's host, spelt
out because older WebKit does not count them as 'self'); no plugins, no <base> tricks, no framing.
Narrow, named exceptions (`CSP_EXCEPTIONS`, matched on the resolved view name, not on paths that
may move) widen it only where a page needs it: inline styles in the admin and Swagger UI, the
Telegram Login Widget's iframe and the Google redirect on the sign-in pages. The Mini App pages
(`CSP_FRAMEABLE_VIEWS`) may be framed by Telegram's web clients (`CSP_FRAME_ANCESTORS`), so for
them X-Frame-Options is left out (`frame-ancestors` supersedes it in every current browser).

A small middleware rather than django-csp: per-request sources (the WebSocket host) and view-name
exceptions would need a subclass of its middleware anyway. Only HTML responses carry the header.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from django.conf import settings

logger = logging.getLogger(__name__)

CSP_HEADER = "Content-Security-Policy"
CSP_REPORT_ONLY_HEADER = "Content-Security-Policy-Report-Only"
NONE = "'none'"
SELF = "'self'"


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else ""


def _merge(policy: dict[str, list[str]], extra: dict[str, list[str]]) -> None:
    for directive, sources in extra.items():
        current = policy.setdefault(directive, [])
        if sources and current == [NONE]:
            current.clear()  # adding a source to 'none' replaces it
        for source in sources:
            if source not in current:
                current.append(source)


def _websocket_sources(request) -> list[str]:
    try:
        host = request.get_host()
    except Exception:  # noqa: BLE001 - a bad Host header is refused elsewhere
        return []
    return [f"wss://{host}"] if request.is_secure() else [f"ws://{host}", f"wss://{host}"]


def policy_for(request) -> dict[str, list[str]]:
    """The CSP directives for this request: the base policy, the socket host, the exceptions."""
    policy = {directive: list(sources) for directive, sources in settings.CSP_POLICY.items()}
    _merge(policy, {"connect-src": _websocket_sources(request)})
    view_name = _view_name(request)
    if view_name:
        for pattern, extra in settings.CSP_EXCEPTIONS:
            if _compiled(pattern).search(view_name):
                _merge(policy, extra)
        if is_frameable(view_name):
            policy["frame-ancestors"] = [SELF, *settings.CSP_FRAME_ANCESTORS]
    return policy


def is_frameable(view_name: str) -> bool:
    return any(_compiled(p).search(view_name) for p in settings.CSP_FRAMEABLE_VIEWS)


def render_policy(policy: dict[str, list[str]]) -> str:
    parts = []
    for directive, sources in policy.items():
        parts.append(" ".join([directive, *sources]) if sources else directive)
    return "; ".join(parts)


class ContentSecurityPolicyMiddleware:
    """Adds the CSP header to HTML responses. Listed after XFrameOptionsMiddleware (so it sees the
    response first) to mark the Mini App pages exempt from X-Frame-Options."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not settings.CSP_ENABLED:
            return response
        if is_frameable(_view_name(request)):
            response.xframe_options_exempt = True
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        header = CSP_REPORT_ONLY_HEADER if settings.CSP_REPORT_ONLY else CSP_HEADER
        if header not in response:
            response[header] = render_policy(policy_for(request))
        return response


# --- Sentry -------------------------------------------------------------------------------------


def init_sentry(
    *,
    dsn: str,
    environment: str,
    release: str | None,
    traces_sample_rate: float = 0.0,
) -> bool:
    """Start Sentry error reporting when a DSN is given; returns whether it was started.

    No personal data is sent (`send_default_pii` is False: no user ids, IPs, cookies, bodies).
    """
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # send_default_pii stays at its default, False (passing it is deprecated in sentry-sdk
        # 2.7x); a test asserts it.
        environment=environment,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
    )
    return True
