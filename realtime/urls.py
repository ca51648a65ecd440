"""API routes of this app, mounted under /api/."""

from django.urls import path

from realtime.api import TicketView

urlpatterns = [
    path("realtime/ticket/", TicketView.as_view(), name="realtime-ticket"),
]
