"""The admin app with Artel's site (two-factor sign-in) as the default, and the audit trail."""

from django.contrib.admin.apps import AdminConfig


class ArtelAdminConfig(AdminConfig):
    """Replaces "django.contrib.admin" in INSTALLED_APPS: `admin.site` is `ArtelAdminSite`,
    so every app's `@admin.register` lands on it."""

    default_site = "config.admin.ArtelAdminSite"
