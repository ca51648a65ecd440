from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

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
    search_fields = ("username", "first_name", "last_name", "email", "telegram_id")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Telegram"), {"fields": ("telegram_id", "language", "photo_url")}),
    )
