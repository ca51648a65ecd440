"""Web pages of accounts (not under /api/): sign-in page, profile linking."""

from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_page, name="login"),
    path("profile/", views.profile_page, name="profile"),
    path("logout/", views.logout_view, name="logout"),
    path(
        "login/telegram/<str:state>/",
        views.telegram_widget_complete,
        name="telegram-complete",
    ),
]
