from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = _("Realtime")

    def ready(self):
        # Every app's `topics.py` registers its topic kinds (and `me` sections) on import.
        autodiscover_modules("topics")
