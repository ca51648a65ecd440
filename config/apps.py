"""The admin app with Artel's site (two-factor sign-in) as the default, and the audit trail."""

from django.contrib.admin.apps import AdminConfig


class ArtelAdminConfig(AdminConfig):
    """Replaces "django.contrib.admin" in INSTALLED_APPS: `admin.site` is `ArtelAdminSite`,
    so every app's `@admin.register` lands on it."""

    default_site = "config.admin.ArtelAdminSite"

    def ready(self):
        super().ready()  # autodiscovers every app's admin.py
        from django.contrib import admin

        from accounts import audit
        from accounts.models_audit import AuditRecord

        # The audit trail records staff changes (in the admin and the API) and is read here.
        audit.connect()
        if not admin.site.is_registered(AuditRecord):
            admin.site.register(AuditRecord, audit.AuditRecordAdmin)
