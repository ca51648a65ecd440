"""Models of games: the club floor (club.py, bookings.py) and matches (matches.py)."""

from games.models.bookings import Booking, SessionBillLine, TableSession
from games.models.club import (
    WEEKDAYS,
    CheckInAttempt,
    Club,
    ClubToday,
    OpeningHours,
    Table,
    Tariff,
)
from games.models.matches import DisputedResult, Match, MatchEvent, MatchSide, ResultReview
from games.models.money import (
    CatalogueItem,
    DepositRule,
    Payment,
    SessionItem,
    SessionPause,
    SessionPresence,
    SessionShare,
    SessionStretch,
    Shift,
)

__all__ = [
    "CatalogueItem",
    "DepositRule",
    "Payment",
    "SessionItem",
    "SessionPause",
    "SessionPresence",
    "SessionShare",
    "SessionStretch",
    "Shift",
    "WEEKDAYS",
    "Booking",
    "CheckInAttempt",
    "Club",
    "DisputedResult",
    "ClubToday",
    "Match",
    "MatchEvent",
    "MatchSide",
    "OpeningHours",
    "ResultReview",
    "SessionBillLine",
    "Table",
    "TableSession",
    "Tariff",
]
