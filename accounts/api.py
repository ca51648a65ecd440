"""REST API of accounts: Mini App sign-in, token refresh / logout, the profile (/api/me/)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout as session_logout
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.state import token_backend

from accounts import dev, selectors, services
from accounts.errors import InvalidRequest
from accounts.models import User
from accounts.telegram_auth import InitDataError, validate_init_data
from accounts.throttles import AuthIPThrottle, AuthUserThrottle
from core.errors import NotFound

MSG_INIT_DATA_REQUIRED = _("init_data is required and must be a non-empty string.")
MSG_REFRESH_REQUIRED = _("refresh is required and must be a non-empty string.")
MSG_BAD_NAME = _("The display name must not contain control characters.")

PROVIDER_TITLES = {selectors.TELEGRAM: "Telegram", selectors.GOOGLE: "Google"}


def _string_field(request, name: str, message) -> str:
    """`request.data[name]` if it is a non-empty string; otherwise 400 invalid_request."""
    try:
        data = request.data
    except (ParseError, ValidationError):  # unreadable, or text no column can hold
        data = None
    value = data.get(name) if isinstance(data, dict) else None
    if not isinstance(value, str) or not value:
        raise InvalidRequest(message)
    return value


# --- serializers ----------------------------------------------------------------------------


class IdentitySerializer(serializers.Serializer):
    provider = serializers.CharField()
    title = serializers.SerializerMethodField()
    uid = serializers.CharField()
    linked_at = serializers.DateTimeField(source="created")

    def get_title(self, obj) -> str:
        return PROVIDER_TITLES.get(obj.provider, obj.provider)


class MeSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField()
    photo_url = serializers.CharField(read_only=True)  # a URL, or "" when there is no photo
    roles = serializers.SerializerMethodField()
    identities = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "nickname",
            "first_name",
            "last_name",
            "language",
            "photo_url",
            "telegram_id",
            "notifications_enabled",
            "is_staff",
            "roles",
            "identities",
        ]
        read_only_fields = fields

    def get_roles(self, obj) -> list[str]:
        return selectors.user_roles(user=obj)

    def get_identities(self, obj) -> list[dict]:
        return IdentitySerializer(selectors.user_identities(user=obj), many=True).data


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class MeUpdateSerializer(serializers.Serializer):
    display_name = StrictCharField(
        max_length=64, allow_blank=True, trim_whitespace=True, required=False
    )
    language = serializers.ChoiceField(choices=User.Language.choices, required=False)
    notifications_enabled = serializers.BooleanField(required=False)

    def validate_display_name(self, value: str) -> str:
        if any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in value):
            raise serializers.ValidationError(MSG_BAD_NAME, code="invalid")
        return value


class SignInSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    user = MeSerializer()


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


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
        request=inline_serializer("TelegramSignIn", {"init_data": serializers.CharField()}),
        responses={200: SignInSerializer},
    )
    def post(self, request):
        init_data = _string_field(request, "init_data", MSG_INIT_DATA_REQUIRED)
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
        request=inline_serializer("TokenRefresh", {"refresh": serializers.CharField()}),
        responses={200: TokenPairSerializer},
    )
    def post(self, request):
        raw = _string_field(request, "refresh", MSG_REFRESH_REQUIRED)
        return Response(services.token_refresh(raw_refresh=raw))


class LogoutView(APIView):
    """Blacklist the refresh token; a web session, if any, is closed too."""

    permission_classes = [AllowAny]
    throttle_classes = [AuthIPThrottle]

    @extend_schema(
        request=inline_serializer("Logout", {"refresh": serializers.CharField()}),
        responses={204: None},
    )
    def post(self, request):
        try:
            has_refresh = isinstance(request.data, dict) and "refresh" in request.data
        except (ParseError, ValidationError):
            has_refresh = False
        with_session = isinstance(request.successful_authenticator, SessionAuthentication)
        if has_refresh or not with_session:
            raw = _string_field(request, "refresh", MSG_REFRESH_REQUIRED)
            services.token_logout(raw_refresh=raw)
        if with_session:
            session_logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DevInitDataView(AuthView):
    """DEBUG only: signed init data for a demo player, to run the real sign-in in a browser."""

    throttle_classes = [AuthIPThrottle]

    @extend_schema(
        request=inline_serializer(
            "DevInitDataRequest", {"user_id": serializers.IntegerField(required=False)}
        ),
        responses={200: inline_serializer("DevInitData", {"init_data": serializers.CharField()})},
    )
    def post(self, request):
        if not settings.DEBUG:
            raise NotFound(_("Not found."))
        try:
            data = request.data if isinstance(request.data, dict) else {}
        except (ParseError, ValidationError):
            data = {}
        user_id = data.get("user_id", dev.DEMO_TELEGRAM_ID)
        if type(user_id) is not int or not 0 < user_id < 2**53:
            raise InvalidRequest(_("user_id must be a positive integer."))
        return Response({"init_data": dev.demo_init_data(user_id=user_id)})


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeSerializer})
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeUpdateSerializer, responses={200: MeSerializer})
    def patch(self, request):
        if not isinstance(request.data, dict):
            raise InvalidRequest(_("Send a JSON object."))
        serializer = MeUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if "display_name" in changes:
            changes["nickname"] = changes.pop("display_name")
        user = services.user_update_profile(user=request.user, **changes)
        return Response(MeSerializer(user).data)
