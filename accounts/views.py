"""Web pages of accounts: /login/ (Google, Telegram Login Widget), /profile/ (linking), /logout/."""

from __future__ import annotations

import hmac
import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors
from accounts.backends import MSG_WIDGET_REJECTED, STATE_VERIFIED_ATTR

#: Session key of the random state in the widget's callback URL (login-CSRF protection).
WIDGET_STATE_KEY = "telegram_widget_state"


def _safe_next(request) -> str:
    target = request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _providers(request) -> dict:
    token = selectors.telegram_bot_token()
    return {
        "google_enabled": selectors.google_configured(),
        # The widget needs the bot's username (and its domain set with @BotFather /setdomain).
        "telegram_widget_enabled": bool(token and settings.TELEGRAM_BOT_USERNAME),
        "telegram_bot_username": settings.TELEGRAM_BOT_USERNAME,
        "telegram_auth_url": request.build_absolute_uri(
            reverse("accounts:telegram-complete", args=[_widget_state(request)])
        ),
    }


def _widget_state(request) -> str:
    state = request.session.get(WIDGET_STATE_KEY)
    if not state:
        state = secrets.token_urlsafe(24)
        request.session[WIDGET_STATE_KEY] = state
    return state


@never_cache
@require_GET
def telegram_widget_complete(request, state: str):
    """The Login Widget's callback: Telegram sends the browser here with its signed fields.

    The path carries a random state kept in this browser's session, so a link made by someone
    else cannot sign this browser in or link its account. The rest is social-auth's `complete`
    (TelegramWidgetAuth validates the fields, the pipeline finds or links the account).
    """
    from social_django.views import complete

    expected = request.session.pop(WIDGET_STATE_KEY, None)
    if not expected or not hmac.compare_digest(state.encode(), expected.encode()):
        messages.error(request, MSG_WIDGET_REJECTED)
        target = "accounts:profile" if request.user.is_authenticated else "accounts:login"
        return redirect(target)
    setattr(request, STATE_VERIFIED_ATTR, True)
    return complete(request, selectors.TELEGRAM)


@never_cache
@require_GET
def login_page(request):
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return HttpResponseRedirect(next_url or reverse("accounts:profile"))
    if next_url:
        # The widget's callback carries only Telegram's signed fields; social-auth reads `next`
        # from the session when the sign-in completes.
        request.session["next"] = next_url
    return render(request, "accounts/login.html", {"next": next_url, **_providers(request)})


@never_cache
@login_required
@require_GET
def profile_page(request):
    # A Telegram widget sign-in started here (linking) comes back here.
    request.session["next"] = reverse("accounts:profile")
    identities = list(selectors.user_identities(user=request.user))
    providers = {identity.provider for identity in identities}
    return render(
        request,
        "accounts/profile.html",
        {
            "identities": identities,
            "has_google": selectors.GOOGLE in providers,
            "has_telegram": selectors.TELEGRAM in providers,
            "roles": selectors.user_roles(user=request.user),
            **_providers(request),
        },
    )


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")
