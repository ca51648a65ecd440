from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """Last time a periodic process checked in (beat writes `beat` every 30 s; /readyz reads it).

    Kept in the database rather than the cache so that every process sees it in the embedded
    mode too, where the cache is per-process memory.
    """

    name = models.CharField(max_length=40, primary_key=True)
    at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"
