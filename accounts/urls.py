"""API routes of this app, mounted under /api/."""

from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/telegram/", api.TelegramSignInView.as_view(), name="auth-telegram"),
    path("auth/refresh/", api.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout/", api.LogoutView.as_view(), name="auth-logout"),
    path("auth/dev-init-data/", api.DevInitDataView.as_view(), name="auth-dev-init-data"),
    path("me/", api.MeView.as_view(), name="me"),
]
