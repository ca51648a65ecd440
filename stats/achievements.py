"""The achievements catalogue: declarative, each a predicate over a player's statistics.

``stats`` is ``{scope: PlayerStats}`` with every family and ``overall`` present (empty rows for
families never played). Awarding lives in ``stats.services``; an award that a correction or an
undo makes untrue is taken back there (the player's `me` topic is told).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

HOUR = 3600


@dataclass(frozen=True)
class AchievementDef:
    code: str
    title: str
    description: str
    icon: str
    earned: Callable[[dict], bool]


def _high(stats, scope: str, at_least: int) -> bool:
    run = stats[scope].high_run
    return run is not None and run >= at_least


CATALOGUE: tuple[AchievementDef, ...] = (
    AchievementDef(
        "first_win", _("First win"), _("Win your first match."), "🏆",
        lambda s: s["overall"].matches_won >= 1,
    ),
    AchievementDef(
        "matches_10", _("Regular"), _("Play 10 matches."), "🎱",
        lambda s: s["overall"].matches >= 10,
    ),
    AchievementDef(
        "matches_50", _("Club fixture"), _("Play 50 matches."), "🥈",
        lambda s: s["overall"].matches >= 50,
    ),
    AchievementDef(
        "matches_100", _("Centurion"), _("Play 100 matches."), "🥇",
        lambda s: s["overall"].matches >= 100,
    ),
    AchievementDef(
        "win_streak_5", _("On fire"), _("Win 5 matches in a row."), "🔥",
        lambda s: s["overall"].best_streak >= 5,
    ),
    AchievementDef(
        "pyramid_8_0", _("Clean sweep"), _("Win a pyramid frame 8–0."), "🧹",
        lambda s: s["pyramid"].clean_frames >= 1,
    ),
    AchievementDef(
        "snooker_50", _("Half-century"), _("Make a snooker break of 50 or more."), "5️⃣",
        lambda s: _high(s, "snooker", 50),
    ),
    AchievementDef(
        "snooker_century", _("Century"), _("Make a snooker break of 100 or more."), "💯",
        lambda s: _high(s, "snooker", 100),
    ),
    AchievementDef(
        "nine_ball_break_and_run", _("Break and run"), _("Win a 9-ball rack from the break."),
        "⚡", lambda s: s["pool"].break_and_runs >= 1,
    ),
    AchievementDef(
        "straight_pool_run_30", _("Long run"), _("Make a run of 30 or more in straight pool."),
        "📈", lambda s: _high(s, "straight_pool", 30),
    ),
    AchievementDef(
        "hours_10", _("Ten hours at the table"), _("Spend 10 hours at the club's tables."), "⏱",
        lambda s: s["overall"].play_seconds >= 10 * HOUR,
    ),
)  # fmt: skip

BY_CODE = {a.code: a for a in CATALOGUE}


def earned_codes(stats: dict) -> list[str]:
    return [a.code for a in CATALOGUE if a.earned(stats)]


def describe(code: str) -> dict:
    a = BY_CODE.get(code)
    if a is None:
        return {"code": code, "title": code, "description": "", "icon": "🏅"}
    return {
        "code": a.code,
        "title": str(a.title),
        "description": str(a.description),
        "icon": a.icon,
    }
