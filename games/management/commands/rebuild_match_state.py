"""Recompute matches' stored state, version, status and winner from their event logs."""

from django.core.management.base import BaseCommand, CommandError

from games.models import Match
from games.scoring.services import match_rebuild_state


class Command(BaseCommand):
    help = "Rebuild the stored state of one match (by id) or of all matches (--all) from the log."

    def add_arguments(self, parser):
        parser.add_argument("match_id", nargs="?", type=int, help="the match to rebuild")
        parser.add_argument("--all", action="store_true", help="rebuild every match")

    def handle(self, *args, match_id=None, all=False, **options):  # noqa: A002
        if (match_id is None) == (not all):
            raise CommandError("Give a match id or --all (not both).")
        if all:
            ids = list(Match.objects.order_by("pk").values_list("pk", flat=True))
        else:
            if not Match.objects.filter(pk=match_id).exists():
                raise CommandError(f"Match {match_id} does not exist.")
            ids = [match_id]
        changed = 0
        for pk in ids:
            if match_rebuild_state(match_id=pk):
                changed += 1
                self.stdout.write(f"match {pk}: stored state differed and was rebuilt")
        self.stdout.write(
            self.style.SUCCESS(f"Rebuilt {len(ids)} match(es); {changed} had a stale state.")
        )
