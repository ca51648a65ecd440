"""Replay the club's match history in date order and measure how well ratings predict frames."""

from django.core.management.base import BaseCommand

from stats.facts import frame_winners
from stats.models import Family
from stats.ratings import (
    FrameResult,
    OpenSkillRatings,
    default_systems,
    format_reports,
    replay,
    score,
)
from stats.services import FAMILY_DISCIPLINES, counted_matches


def history_frames(family: str) -> list[FrameResult]:
    """The family's frames in match order (finished_at, id), confirmed results only; a guest side
    gives an unrated frame, which every system skips."""
    matches = (
        counted_matches()
        .filter(discipline__in=FAMILY_DISCIPLINES[family])
        .order_by("finished_at", "id")
        .prefetch_related("sides__players")
    )
    frames = []
    for match in matches.iterator(chunk_size=500):
        sides = sorted(match.sides.all(), key=lambda s: s.index)
        if len(sides) != 2:
            continue
        ids = [() if s.guest_name else tuple(sorted(p.pk for p in s.players.all())) for s in sides]
        for w in frame_winners(family, match.state):
            frames.append(FrameResult(ids[0], ids[1], w, match.pk))
    return frames


class Command(BaseCommand):
    help = (
        "Replay finished matches in date order, predicting each frame before rating it; print "
        "log loss, Brier score and a calibration table for the rating system and two baselines."
    )

    def add_arguments(self, parser):
        parser.add_argument("--family", choices=Family.values, help="one family only")

    def handle(self, *args, family=None, **options):
        families = [family] if family else list(Family.values)
        systems = default_systems()
        combined: dict[str, list] = {name: [] for name in systems}
        for fam in families:
            frames = history_frames(fam)
            rated = sum(1 for f in frames if f.rated)
            if not rated:
                self.stdout.write(f"{fam}: no rated frames")
                continue
            reports = []
            for name, factory in systems.items():
                predictions = replay(frames, factory())
                combined[name].extend(predictions)
                reports.append(score(name, predictions))
            self.stdout.write(f"\n== {fam}: {rated} rated frames ==")
            self.stdout.write(format_reports(reports, calibration_of=""))
        if len(families) > 1 and any(combined.values()):
            reports = [score(name, preds) for name, preds in combined.items()]
            self.stdout.write("\n== all families (each rated separately) ==")
            self.stdout.write(format_reports(reports, calibration_of=OpenSkillRatings.name))
