"""`manage.py set_webhook --url https://club.example.com/telegram/webhook/` (or `--delete`)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from notifications import telegram

ALLOWED_UPDATES = ["message", "callback_query"]


class Command(BaseCommand):
    help = "Point the Telegram bot's webhook at this site (with the secret token), or remove it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            help="Public https URL of the webhook; default: SITE_URL + /telegram/webhook/",
        )
        parser.add_argument("--delete", action="store_true", help="Remove the webhook instead.")
        parser.add_argument(
            "--drop-pending", action="store_true", help="Discard updates Telegram still holds."
        )

    def handle(self, *args, url=None, delete=False, drop_pending=False, **options):
        try:
            client = telegram.get_client()
        except telegram.TelegramNotConfigured as exc:
            raise CommandError("Set TELEGRAM_BOT_TOKEN first.") from exc
        try:
            me = client.get_me()
            if delete:
                client.delete_webhook(drop_pending_updates=drop_pending)
                self.stdout.write(self.style.SUCCESS(f"Webhook of @{me.get('username')} removed."))
                return
            secret = settings.TELEGRAM_WEBHOOK_SECRET
            if not secret:
                raise CommandError(
                    "Set TELEGRAM_WEBHOOK_SECRET (1–256 of A–Z a–z 0–9 _ -): without it the "
                    "webhook refuses every update."
                )
            url = url or f"{settings.SITE_URL}/telegram/webhook/"
            if not url.startswith("https://"):
                raise CommandError("Telegram only calls https:// webhooks.")
            client.set_webhook(
                url,
                secret_token=secret,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=drop_pending,
            )
            info = client.get_webhook_info()
        except telegram.TelegramError as exc:
            raise CommandError(f"Telegram refused: {exc}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Webhook of @{me.get('username')} set to {info.get('url') or url} "
                f"(pending updates: {info.get('pending_update_count', 0)})."
            )
        )
