from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person: player, staff or manager (roles are Django groups, see accounts/roles.py)."""

    class Language(models.TextChoices):
        RU = "ru", _("Russian")
        EN = "en", _("English")

    # Telegram ids are 64-bit (they already exceed 2^31).
    telegram_id = models.BigIntegerField(_("Telegram id"), unique=True, null=True, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.RU
    )
    photo_url = models.URLField(_("photo URL"), max_length=500, blank=True)
    # The name the player chose in the profile; empty = the name from Telegram / Google.
    nickname = models.CharField(_("display name"), max_length=64, blank=True)
    # Opt-in for bot messages (booking reminders, match invites, results).
    notifications_enabled = models.BooleanField(_("notifications"), default=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self) -> str:
        if self.nickname:
            return self.nickname
        full = self.get_full_name().strip()
        return full or self.username


from accounts.models_audit import AuditRecord  # noqa: E402, F401 - see accounts/audit.py
