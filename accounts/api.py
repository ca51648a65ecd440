"""REST API of accounts: Mini App sign-in, token refresh / logout, the profile (/api/me/)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout as session_logout
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.state import token_backend

from accounts import dev, selectors, services
from accounts.serializers import (
    DevInitDataInput,
    DevInitDataOut,
    DevInitDataRequest,
    LogoutRequest,
    MeSerializer,
    MeUpdateSerializer,
    RefreshInput,
    SignInSerializer,
    TelegramSignInInput,
    TelegramSignInRequest,
    TokenPairSerializer,
    TokenRefreshRequest,
)
from accounts.telegram_auth import InitDataError, validate_init_data
from accounts.throttles import AuthIPThrottle, AuthUserThrottle
from core.api import validated
from core.errors import NotFound


def _body(request):
    """The request's parsed body, or None when it does not parse: the input serializer then
    refuses it like any other malformed input (400 `invalid_request`, not `parse_error`)."""
    try:
        return request.data
    except (ParseError, ValidationError):  # unreadable, or text no database column can hold
        return None


# --- views ----------------------------------------------------------------------------------


class AuthView(APIView):
    """Sign-in style endpoints: anonymous, throttled per IP and per proved identity."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthIPThrottle, AuthUserThrottle]

    def throttle_user_key(self, request) -> str | None:
        return None


class TelegramSignInView(AuthView):
    """Exchange Telegram Mini App init data for a JWT pair and the profile."""

    def throttle_user_key(self, request):
        token = selectors.telegram_bot_token()
        try:
            raw = request.data.get("init_data")
            data = (
                validate_init_data(raw, token, max_age=settings.TELEGRAM_AUTH_MAX_AGE)
                if token
                else None
            )
        except (InitDataError, ParseError, ValidationError, AttributeError, TypeError, ValueError):
            return None
        return f"tg:{data.user.id}" if data else None

    @extend_schema(
        request=TelegramSignInRequest,
        responses={200: SignInSerializer},
    )
    def post(self, request):
        init_data = validated(TelegramSignInInput, _body(request))["init_data"]
        user, tokens, _data = services.telegram_sign_in(init_data=init_data)
        return Response({**tokens, "user": MeSerializer(user).data})


class RefreshView(AuthView):
    """Rotate a refresh token (the old one is blacklisted; presenting it again gets 401)."""

    def throttle_user_key(self, request):
        try:
            payload = token_backend.decode(request.data.get("refresh"), verify=True)
        except Exception:  # noqa: BLE001 - an unproved token counts against the IP only
            return None
        return f"user:{payload.get('user_id')}"

    @extend_schema(
        request=TokenRefreshRequest,
        responses={200: TokenPairSerializer},
    )
    def post(self, request):
        raw = validated(RefreshInput, _body(request))["refresh"]
        return Response(services.token_refresh(raw_refresh=raw))


class LogoutView(APIView):
    """Blacklist the refresh token; a web session, if any, is closed too."""

    permission_classes = [AllowAny]
    throttle_classes = [AuthIPThrottle]

    @extend_schema(
        request=LogoutRequest,
        responses={204: None},
    )
    def post(self, request):
        body = _body(request)
        has_refresh = isinstance(body, dict) and "refresh" in body
        with_session = isinstance(request.successful_authenticator, SessionAuthentication)
        if has_refresh or not with_session:
            raw = validated(RefreshInput, body)["refresh"]
            services.token_logout(raw_refresh=raw)
        if with_session:
            session_logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DevInitDataView(AuthView):
    """DEBUG only: signed init data for a demo player, to run the real sign-in in a browser."""

    throttle_classes = [AuthIPThrottle]

    @extend_schema(
        request=DevInitDataRequest,
        responses={200: DevInitDataOut},
    )
    def post(self, request):
        if not settings.DEBUG:
            raise NotFound(_("Not found."))
        user_id = validated(DevInitDataInput, _body(request))["user_id"]
        return Response({"init_data": dev.demo_init_data(user_id=user_id)})


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeSerializer})
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeUpdateSerializer, responses={200: MeSerializer})
    def patch(self, request):
        changes = dict(validated(MeUpdateSerializer, request.data, partial=True))
        if "display_name" in changes:
            changes["nickname"] = changes.pop("display_name")
        user = services.user_update_profile(user=request.user, **changes)
        return Response(MeSerializer(user).data)
