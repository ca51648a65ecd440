"""`manage.py twofactor_link <username>`: a one-time two-factor enrolment link for a staff member
(the first manager of a new install, or anyone whose phone was lost, after `--reset`)."""

from django.core.management.base import BaseCommand, CommandError

from accounts import two_factor
from accounts.models import User


class Command(BaseCommand):
    help = "Print a one-time link with which a staff member sets up two-factor sign-in."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--reset", action="store_true", help="remove the person's authenticators first"
        )

    def handle(self, *args, username, reset=False, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        if not user.is_staff:
            raise CommandError(f"{username!r} has no admin access (give them a staff role first).")
        if reset:
            removed = two_factor.two_factor_reset(user=user)
            self.stdout.write(f"Removed {removed} authenticator(s) of {username}.")
        token = two_factor.enrolment_link_issue(user=user)
        hours = int(two_factor.link_ttl().total_seconds() // 3600)
        self.stdout.write(f"Enrolment link for {username} (valid {hours} h, works once):")
        self.stdout.write(two_factor.enrolment_url(token))
