"""Admin of the stats app: the club analytics dashboard (with CSV export) and read-only lists of
ratings, statistics and awards (they are derived: rebuild them with `manage.py rebuild_stats`)."""

from datetime import date, timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from core.admin import ReadOnlyAdmin
from games.models import WEEKDAYS, Club
from stats.analytics import club_analytics, figures_csv
from stats.models import Achievement, ClubAnalytics, PlayerStats, Rating

MSG_RANGE_REVERSED = gettext_noop("The end of the range is before its start.")
MSG_RANGE_TOO_LONG = gettext_noop("Choose a range of at most a year.")
MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 7


class RangeForm(forms.Form):
    club = forms.ModelChoiceField(
        queryset=Club.objects.all(), required=False, label=gettext_lazy("Club")
    )
    date_from = forms.DateField(
        required=False, label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                raise forms.ValidationError(_(MSG_RANGE_REVERSED))
            if (end - start).days >= MAX_RANGE_DAYS:
                raise forms.ValidationError(_(MSG_RANGE_TOO_LONG))
        return data


def rub(kopecks: int) -> str:
    return f"{kopecks / 100:,.2f}".replace(",", "\u202f")


@admin.register(ClubAnalytics)
class ClubAnalyticsAdmin(ReadOnlyAdmin):
    """Occupancy, revenue, bookings and players of one club over a date range."""

    def has_view_permission(self, request, obj=None):
        return (
            request.user.is_active
            and request.user.is_staff
            and (
                request.user.has_perm("stats.view_clubanalytics")
                or request.user.has_perm("games.view_tablesession")
            )
        )

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = RangeForm(request.GET or None)
        valid = form.is_valid() if request.GET else True
        data = form.cleaned_data if request.GET and valid else {}
        club = data.get("club") or Club.objects.order_by("id").first()
        today = timezone.localdate(timezone=club.tz) if club else date.today()
        date_to = data.get("date_to") or today
        date_from = data.get("date_from") or date_to - timedelta(days=DEFAULT_RANGE_DAYS - 1)
        if date_from > date_to:
            date_from = date_to
        figures = (
            club_analytics(club=club, date_from=date_from, date_to=date_to)
            if club and valid
            else None
        )
        weekday_names = [str(name) for _n, name in WEEKDAYS]
        if figures and request.GET.get("format") == "csv":
            response = HttpResponse(
                figures_csv(figures, weekday_names), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = (
                f'attachment; filename="club-{club.pk}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.csv"'
            )
            return response
        if figures:
            figures["revenue_total_rub"] = rub(figures["revenue_total"])
            for t in figures["tables"]:
                t["revenue_rub"] = rub(t["revenue"])
            figures["heat_rows"] = [
                {"name": weekday_names[wd], "cells": figures["heatmap"][wd]} for wd in range(7)
            ]
            for c in figures["busiest_hours"]:
                c["name"] = weekday_names[c["weekday"]]
        chart_data = None
        if figures:
            chart_data = {
                "tables": [t["label"] for t in figures["tables"]],
                "occupancy": [t["occupancy"] for t in figures["tables"]],
                "days": [r["date"].isoformat() for r in figures["revenue_by_day"]],
                "revenueByDay": [r["total"] / 100 for r in figures["revenue_by_day"]],
                "kinds": list(figures["revenue_by_kind"]),
                "revenueByKind": [v / 100 for v in figures["revenue_by_kind"].values()],
                "sessions": [figures["sessions"]["booked"], figures["sessions"]["walk_in"]],
                "players": [p["name"] for p in figures["top_players"]],
                "playerHours": [round(p["minutes"] / 60, 2) for p in figures["top_players"]],
                "labels": {
                    "occupancy": _("Occupancy, %"),
                    "revenue": _("Revenue, ₽"),
                    "sessions": [_("Booked"), _("Walk-in")],
                    "hours": _("Hours"),
                },
            }
        query = request.GET.copy()
        query["format"] = "csv"
        if club:
            query.setdefault("club", str(club.pk))
            query.setdefault("date_from", date_from.isoformat())
            query.setdefault("date_to", date_to.isoformat())
        context = {
            **self.admin_site.each_context(request),
            "title": _("Club analytics"),
            "opts": self.model._meta,
            "form": form
            if request.GET
            else RangeForm(initial={"club": club, "date_from": date_from, "date_to": date_to}),
            "club": club,
            "date_from": date_from,
            "date_to": date_to,
            "figures": figures,
            "chart_data": chart_data,
            "hours": list(range(24)),
            "csv_query": query.urlencode(),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/stats/analytics.html", context)


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ("player", "family", "display", "mu", "sigma", "frames", "matches", "wins")
    list_filter = ("family",)
    search_fields = ("player__username", "player__nickname", "player__first_name")
    list_select_related = ("player",)
    ordering = ("family", "-display")


@admin.register(PlayerStats)
class PlayerStatsAdmin(ReadOnlyAdmin):
    list_display = (
        "player",
        "scope",
        "matches",
        "matches_won",
        "frames",
        "best_streak",
        "high_run",
        "play_seconds",
    )
    list_filter = ("scope",)
    search_fields = ("player__username", "player__nickname", "player__first_name")
    list_select_related = ("player",)


@admin.register(Achievement)
class AchievementAdmin(ReadOnlyAdmin):
    list_display = ("player", "code", "awarded_at", "match")
    list_filter = ("code",)
    search_fields = ("player__username", "player__nickname")
    list_select_related = ("player",)
