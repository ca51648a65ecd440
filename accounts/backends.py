"""The Telegram Login Widget as a social-core backend, validated by accounts.telegram_auth."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from social_core.backends.telegram import TelegramAuth
from social_core.exceptions import AuthConfigurationError, AuthCredentialError

from accounts.selectors import telegram_bot_token
from accounts.telegram_auth import InitDataError, validate_login_widget

MSG_WIDGET_REJECTED = _("Telegram sign-in could not be verified. Please try again.")

#: Set on the request by the view that checked the per-session state of the widget callback.
STATE_VERIFIED_ATTR = "telegram_widget_state_verified"

#: A Login Widget payload older than this is refused (Telegram recommends checking auth_date).
WIDGET_MAX_AGE = 86400


class TelegramWidgetAuth(TelegramAuth):
    """Same provider name ("telegram") and uid (the Telegram id) as the Mini App identities.

    Verification is the project's strict validator (duplicate-free fields, hex hash compared in
    constant time, auth_date bounds) with the configured bot token — or the dev token in DEBUG.
    """

    name = "telegram"

    def verify_data(self, response) -> None:
        request = getattr(self.strategy, "request", None)
        if not getattr(request, STATE_VERIFIED_ATTR, False):
            # Only via accounts.views.telegram_widget_complete, which checks the session's state:
            # a bare /complete/telegram/ link could sign a victim in (or link their account)
            # as the attacker (login CSRF).
            raise AuthCredentialError(
                self,
                code="credential_rejected",
                stage="callback",
                context={"message": MSG_WIDGET_REJECTED, "reason": "state"},
            )
        token = telegram_bot_token()
        if token is None:
            raise AuthConfigurationError(
                self, parameter="TELEGRAM_BOT_TOKEN", code="missing_setting", stage="callback"
            )
        fields = {str(k): v for k, v in response.items()}
        try:
            self.telegram_user = validate_login_widget(
                fields, token, max_age=min(WIDGET_MAX_AGE, settings.TELEGRAM_AUTH_MAX_AGE * 24)
            )
        except InitDataError as exc:
            raise AuthCredentialError(
                self,
                code="credential_rejected",
                stage="callback",
                context={"message": MSG_WIDGET_REJECTED, "reason": exc.code},
            ) from exc
