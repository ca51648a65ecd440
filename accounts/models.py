from django.conf import settings
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


class EnrolmentLink(models.Model):
    """A one-time link that lets one staff member set up two-factor sign-in.

    Issued by a manager in the admin (or by `manage.py twofactor_link`), it expires and works once:
    the password alone never reaches the enrolment page, so someone who learns a staff password
    before its owner enrols cannot enrol their own phone. Only a hash of the token is stored.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enrolment_links",
        verbose_name=_("for"),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("two-factor enrolment link")
        verbose_name_plural = _("two-factor enrolment links")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.user} until {self.expires_at:%Y-%m-%d %H:%M}"


from accounts.models_audit import AuditRecord  # noqa: E402, F401 - see accounts/audit.py
