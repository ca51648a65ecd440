from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from notifications import receivers, tasks  # noqa: F401 - tasks registers the Celery tasks

        receivers.connect()
