from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts import roles, services
from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = (
        "username",
        "first_name",
        "last_name",
        "telegram_id",
        "language",
        "is_staff",
        "is_active",
    )
    list_filter = ("groups", "is_active", "is_superuser", "language")
    search_fields = ("username", "first_name", "last_name", "nickname", "email", "telegram_id")
    # Admin access follows the role groups (services.user_sync_staff_flag), not a checkbox.
    readonly_fields = ("is_staff", "last_login", "date_joined")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Profile"),
            {
                "fields": (
                    "telegram_id",
                    "nickname",
                    "language",
                    "photo_url",
                    "notifications_enabled",
                )
            },
        ),
    )
    actions = ["make_player", "make_staff", "make_manager"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if not request.user.is_superuser:
            # A manager manages players and staff, but cannot hand out superuser powers.
            fields = (*fields, "is_superuser", "user_permissions")
        return fields

    def _set_role(self, request, queryset, role_names, label):
        for user in queryset:
            services.user_set_roles(user=user, role_names=role_names)
        self.message_user(
            request,
            _("%(count)d user(s) are now: %(role)s.") % {"count": queryset.count(), "role": label},
            messages.SUCCESS,
        )

    @admin.action(description=_("Make player only (no admin access)"), permissions=["change"])
    def make_player(self, request, queryset):
        self._set_role(request, queryset, [roles.PLAYER], _("player"))

    @admin.action(description=_("Make staff (runs the floor)"), permissions=["change"])
    def make_staff(self, request, queryset):
        self._set_role(request, queryset, [roles.PLAYER, roles.STAFF], _("staff"))

    @admin.action(description=_("Make manager (runs the club)"), permissions=["change"])
    def make_manager(self, request, queryset):
        self._set_role(request, queryset, [roles.PLAYER, roles.MANAGER], _("manager"))
