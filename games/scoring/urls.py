"""API routes of live scoring, included from games/urls.py (mounted under /api/)."""

from django.urls import path

from games.scoring import api

urlpatterns = [
    path("matches/", api.MatchListCreateView.as_view(), name="match-list"),
    path("matches/<int:match_id>/", api.MatchDetailView.as_view(), name="match-detail"),
    path("matches/<int:match_id>/events/", api.MatchEventsView.as_view(), name="match-events"),
    path("matches/<int:match_id>/undo/", api.MatchUndoView.as_view(), name="match-undo"),
    path("matches/<int:match_id>/confirm/", api.MatchConfirmView.as_view(), name="match-confirm"),
    path("matches/<int:match_id>/dispute/", api.MatchDisputeView.as_view(), name="match-dispute"),
    path("players/", api.PlayerSearchView.as_view(), name="player-search"),
    path("play/context/", api.MySessionView.as_view(), name="play-context"),
]
