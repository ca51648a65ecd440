"""Ratings and player statistics (the stats issue fills this in)."""
