"""What a match result learns after it was written: the player's new rating.

The result is announced from `match_finished`, possibly before the stats task has written the new
rating; the rating before is stored in the payload, the rating after is read here when the message
is rendered or delivered (after commit).
"""

from __future__ import annotations

from datetime import timedelta

from notifications.models import (
    Kind,
    Notification,
)
from stats.models import ProcessedMatch, Rating


def rating_of(user_id: int, family: str) -> int | None:
    return (
        Rating.objects.filter(player_id=user_id, family=family)
        .values_list("display", flat=True)
        .first()
    )


# How long a match result waits for the stats task to write the new rating before it is sent
# without one.
RATING_WAIT = timedelta(minutes=2)


def rating_ready(notification: Notification) -> bool:
    """True when the stats have processed the match since the result was written (or there are
    no stats to wait for)."""
    payload = notification.payload or {}
    if notification.kind != Kind.MATCH_RESULT or not payload.get("family"):
        return True
    return ProcessedMatch.objects.filter(
        match_id=payload.get("match_id"), processed_at__gte=notification.created_at
    ).exists()


def rating_enrich(notification: Notification, *, save: bool = False) -> None:
    """Fill `rating`/`rating_change` of a match result from the stats once they are written.

    The result is announced from `match_finished`, possibly before the stats receiver has
    updated the rating in the same transaction; the rating before is stored, the rating after is
    read when the message is rendered (after commit)."""
    payload = notification.payload or {}
    if notification.kind != Kind.MATCH_RESULT or "rating" in payload or not payload.get("family"):
        return
    if not rating_ready(notification):
        return
    now_rating = rating_of(notification.user_id, payload["family"])
    if now_rating is None:
        return
    payload["rating"] = now_rating
    before = payload.get("rating_before")
    if before is not None:
        payload["rating_change"] = now_rating - int(before)
    notification.payload = payload
    if save:
        notification.save(update_fields=["payload"])
