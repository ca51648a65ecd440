"""API routes of this app, mounted under /api/."""

from django.urls import path

from stats import api

urlpatterns = [
    path("leaderboards/", api.LeaderboardView.as_view(), name="leaderboards"),
    path("players/<int:player_id>/stats/", api.PlayerStatsView.as_view(), name="player-stats"),
    path(
        "players/<int:player_id>/head-to-head/<int:other_id>/",
        api.HeadToHeadView.as_view(),
        name="player-head-to-head",
    ),
    path(
        "players/<int:player_id>/matches/", api.PlayerMatchesView.as_view(), name="player-matches"
    ),
    path("ratings/win-probability/", api.WinProbabilityView.as_view(), name="win-probability"),
]
