"""API routes of this app, mounted under /api/."""

from django.urls import include, path

from games import api

urlpatterns: list = [
    path("clubs/", api.ClubListApi.as_view(), name="club-list"),
    path("clubs/<int:club_id>/", api.ClubDetailApi.as_view(), name="club-detail"),
    path("tables/<int:table_id>/slots/", api.TableSlotsApi.as_view(), name="table-slots"),
    path("tables/<int:table_id>/check-in/", api.TableCheckInApi.as_view(), name="table-check-in"),
    path("bookings/", api.BookingListCreateApi.as_view(), name="booking-list"),
    path(
        "bookings/<int:booking_id>/cancel/", api.BookingCancelApi.as_view(), name="booking-cancel"
    ),
    path("sessions/current/", api.CurrentSessionApi.as_view(), name="session-current"),
    path("sessions/<int:session_id>/", api.SessionDetailApi.as_view(), name="session-detail"),
    path("sessions/<int:session_id>/items/", api.SessionItemsApi.as_view(), name="session-items"),
    path("clubs/<int:club_id>/catalogue/", api.ClubCatalogueApi.as_view(), name="club-catalogue"),
    path("", include("games.scoring.urls")),
]
