"""Print correctly signed Mini App init data (DEBUG only), e.g. for curl or a browser console:

    manage.py telegram_init_data --user-id 1001 --first-name Ann
    curl -X POST localhost:8000/api/auth/telegram/ -H 'Content-Type: application/json' \
         -d "{\"init_data\": \"$(manage.py telegram_init_data --user-id 1001 --first-name Ann)\"}"

Signed with TELEGRAM_BOT_TOKEN, or with the dev token (accounts.selectors.DEV_BOT_TOKEN) when none
is set — the server validates with the same one. Refused with DEBUG off.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts import dev


def _positive_id(value: str) -> int:
    number = int(value)
    if not 0 < number < 2**63:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Print signed Telegram Mini App init data for a test user (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("--user-id", type=_positive_id, required=True)
        parser.add_argument("--first-name", required=True)
        parser.add_argument("--last-name")
        parser.add_argument("--username")
        parser.add_argument("--language", dest="language_code", default="ru")
        parser.add_argument("--photo-url")
        parser.add_argument("--start-param")
        parser.add_argument(
            "--auth-date", type=int, help="Unix time to sign (default: now); for expiry tests."
        )

    def handle(self, *args, **opts):
        if not settings.DEBUG:
            raise CommandError(
                "telegram_init_data is a development tool and refuses to run with DEBUG off."
            )
        try:
            init_data = dev.build_init_data(
                user_id=opts["user_id"],
                first_name=opts["first_name"],
                last_name=opts["last_name"],
                username=opts["username"],
                language_code=opts["language_code"],
                photo_url=opts["photo_url"],
                start_param=opts["start_param"],
                auth_date=opts["auth_date"],
            )
        except (dev.DevSignInDisabled, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if not settings.TELEGRAM_BOT_TOKEN:
            self.stderr.write("TELEGRAM_BOT_TOKEN is not set: signed with the dev token.")
        self.stdout.write(init_data)
