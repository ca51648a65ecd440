"""Demo data: the club "Artel" with its floor, hours and tariffs, a staff user and demo players.

Idempotent: running it again changes nothing that is already there (`make run` calls it every time).
Later features add their own demo data through `games.demo` hooks.

Never a way in: with DEBUG off it refuses unless given `--production`, and then it creates the club
and players but no staff login (the published demo password would be a key to the admin); create
staff with `createsuperuser` and give them `manage.py twofactor_link <username>`.
"""

from datetime import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from games import demo
from games.models import Club, OpeningHours, Table, Tariff

DEMO_CLUB = "Artel"
DEMO_STAFF_USERNAME = "staff"
DEMO_STAFF_PASSWORD = "artel-staff-demo"  # noqa: S105 - demo data, printed by `make run`
DEMO_PLAYERS = [
    # username, first, last, telegram id, language
    ("ann", "Анна", "Смирнова", 1001, "ru"),
    ("ivan", "Иван", "Петров", 1002, "ru"),
    ("oleg", "Олег", "Кузнецов", 1003, "ru"),
    ("maria", "Maria", "Lopez", 1004, "en"),
    ("dmitry", "Дмитрий", "Волков", 1005, "ru"),
    ("kate", "Kate", "Morgan", 1006, "en"),
]

# number, kind, x %, y %
FLOOR = [
    (1, "pyramid", 12, 18),
    (2, "pyramid", 32, 18),
    (3, "pyramid", 52, 18),
    (4, "pyramid", 12, 42),
    (5, "pyramid", 32, 42),
    (6, "pyramid", 52, 42),
    (7, "pool", 76, 14),
    (8, "pool", 76, 34),
    (9, "pool", 76, 54),
    (10, "pool", 76, 74),
    (11, "snooker", 20, 74),
    (12, "snooker", 48, 74),
]

WEEKDAYS = [0, 1, 2, 3, 4]
WEEKEND = [5, 6]
# kind: (day price, evening price, weekend price), roubles per hour
PRICES = {"pyramid": (600, 900, 1000), "pool": (450, 720, 780), "snooker": (900, 1200, 1320)}


class Command(BaseCommand):
    help = "Load the demo club, tables, tariffs, a staff user and demo players (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--production",
            action="store_true",
            help="load the demo club with DEBUG off (no staff login is created then)",
        )

    def handle(self, *args, production=False, **options):
        if not settings.DEBUG and not production:
            raise CommandError(
                "DEBUG is off: this looks like production, and demo data does not belong there. "
                "Pass --production to load the demo club anyway (without the demo staff login)."
            )
        self._load(with_staff_login=settings.DEBUG)

    @transaction.atomic
    def _load(self, *, with_staff_login: bool):
        club, created = Club.objects.get_or_create(
            name=DEMO_CLUB,
            defaults={"address": "Москва, ул. Бильярдная, 1", "timezone": "Europe/Moscow"},
        )
        for weekday in range(7):
            closes = time(4, 0) if weekday in (4, 5) else time(2, 0)
            OpeningHours.objects.get_or_create(
                club=club, weekday=weekday, defaults={"opens": time(12, 0), "closes": closes}
            )
        for number, kind, x, y in FLOOR:
            Table.objects.get_or_create(
                club=club,
                number=number,
                defaults={"kind": kind, "x": x, "y": y, "name": f"{number}"},
            )
        for kind, (day, evening, weekend) in PRICES.items():
            for name, price, weekdays, start, end in (
                ("Day", day, WEEKDAYS, time(0, 0), time(18, 0)),
                ("Evening", evening, WEEKDAYS, time(18, 0), time(0, 0)),
                ("Weekend", weekend, WEEKEND, time(0, 0), time(0, 0)),
            ):
                Tariff.objects.get_or_create(
                    club=club,
                    table_kind=kind,
                    name=name,
                    defaults={
                        "price_per_hour": price * 100,
                        "weekdays": weekdays,
                        "start_time": start,
                        "end_time": end,
                    },
                )
        User = get_user_model()
        if with_staff_login:
            # Development only (DEBUG on): the login `make run` prints.
            staff, staff_created = User.objects.get_or_create(
                username=DEMO_STAFF_USERNAME,
                defaults={"first_name": "Staff", "is_staff": True, "is_superuser": True},
            )
            if staff_created:
                staff.set_password(DEMO_STAFF_PASSWORD)
                staff.save(update_fields=["password"])
        else:
            self.stdout.write(
                "No demo staff login with DEBUG off: create staff with `manage.py createsuperuser` "
                "and give them `manage.py twofactor_link <username>`."
            )
        for username, first, last, tg_id, lang in DEMO_PLAYERS:
            User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "telegram_id": tg_id,
                    "language": lang,
                },
            )

        demo.run_hooks(club=club)
        verb = "created" if created else "already present"
        self.stdout.write(self.style.SUCCESS(f"Demo club '{club.name}' {verb} (id {club.id})."))
