"""Notifications API routes, mounted under /api/ (config/urls.py)."""

from django.urls import path

from notifications import api

urlpatterns = [
    path("notifications/", api.InboxView.as_view(), name="notifications"),
    path("notifications/read/", api.MarkReadView.as_view(), name="notifications-read"),
    path("me/notifications/", api.PreferencesView.as_view(), name="notification-preferences"),
    path("invites/", api.InvitesView.as_view(), name="invites"),
    path(
        "invites/<int:pk>/accept/",
        api.InviteAnswerView.as_view(action="accept"),
        name="invite-accept",
    ),
    path(
        "invites/<int:pk>/decline/",
        api.InviteAnswerView.as_view(action="decline"),
        name="invite-decline",
    ),
    path(
        "invites/<int:pk>/cancel/",
        api.InviteAnswerView.as_view(action="cancel"),
        name="invite-cancel",
    ),
    path("table-watches/", api.TableWatchesView.as_view(), name="table-watches"),
    path("shares/<int:pk>/invoice/", api.ShareInvoiceView.as_view(), name="share-invoice"),
    path(
        "bookings/<int:pk>/deposit-invoice/",
        api.DepositInvoiceView.as_view(),
        name="booking-deposit-invoice",
    ),
    path("table-watches/<int:pk>/", api.TableWatchView.as_view(), name="table-watch"),
]
