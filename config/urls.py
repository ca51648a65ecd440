from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from django_prometheus import exports
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import views
from core import metrics  # noqa: F401 - metrics registers its scrape-time collectors
from games.scoring.views import club_tv
from games.views import checkin_screen
from notifications.webhook import telegram_webhook

handler400 = "core.api.bad_request"
handler403 = "core.api.permission_denied"
handler404 = "core.api.not_found"
handler500 = "core.api.server_error"

api_patterns = [
    path("", include("accounts.urls")),
    path("", include("games.urls")),
    path("", include("stats.urls")),
    path("", include("realtime.urls")),
    path("", include("notifications.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's init script as a file: no inline script under the CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", exports.ExportToDjangoView, name="metrics"),
    path("api/", include(api_patterns)),
    path("telegram/webhook/", telegram_webhook, name="telegram-webhook"),
    # Staff bookmarks from before notifications became an app: /admin/realtime/notification/… →
    # /admin/notifications/notification/… (the query string is kept).
    re_path(
        rf"^{settings.ADMIN_PATH}realtime/(?P<rest>(broadcast|messagetemplate|notificationprofile|"
        r"processedupdate|matchinvite|notification|notificationpreference|tablewatch)/.*)$",
        RedirectView.as_view(
            url=f"/{settings.ADMIN_PATH}notifications/%(rest)s", permanent=True, query_string=True
        ),
    ),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("social_django.urls", namespace="social")),
    path("", include("accounts.web_urls")),
    # The club's TV screen: live matches and the floor (games.scoring).
    path("tv/<int:club_id>/", club_tv, name="club-tv"),
    # The club's check-in screen: the tables' live QR codes (needs the club's screen key).
    path("tv/<int:club_id>/check-in/", checkin_screen, name="checkin-screen"),
    path("", views.miniapp, name="miniapp"),
    # Client-side routes of the Mini App (deep links like /floor, /play/42) serve the same page.
    re_path(
        r"^(?P<path>(floor|play|me|watch|leaderboard|players|matches|check-in|inbox)(/.*)?)$",
        views.miniapp,
        name="miniapp-route",
    ),
]
