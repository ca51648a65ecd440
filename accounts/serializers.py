"""JSON shapes of accounts (the profile, its identities, the token pair) and the inputs of its API."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from accounts import dev, selectors
from accounts.models import User
from core.api import InputSerializer

MSG_BAD_NAME = _("The display name must not contain control characters.")

PROVIDER_TITLES = {selectors.TELEGRAM: "Telegram", selectors.GOOGLE: "Google"}


# --- fields ---------------------------------------------------------------------------------


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """An IntegerField that refuses strings, booleans and floats instead of reading them."""

    def to_internal_value(self, data):
        if type(data) is not int:
            self.fail("invalid")
        return super().to_internal_value(data)


# --- input ----------------------------------------------------------------------------------


# Sign-in inputs: anything malformed (missing, empty, not a string, ...) is 400 `invalid_request`;
# a well-formed but wrong value is the service's to refuse (401).
class AuthInput(InputSerializer):
    error_code = "invalid_request"


class TelegramSignInInput(AuthInput):
    init_data = StrictCharField(trim_whitespace=False)


class RefreshInput(AuthInput):
    refresh = StrictCharField(trim_whitespace=False)


class DevInitDataInput(AuthInput):
    user_id = StrictIntegerField(
        required=False, min_value=1, max_value=2**53 - 1, default=dev.DEMO_TELEGRAM_ID
    )


class MeUpdateSerializer(InputSerializer):
    display_name = StrictCharField(
        max_length=64, allow_blank=True, trim_whitespace=True, required=False
    )
    language = serializers.ChoiceField(choices=User.Language.choices, required=False)
    notifications_enabled = serializers.BooleanField(required=False)

    def validate_display_name(self, value: str) -> str:
        if any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in value):
            raise serializers.ValidationError(MSG_BAD_NAME, code="invalid")
        return value


# --- output ---------------------------------------------------------------------------------


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


class SignInSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    user = MeSerializer()


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


DevInitDataOut = inline_serializer("DevInitData", {"init_data": serializers.CharField()})

# The request bodies as the schema documents them (the inputs above check them).
TelegramSignInRequest = inline_serializer("TelegramSignIn", {"init_data": serializers.CharField()})
TokenRefreshRequest = inline_serializer("TokenRefresh", {"refresh": serializers.CharField()})
LogoutRequest = inline_serializer("Logout", {"refresh": serializers.CharField()})
DevInitDataRequest = inline_serializer(
    "DevInitDataRequest", {"user_id": serializers.IntegerField(required=False)}
)
