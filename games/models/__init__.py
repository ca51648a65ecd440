"""Models of games: the club floor (club.py, bookings.py) and matches (matches.py)."""

from games.models.bookings import Booking, SessionBillLine, TableSession
from games.models.club import WEEKDAYS, Club, ClubToday, OpeningHours, Table, Tariff

__all__ = [
    "WEEKDAYS",
    "Booking",
    "Club",
    "ClubToday",
    "OpeningHours",
    "SessionBillLine",
    "Table",
    "TableSession",
    "Tariff",
]
