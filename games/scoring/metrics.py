"""Scoring metrics (defined in core/metrics.py): LIVE_MATCHES is sampled on scrape."""

import logging

from core.metrics import LIVE_MATCHES
from games.scoring.selectors import match_live_count

logger = logging.getLogger(__name__)


def _live_matches() -> float:
    try:
        return float(match_live_count())
    except Exception:  # noqa: BLE001 - a scrape must not fail because the database is away
        logger.warning("could not count live matches for /metrics", exc_info=True)
        return float("nan")


def register_live_matches_gauge() -> None:
    LIVE_MATCHES.set_function(_live_matches)
