"""A seeded synthetic club history generated from known hidden skills.

~200 players, each with a hidden skill (normal, sd 1 on a logistic scale where a difference of
1.0 gives the stronger player ~73 % of frames) plus a small random-walk drift over time.
Players have different activity levels (a few regulars play most matches) and tend to play
people near their own skill (clubs pair up that way). Matches are race-to-2..5, ~6 % are doubles.
A frame's winner is drawn from the logistic of the side skill difference, so the best possible
predictor is known: ``oracle_predictions`` gives it for comparison.

Usable as a module (``generate(seed=...)``) and as a script printing a summary.
"""

from __future__ import annotations

import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stats.ratings import FrameResult  # noqa: E402

PLAYERS = 200
MATCHES = 1400
SKILL_SD = 1.0
DRIFT_SD = 0.01  # per match played
DOUBLES_SHARE = 0.06


@dataclass
class History:
    frames: list[FrameResult]
    oracle: list[float]  # P(side A wins) from the hidden skills at the time of each frame
    skills: dict[int, float]  # final hidden skills
    matches: int


def _p(diff: float) -> float:
    return 1.0 / (1.0 + math.exp(-diff))


def generate(seed: int = 1, players: int = PLAYERS, matches: int = MATCHES) -> History:
    rng = random.Random(seed)
    skill = {p: rng.gauss(0.0, SKILL_SD) for p in range(1, players + 1)}
    # Activity: a Pareto-ish weight, so a few regulars play a lot and many play rarely.
    activity = {p: rng.paretovariate(1.5) for p in skill}
    ids = list(skill)
    weights = [activity[p] for p in ids]
    frames: list[FrameResult] = []
    oracle: list[float] = []
    for match_id in range(1, matches + 1):
        doubles = rng.random() < DOUBLES_SHARE
        size = 2 if doubles else 1
        first = rng.choices(ids, weights)[0]
        # Opponents near the first player's skill are likelier (3x weight within 1 sd).
        near = [
            w * (3.0 if abs(skill[p] - skill[first]) < 1.0 else 1.0)
            for p, w in zip(ids, weights, strict=True)
        ]
        chosen = [first]
        while len(chosen) < 2 * size:
            p = rng.choices(ids, near)[0]
            if p not in chosen:
                chosen.append(p)
        side_a = tuple(chosen[0::2][:size]) if doubles else (chosen[0],)
        side_b = tuple(chosen[1::2][:size]) if doubles else (chosen[1],)
        race_to = rng.choice((2, 3, 3, 4, 5))
        won = [0, 0]
        while max(won) < race_to:
            diff = sum(skill[p] for p in side_a) / size - sum(skill[p] for p in side_b) / size
            p_a = _p(diff)
            winner = 0 if rng.random() < p_a else 1
            won[winner] += 1
            frames.append(FrameResult(side_a, side_b, winner, match_id))
            oracle.append(p_a)
        for p in side_a + side_b:
            skill[p] += rng.gauss(0.0, DRIFT_SD)
    return History(frames=frames, oracle=oracle, skills=skill, matches=matches)


def oracle_predictions(history: History) -> list[tuple[float, int]]:
    return [
        (p, 1 if f.winner == 0 else 0) for p, f in zip(history.oracle, history.frames, strict=True)
    ]


if __name__ == "__main__":
    from bench import _common

    _common.parser(__doc__).parse_args()
    h = generate()
    players = {p for f in h.frames for p in f.side_a + f.side_b}
    print(f"{h.matches} matches, {len(h.frames)} frames, {len(players)} players")
