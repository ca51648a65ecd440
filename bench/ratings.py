"""Predictive quality of the rating system on a synthetic history with known hidden skills.

    .venv/bin/python bench/ratings.py [--seed 2] [--tune-seed 1] [--tune]

Replays the history in match order, predicting each frame before applying it, and prints log
loss, Brier score and accuracy for the chosen system (OpenSkill Thurstone-Mosteller with the club's
parameters), the two baselines (always 50 %, Elo K=32) and the oracle (the hidden skills
themselves: the floor no system can beat), plus the chosen system's calibration table.

``--tune`` shows the small grid the parameters were picked from, on the *tuning* seed; the
report itself is on a different seed, so the figures are not fitted to the data they report.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openskill.models import (  # noqa: E402
    BradleyTerryFull,
    PlackettLuce,
    ThurstoneMostellerFull,
)

from bench import _common  # noqa: E402
from bench.synthetic_history import generate, oracle_predictions  # noqa: E402
from stats.ratings import (  # noqa: E402
    MODEL_PARAMS,
    Elo,
    OpenSkillRatings,
    compare,
    format_reports,
    replay,
    score,
)


def tune(seed: int) -> None:
    history = generate(seed=seed)
    print(f"tuning grid on seed {seed} ({len(history.frames)} frames): log loss")
    print(f"{'model':<24} {'beta':>7} {'sigma':>6} {'tau':>6} {'log loss':>9} {'Brier':>7}")
    for model in (PlackettLuce, BradleyTerryFull, ThurstoneMostellerFull):
        for beta in (25 / 6, 25 / 3, 12.5, 16.0, 20.0):
            for sigma in (6.0, 25 / 3):
                for tau in (0.0, 25 / 300):
                    system = OpenSkillRatings(beta=beta, sigma=sigma, tau=tau)
                    system.model = model(mu=25.0, sigma=sigma, beta=beta, tau=tau)
                    r = score("x", replay(history.frames, system))
                    print(
                        f"{model.__name__:<24} {beta:>7.3f} {sigma:>6.3f} {tau:>6.3f} "
                        f"{r.log_loss:>9.4f} {r.brier:>7.4f}"
                    )
    r = score("elo", replay(history.frames, Elo()))
    print(f"{'Elo K=32 (baseline)':<46} {r.log_loss:>9.4f} {r.brier:>7.4f}")
    print()


def main() -> None:
    parser = _common.parser(__doc__, first_line=True)
    parser.add_argument("--seed", type=int, default=2, help="seed of the reported history")
    parser.add_argument("--tune-seed", type=int, default=1)
    parser.add_argument("--tune", action="store_true", help="print the tuning grid first")
    args = parser.parse_args()
    if args.tune:
        tune(args.tune_seed)
    history = generate(seed=args.seed)
    players = {p for f in history.frames for p in f.side_a + f.side_b}
    print(
        f"synthetic history, seed {args.seed}: {history.matches} matches, "
        f"{len(history.frames)} frames, {len(players)} players"
    )
    print(f"chosen parameters: {', '.join(f'{k}={v:.4g}' for k, v in MODEL_PARAMS.items())}")
    print()
    reports = compare(history.frames)
    reports.append(score("oracle (hidden skills)", oracle_predictions(history)))
    print(format_reports(reports, calibration_of=OpenSkillRatings.name))
    chosen, coin, elo = reports[0], reports[1], reports[2]
    ok = chosen.log_loss < min(coin.log_loss, elo.log_loss) and chosen.brier < min(
        coin.brier, elo.brier
    )
    print()
    print("chosen system beats both baselines:", "yes" if ok else "NO")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
