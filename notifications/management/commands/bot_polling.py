"""`manage.py bot_polling`: long polling for development, without a public URL.

Removes the webhook (Telegram delivers updates one way only), then loops on getUpdates and
hands each update to the same path as the webhook (recorded once, handled by Celery — eagerly
in the embedded mode). Stop with Ctrl-C. `--once` polls a single time (for tests and scripts).
"""

import time

from django.core.management.base import BaseCommand, CommandError

from notifications import bot, telegram
from notifications.management.commands.set_webhook import ALLOWED_UPDATES
from notifications.models import ProcessedUpdate


class Command(BaseCommand):
    help = "Receive the bot's updates by long polling (development without a public URL)."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=int, default=25, help="Long-poll seconds.")
        parser.add_argument("--once", action="store_true", help="Poll once and exit.")

    def handle(self, *args, timeout=25, once=False, **options):
        try:
            client = telegram.get_client()
        except telegram.TelegramNotConfigured as exc:
            raise CommandError("Set TELEGRAM_BOT_TOKEN first.") from exc
        try:
            me = client.get_me()
            client.delete_webhook()
        except telegram.TelegramError as exc:
            raise CommandError(f"Telegram refused: {exc}") from None
        self.stdout.write(f"Polling as @{me.get('username')} (Ctrl-C to stop)")
        last = ProcessedUpdate.objects.order_by("-update_id").values_list("update_id", flat=True)
        newest = last.first()
        offset = newest + 1 if newest is not None else None
        while True:
            try:
                updates = client.get_updates(
                    offset=offset, timeout=0 if once else timeout, allowed_updates=ALLOWED_UPDATES
                )
            except telegram.TelegramError as exc:
                self.stderr.write(f"getUpdates failed: {exc}; retrying in 5 s")
                if once:
                    return
                time.sleep(5)
                continue
            except KeyboardInterrupt:
                return
            for update in updates or []:
                update_id = update.get("update_id")
                if isinstance(update_id, int):
                    offset = update_id + 1
                    if bot.update_record(update):
                        self.stdout.write(f"update {update_id}")
            if once:
                return
