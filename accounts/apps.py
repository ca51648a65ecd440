from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from accounts import roles, signals  # noqa: F401 - connects the receivers

        # After every app's permissions exist (and after a test flush), give the roles theirs.
        post_migrate.connect(roles.post_migrate_sync, dispatch_uid="accounts.roles.sync")
