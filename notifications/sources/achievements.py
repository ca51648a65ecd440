"""Achievements: the stats app sends `stats.signals.achievement_awarded` inside the awarding
transaction (not when history is recomputed); the player is told once per achievement code."""

from __future__ import annotations

from notifications.models import Kind
from notifications.outbox import notify


def achievement_notify(*, user, code: str, title: str, description: str = "", icon: str = ""):
    """For the stats code: tell the player about an achievement just awarded (call it inside the
    awarding transaction; not when history is recomputed). Once per player and code."""
    return notify(
        user=user,
        kind=Kind.ACHIEVEMENT,
        payload={"code": code, "title": title, "description": description, "icon": icon},
        dedupe_key=f"achievement:{user.pk}:{code}",
    )


def on_achievement_awarded(sender, award, info, **kwargs) -> None:
    achievement_notify(
        user=award.player,
        code=award.code,
        title=info["title"],
        description=info["description"],
        icon=info["icon"],
    )
