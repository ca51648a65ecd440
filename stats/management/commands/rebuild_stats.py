"""Recompute every statistic, rating and achievement from the match logs and table sessions."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from stats import services


class Command(BaseCommand):
    help = "Rebuild player statistics, ratings and achievements from the match history."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, no_progress=False, **options):
        total = services.counted_matches().count()
        with tqdm(
            total=total,
            unit="match",
            desc="rebuild_stats",
            disable=no_progress or None,
            file=self.stderr._out,
        ) as bar:
            result = services.stats_rebuild(progress=bar.update)
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt stats: {result['matches']} matches, {result['rows']} player rows, "
                f"{result['players']} players."
            )
        )
