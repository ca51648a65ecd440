"""Social-auth failures become a message on the sign-in or profile page, never an error page."""

from __future__ import annotations

from django.utils.translation import gettext as _
from social_django.middleware import SocialAuthExceptionMiddleware as BaseMiddleware

MSG_GENERIC = "Signing in did not work. Please try again."


class SocialAuthExceptionMiddleware(BaseMiddleware):
    def get_message(self, request, exception) -> str:
        context = getattr(exception, "context", None) or {}
        if context.get("message"):
            return str(context["message"])
        if getattr(exception, "code", "") == "authorization_declined":
            return _("Signing in was cancelled.")
        return _(MSG_GENERIC)

    def get_redirect_uri(self, request, exception) -> str:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return "/profile/"
        return "/login/"
