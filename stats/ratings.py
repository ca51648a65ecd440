"""Ratings: the rating system of the club, two baselines, and the replay that measures them.

Pure Python (no Django import): fed plain ``FrameResult`` objects, so the Django side
(``stats.services``), ``manage.py rating_report`` and ``bench/ratings.py`` share one code path.

The chosen system
-----------------
OpenSkill's Thurstone-Mosteller "full pairing" model (Weng & Lin 2011, the ``openskill``
library), one rating
``(mu, sigma)`` per player per discipline family, updated **per frame** in match order (a frame is
the unit of play that has a winner; a 14.1 game is one "frame"). Doubles are two-player teams:
both partners are rated by the same frame result. A side with a guest is not rated and does not
rate anyone: the caller leaves such matches out (``FrameResult.rated`` is False).

Model and parameters (``MODEL_PARAMS``) were picked on one seed of the synthetic history and
are reported on another (``bench/ratings.py --tune`` prints the grid): Thurstone-Mosteller beat
Plackett-Luce and Bradley-Terry there (log loss 0.642 vs 0.649 vs 0.649); ``beta`` — the
performance noise of one frame — is 16, about twice the library default: a frame of billiards
is a noisy contest (one missed pot turns it), so a single frame should move a rating less.
``tau`` (per-update sigma drift) keeps the library default 25/300 so that ratings stay
responsive to a player who improves; on the static synthetic skills it costs 0.0001 log loss.

Shown value: the conservative estimate ``mu - 3 sigma`` (the "ordinal"), scaled for display as
``1500 + 40 * ordinal`` — a newcomer (mu 25, sigma 25/3) shows 1500 and climbs as the system
becomes sure of them. A rating is *provisional* until ``PROVISIONAL_FRAMES`` rated frames.

Baselines: ``CoinFlip`` (always 50 %) and ``Elo`` (K = 32 per frame, logistic on a 400 scale,
a doubles side is the mean of its partners and each partner moves by the side's delta).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from openskill.models import ThurstoneMostellerFull

# --- the chosen system's parameters and display ---------------------------------------------
DEFAULT_MU = 25.0
DEFAULT_SIGMA = 25.0 / 3.0
MODEL_PARAMS = {"mu": DEFAULT_MU, "sigma": DEFAULT_SIGMA, "beta": 16.0, "tau": 25.0 / 300.0}
DISPLAY_BASE = 1500
DISPLAY_SCALE = 40
PROVISIONAL_FRAMES = 20

ELO_K = 32.0
ELO_INITIAL = 1500.0


@dataclass(frozen=True)
class FrameResult:
    """One frame between side A and side B (player ids; one or two per side).

    ``winner`` is 0 (side A) or 1 (side B). ``match_id`` groups frames of one match.
    """

    side_a: tuple[int, ...]
    side_b: tuple[int, ...]
    winner: int
    match_id: int | None = None

    @property
    def rated(self) -> bool:
        return bool(self.side_a) and bool(self.side_b)


@dataclass
class PlayerRating:
    mu: float = DEFAULT_MU
    sigma: float = DEFAULT_SIGMA
    frames: int = 0

    @property
    def ordinal(self) -> float:
        return self.mu - 3.0 * self.sigma

    @property
    def display(self) -> int:
        return display_rating(self.mu, self.sigma)

    @property
    def provisional(self) -> bool:
        return self.frames < PROVISIONAL_FRAMES


def display_rating(mu: float, sigma: float) -> int:
    """The number players see: 1500 + 40 * (mu - 3 sigma), rounded."""
    return int(round(DISPLAY_BASE + DISPLAY_SCALE * (mu - 3.0 * sigma)))


class OpenSkillRatings:
    """The club's rating system over an in-memory table of player ratings.

    ``predict(a, b)`` is the probability that side ``a`` wins the next frame; ``update(a, b,
    winner)`` applies one frame. Both take tuples of player ids; unknown players start at the
    default rating.
    """

    name = "openskill-thurstone-mosteller"

    def __init__(self, ratings: dict[int, PlayerRating] | None = None, **params: float):
        self.params = {**MODEL_PARAMS, **params}
        self.model = ThurstoneMostellerFull(
            mu=self.params["mu"],
            sigma=self.params["sigma"],
            beta=self.params["beta"],
            tau=self.params["tau"],
        )
        self.ratings: dict[int, PlayerRating] = ratings if ratings is not None else {}

    def get(self, player_id: int) -> PlayerRating:
        rating = self.ratings.get(player_id)
        if rating is None:
            rating = self.ratings[player_id] = PlayerRating(
                mu=self.params["mu"], sigma=self.params["sigma"]
            )
        return rating

    def _team(self, side: Sequence[int]):
        return [self.model.rating(mu=self.get(p).mu, sigma=self.get(p).sigma) for p in side]

    def predict(self, side_a: Sequence[int], side_b: Sequence[int]) -> float:
        return win_probability_of(self.model, self._team(side_a), self._team(side_b))

    def update(self, side_a: Sequence[int], side_b: Sequence[int], winner: int) -> None:
        ranks = [1, 2] if winner == 0 else [2, 1]
        team_a, team_b = self.model.rate([self._team(side_a), self._team(side_b)], ranks=ranks)
        for pid, new in zip(side_a, team_a, strict=True):
            self._store(pid, new)
        for pid, new in zip(side_b, team_b, strict=True):
            self._store(pid, new)

    def _store(self, pid: int, new) -> None:
        rating = self.get(pid)
        rating.mu, rating.sigma, rating.frames = new.mu, new.sigma, rating.frames + 1


def win_probability_of(model, team_a: list, team_b: list) -> float:
    """P(team A beats team B in one frame) under ``model`` (OpenSkill's own prediction)."""
    p_a, _p_b = model.predict_win([team_a, team_b])
    return float(p_a)


def win_probability(side_a: Sequence[PlayerRating], side_b: Sequence[PlayerRating]) -> float:
    """The chance that side A wins one frame against side B, for the match start screen."""
    model = ThurstoneMostellerFull(**{k: MODEL_PARAMS[k] for k in ("mu", "sigma", "beta", "tau")})
    team_a = [model.rating(mu=r.mu, sigma=r.sigma) for r in side_a]
    team_b = [model.rating(mu=r.mu, sigma=r.sigma) for r in side_b]
    return win_probability_of(model, team_a, team_b)


def match_win_probability(frame_p: float, race_to: int) -> float:
    """P(side A wins a race to ``race_to`` frames) when it wins each frame with ``frame_p``.

    Negative binomial: A wins ``race_to`` frames before B does.
    """
    n = max(1, int(race_to))
    q = 1.0 - frame_p
    return sum(math.comb(n - 1 + k, k) * frame_p**n * q**k for k in range(n))


# --- baselines ------------------------------------------------------------------------------
class CoinFlip:
    name = "always-50%"

    def predict(self, side_a: Sequence[int], side_b: Sequence[int]) -> float:
        return 0.5

    def update(self, side_a: Sequence[int], side_b: Sequence[int], winner: int) -> None:
        return None


class Elo:
    """Plain Elo, K per frame; a doubles side plays at its partners' mean rating."""

    name = "elo-k32"

    def __init__(self, k: float = ELO_K, initial: float = ELO_INITIAL):
        self.k = k
        self.initial = initial
        self.ratings: dict[int, float] = {}

    def _side(self, side: Sequence[int]) -> float:
        return sum(self.ratings.get(p, self.initial) for p in side) / len(side)

    def predict(self, side_a: Sequence[int], side_b: Sequence[int]) -> float:
        return 1.0 / (1.0 + 10.0 ** ((self._side(side_b) - self._side(side_a)) / 400.0))

    def update(self, side_a: Sequence[int], side_b: Sequence[int], winner: int) -> None:
        expected = self.predict(side_a, side_b)
        delta = self.k * ((1.0 if winner == 0 else 0.0) - expected)
        for p in side_a:
            self.ratings[p] = self.ratings.get(p, self.initial) + delta
        for p in side_b:
            self.ratings[p] = self.ratings.get(p, self.initial) - delta


# --- replay and report ----------------------------------------------------------------------
BUCKETS = 10
EPS = 1e-12


@dataclass
class CalibrationRow:
    low: float
    high: float
    count: int = 0
    predicted_sum: float = 0.0
    wins: int = 0

    @property
    def mean_predicted(self) -> float | None:
        return self.predicted_sum / self.count if self.count else None

    @property
    def observed(self) -> float | None:
        return self.wins / self.count if self.count else None


@dataclass
class Report:
    name: str
    frames: int = 0
    log_loss: float = 0.0
    brier: float = 0.0
    accuracy: float = 0.0
    calibration: list[CalibrationRow] = field(default_factory=list)


def replay(frames: Iterable[FrameResult], system) -> list[tuple[float, int]]:
    """Predict each rated frame before applying it; return [(P(side A wins), outcome 0/1)]."""
    out = []
    for frame in frames:
        if not frame.rated:
            continue
        p = system.predict(frame.side_a, frame.side_b)
        out.append((p, 1 if frame.winner == 0 else 0))
        system.update(frame.side_a, frame.side_b, frame.winner)
    return out


def score(name: str, predictions: Sequence[tuple[float, int]], buckets: int = BUCKETS) -> Report:
    """Log loss (natural log), Brier score, accuracy and a calibration table by bucket of the
    predicted probability of side A."""
    rows = [CalibrationRow(low=i / buckets, high=(i + 1) / buckets) for i in range(buckets)]
    report = Report(name=name, calibration=rows)
    if not predictions:
        return report
    ll = brier = correct = 0.0
    for p, y in predictions:
        pc = min(max(p, EPS), 1.0 - EPS)
        ll -= y * math.log(pc) + (1 - y) * math.log(1.0 - pc)
        brier += (p - y) ** 2
        correct += 0.5 if p == 0.5 else (1 if (p > 0.5) == (y == 1) else 0)
        row = rows[min(int(p * buckets), buckets - 1)]
        row.count += 1
        row.predicted_sum += p
        row.wins += y
    n = len(predictions)
    report.frames = n
    report.log_loss = ll / n
    report.brier = brier / n
    report.accuracy = correct / n
    return report


def default_systems() -> dict[str, Callable[[], object]]:
    return {
        OpenSkillRatings.name: OpenSkillRatings,
        CoinFlip.name: CoinFlip,
        Elo.name: Elo,
    }


def compare(
    frames: Sequence[FrameResult], systems: dict[str, Callable[[], object]] | None = None
) -> list[Report]:
    """Replay ``frames`` (already in match order) through each system; one Report each."""
    systems = systems or default_systems()
    return [score(name, replay(frames, factory())) for name, factory in systems.items()]


def format_reports(reports: Sequence[Report], *, calibration_of: str | None = None) -> str:
    """A plain-text table of the reports and the calibration table of one system."""
    lines = [f"{'system':<28} {'frames':>7} {'log loss':>9} {'Brier':>7} {'accuracy':>9}"]
    for r in reports:
        lines.append(
            f"{r.name:<28} {r.frames:>7} {r.log_loss:>9.4f} {r.brier:>7.4f} {r.accuracy:>9.3f}"
        )
    for r in reports:
        if calibration_of is not None and r.name != calibration_of:
            continue
        lines.append("")
        lines.append(f"calibration of {r.name} (P(side A wins the frame))")
        lines.append(f"{'bucket':<12} {'frames':>7} {'mean p':>8} {'observed':>9}")
        for row in r.calibration:
            if not row.count:
                continue
            lines.append(
                f"{row.low:.1f}–{row.high:.1f}    {row.count:>7} {row.mean_predicted:>8.3f} "
                f"{row.observed:>9.3f}"
            )
    return "\n".join(lines)
