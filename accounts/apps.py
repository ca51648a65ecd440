from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from accounts import audit, authentication, roles, signals  # noqa: F401 - signals connects its receivers

        # After every app's permissions exist (and after a test flush), give the roles theirs.
        post_migrate.connect(roles.post_migrate_sync, dispatch_uid="accounts.roles.sync")
        # The audit trail records staff changes (in the admin and the API); read in the admin.
        audit.connect()


class ArtelAdminConfig(admin_apps.AdminConfig):
    """Replaces "django.contrib.admin" in INSTALLED_APPS: `admin.site` is `ArtelAdminSite`
    (accounts/admin_site.py: two-factor sign-in), so every app's `@admin.register` lands on it."""

    default = False  # "accounts" itself is AccountsConfig
    default_site = "accounts.admin_site.ArtelAdminSite"
