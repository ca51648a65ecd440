from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts import audit, roles, services, two_factor
from accounts.models import EnrolmentLink, User
from accounts.models_audit import AuditRecord
from core.admin import ReadOnlyAdmin


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
    actions = [
        "make_player",
        "make_staff",
        "make_manager",
        "issue_enrolment_link",
        "reset_two_factor",
    ]
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

    @admin.action(description=_("Issue a two-factor enrolment link"), permissions=["change"])
    def issue_enrolment_link(self, request, queryset):
        """A one-time link per selected staff member, shown here once: hand it to the person (it
        is the only way to set up the authenticator; it expires, and works once)."""
        base = request.build_absolute_uri("/").rstrip("/")
        for user in queryset:
            if not user.is_staff:
                self.message_user(
                    request,
                    _("%(user)s has no admin access: no link needed.") % {"user": user},
                    messages.WARNING,
                )
                continue
            token = two_factor.enrolment_link_issue(user=user, issued_by=request.user)
            self.message_user(
                request,
                _("Enrolment link for %(user)s (valid %(hours)d h, once): %(url)s")
                % {
                    "user": user,
                    "hours": two_factor.link_ttl().total_seconds() // 3600,
                    "url": two_factor.enrolment_url(token, base=base),
                },
                messages.SUCCESS,
            )

    @admin.action(description=_("Reset two-factor sign-in (lost phone)"), permissions=["change"])
    def reset_two_factor(self, request, queryset):
        removed = sum(two_factor.two_factor_reset(user=user) for user in queryset)
        self.message_user(
            request,
            _(
                "%(count)d authenticator(s) removed. Issue an enrolment link so the person can "
                "set up a new one."
            )
            % {"count": removed},
            messages.SUCCESS,
        )


@admin.register(EnrolmentLink)
class EnrolmentLinkAdmin(ReadOnlyAdmin):
    """Who was given an enrolment link, by whom, and whether it was used."""

    list_display = ("user", "issued_by", "created_at", "expires_at", "used_at")
    list_filter = ("used_at",)
    search_fields = ("user__username",)


# The audit trail (written by accounts/audit.py), read-only.
admin.site.register(AuditRecord, audit.AuditRecordAdmin)
