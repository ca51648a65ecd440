"""Models of games: the club floor (club.py, bookings.py) and matches (matches.py)."""

from games.models.club import WEEKDAYS, Club, OpeningHours, Table, Tariff

__all__ = ["WEEKDAYS", "Club", "OpeningHours", "Table", "Tariff"]
