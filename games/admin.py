"""Staff admin of the club floor. Every change goes through games.services (the same rules and
broadcasts as the API); list views load their relations up front (no N+1). Permissions are
Django model permissions, granted to the `staff` / `manager` groups (accounts.roles)."""

from __future__ import annotations

import contextvars
from datetime import timedelta

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ReadOnlyAdmin
from core.errors import DomainError
from games import selectors, services
from games.admin_money import rub, session_money_view, shift_report_view
from games.billing import NoTariffError
from games.models import (
    Booking,
    CatalogueItem,
    CheckInAttempt,
    Club,
    ClubToday,
    DepositRule,
    OpeningHours,
    Payment,
    SessionBillLine,
    Shift,
    Table,
    TableSession,
    Tariff,
)


def _run_each(modeladmin, request, queryset, fn, done_message) -> None:
    """Apply a service to each selected object; report successes and each refusal."""
    done = 0
    for obj in queryset:
        try:
            fn(obj)
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.detail}", messages.ERROR)
    if done:
        modeladmin.message_user(request, done_message % {"count": done}, messages.SUCCESS)


# --- club, hours, tariffs ---------------------------------------------------------------------


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0
    max_num = 7


class DepositRuleInline(admin.TabularInline):
    """When a booking needs a deposit: weekdays (0 = Mon) and a window of its start; an amount
    in kopecks, or a percent of the booking's price."""

    model = DepositRule
    extra = 0


@admin.register(Club)
class ClubAdmin(admin.ModelAdmin):
    list_display = ("name", "timezone", "slot_minutes", "max_active_bookings", "floor_version")
    readonly_fields = ("floor_version", "checkin_screen")
    inlines = [OpeningHoursInline, DepositRuleInline]
    actions = ["rotate_checkin_screen_link"]
    fieldsets = (
        (None, {"fields": ("name", "address", "timezone", "floor_version")}),
        (_("Check-in"), {"fields": ("checkin_screen",)}),
        (
            _("Booking policy"),
            {
                "fields": (
                    "slot_minutes",
                    "min_booking_minutes",
                    "max_booking_minutes",
                    "booking_horizon_days",
                    "max_active_bookings",
                    "cancel_deadline_minutes",
                    "no_show_grace_minutes",
                    "hold_window_minutes",
                    "deposit_hold_minutes",
                )
            },
        ),
        (_("Billing"), {"fields": ("minimum_charge", "rounding")}),
    )

    @admin.display(description=_("check-in screen"))
    def checkin_screen(self, obj):
        if not obj.pk:
            return _("Save the club to get its check-in screen.")
        url = selectors.checkin_screen_url(obj)
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a><p class="help">{}</p>',
            url,
            _("Open the check-in screen"),
            _(
                "Every table's live check-in code, changing every minute. Open this link on the "
                "club's screens only (add &table=N for a screen at one table): whoever has it sees "
                "the codes. If it leaks, rotate it with the action on the club list."
            ),
        )

    @admin.action(description=_("Rotate the check-in screen link"), permissions=["change"])
    def rotate_checkin_screen_link(self, request, queryset):
        for club in queryset:
            services.club_rotate_screen_key(club_id=club.pk)
        self.message_user(
            request,
            _("New check-in screen links: open them again on the club's screens."),
            messages.SUCCESS,
        )


@admin.register(CheckInAttempt)
class CheckInAttemptAdmin(ReadOnlyAdmin):
    """Who scanned which table's code, when, and what came of it (read-only)."""

    list_display = ("at", "table", "user", "outcome", "detail")
    list_filter = ("outcome", "table__club", "table")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    list_select_related = ("table", "user")
    date_hierarchy = "at"


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "club",
        "table_kind",
        "price",
        "weekdays",
        "start_time",
        "end_time",
        "priority",
        "is_active",
    )
    list_filter = ("club", "table_kind", "is_active")
    list_select_related = ("club",)

    @admin.display(description=_("price per hour"), ordering="price_per_hour")
    def price(self, obj):
        return rub(obj.price_per_hour)


# --- tables -----------------------------------------------------------------------------------

# Live statuses of the tables on the changelist being rendered (one floor query per club).
_statuses: contextvars.ContextVar[dict[int, str] | None] = contextvars.ContextVar(
    "statuses", default=None
)


@admin.register(Table)
class TableAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "club", "kind", "in_service", "live_status")
    list_filter = ("club", "kind", "in_service")
    list_select_related = ("club",)
    readonly_fields = ("checkin_qr",)
    actions = ["take_out_of_service", "return_to_service", "open_session"]

    def changelist_view(self, request, extra_context=None):
        statuses = {}
        for club in Club.objects.all():
            statuses.update(
                {t["id"]: t["status"] for t in selectors.floor_state(club=club)["tables"]}
            )
        token = _statuses.set(statuses)
        try:
            response = self._render(super().changelist_view(request, extra_context))
        finally:
            _statuses.reset(token)
        return response

    @staticmethod
    def _render(response):
        # TemplateResponse renders lazily: render while the statuses are set.
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        return response

    @admin.display(description=_("status"))
    def live_status(self, obj):
        status = (_statuses.get() or {}).get(obj.id)
        return {
            selectors.FREE: _("free"),
            selectors.BUSY: _("busy"),
            selectors.RESERVED: _("reserved"),
            selectors.OUT_OF_SERVICE: _("out of service"),
        }.get(status, "—")

    @admin.display(description=_("check-in QR code"))
    def checkin_qr(self, obj):
        if not obj.pk:
            return _("Save the table to get its QR code.")
        link = selectors.checkin_link(obj)
        image = qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
        svg = image.to_string(encoding="unicode")
        screen = selectors.checkin_screen_url(obj.club, table=obj)
        return format_html(
            '<div class="checkin-qr" style="width:220px;background:#fff;padding:8px">{}</div>'
            '<p><a href="{}">{}</a></p>'
            '<p class="help">{}</p><p><a href="{}" target="_blank" rel="noopener">{}</a></p>',
            mark_safe(svg),  # noqa: S308 - SVG generated by qrcode from our own link
            link,
            link,
            _(
                "The code changes every minute, so a photo of it is useless later: show it on a "
                "screen at the table (or the club's check-in screen), not on paper. This one is "
                "the current code, for showing a player from this page."
            ),
            screen,
            _("This table's check-in screen"),
        )

    def save_model(self, request, obj, form, change):
        services.table_save(table=obj)

    @admin.action(description=_("Take out of service"), permissions=["change"])
    def take_out_of_service(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda t: services.table_set_in_service(table_id=t.id, in_service=False),
            _("%(count)d table(s) taken out of service."),
        )

    @admin.action(description=_("Return to service"), permissions=["change"])
    def return_to_service(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda t: services.table_set_in_service(table_id=t.id, in_service=True),
            _("%(count)d table(s) back in service."),
        )

    @admin.action(description=_("Open a session (walk-in)"), permissions=["open_session"])
    def open_session(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda t: services.session_open(table_id=t.id, opened_by=request.user),
            _("%(count)d session(s) opened."),
        )

    def has_open_session_permission(self, request):
        return request.user.has_perm("games.add_tablesession")


# --- bookings ---------------------------------------------------------------------------------


class BookingForm(forms.ModelForm):
    """Staff book for a player (a phone call): the same rules as the API, checked on clean."""

    class Meta:
        model = Booking
        fields = ("table", "player", "start", "end")

    def clean(self):
        data = super().clean()
        table, start, end = data.get("table"), data.get("start"), data.get("end")
        if table and start and end and not self.instance.pk:
            try:
                services.booking_validate(club=table.club, start=start, end=end, now=timezone.now())
            except DomainError as exc:
                raise forms.ValidationError(exc.detail, code=exc.code) from exc
        return data


class BookingDateFilter(admin.SimpleListFilter):
    title = _("date")
    parameter_name = "day"

    def lookups(self, request, model_admin):
        return (
            ("today", _("Today")),
            ("tomorrow", _("Tomorrow")),
            ("week", _("Next 7 days")),
            ("past", _("Past")),
        )

    def queryset(self, request, queryset):
        now = timezone.localtime()
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        ranges = {
            "today": (today, today + timedelta(days=1)),
            "tomorrow": (today + timedelta(days=1), today + timedelta(days=2)),
            "week": (now, now + timedelta(days=7)),
        }
        if self.value() in ranges:
            lo, hi = ranges[self.value()]
            return queryset.filter(start__gte=lo, start__lt=hi)
        if self.value() == "past":
            return queryset.filter(end__lte=now)
        return queryset


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    form = BookingForm
    list_display = ("start", "end", "table", "player_name", "status", "created_at")
    list_filter = (BookingDateFilter, "status", "table")
    list_select_related = ("table", "table__club", "player")
    search_fields = ("player__username", "player__first_name", "player__last_name")
    date_hierarchy = "start"
    autocomplete_fields = ()
    raw_id_fields = ("player",)
    actions = ["cancel", "mark_no_show", "check_in"]
    ordering = ("-start",)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("status",)
        return ("table", "player", "start", "end", "status", "created_at", "status_changed_at")

    @admin.display(description=_("player"), ordering="player__first_name")
    def player_name(self, obj):
        return obj.player.get_full_name() or obj.player.username

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            booking = services.booking_create(
                player=obj.player, table_id=obj.table_id, start=obj.start, end=obj.end
            )
        except DomainError as exc:
            self.message_user(request, exc.detail, messages.ERROR)
            return
        obj.pk = booking.pk

    def response_add(self, request, obj, post_url_continue=None):
        if obj.pk is None:
            return self.response_post_save_add(request, obj)
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description=_("Cancel the selected bookings"), permissions=["change"])
    def cancel(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda b: services.booking_cancel(booking_id=b.id, actor=request.user, by_staff=True),
            _("%(count)d booking(s) cancelled."),
        )

    @admin.action(description=_("Mark as no-show"), permissions=["change"])
    def mark_no_show(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda b: services.booking_mark_no_show(booking_id=b.id),
            _("%(count)d booking(s) marked no-show."),
        )

    @admin.action(description=_("Check in (open the session)"), permissions=["check_in"])
    def check_in(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda b: services.booking_check_in(booking_id=b.id, actor=request.user),
            _("%(count)d booking(s) checked in."),
        )

    def has_check_in_permission(self, request):
        return request.user.has_perm("games.add_tablesession") and request.user.has_perm(
            "games.change_booking"
        )


# --- sessions ---------------------------------------------------------------------------------


class SessionBillLineInline(admin.TabularInline):
    model = SessionBillLine
    extra = 0
    can_delete = False
    fields = ("tariff_name", "minutes", "price", "amount_rub")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("price per hour"))
    def price(self, obj):
        return rub(obj.price_per_hour)

    @admin.display(description=_("amount"))
    def amount_rub(self, obj):
        return rub(obj.amount)


class SessionForm(forms.ModelForm):
    class Meta:
        model = TableSession
        fields = ("table", "players", "booking")


@admin.register(TableSession)
class TableSessionAdmin(admin.ModelAdmin):
    form = SessionForm
    list_display = (
        "table",
        "started_at",
        "ended_at",
        "player_names",
        "minutes",
        "amount_rub",
        "paid",
        "money_link",
    )
    list_filter = ("paid", ("ended_at", admin.EmptyFieldListFilter), "table")
    list_select_related = ("table", "table__club", "booking", "opened_by")
    raw_id_fields = ("players", "booking")
    inlines = [SessionBillLineInline]
    actions = [
        "close",
        "mark_paid",
        "pause",
        "resume",
        "split_equally",
        "split_by_time",
        "split_loser",
    ]
    date_hierarchy = "started_at"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("players", to_attr="player_list"))
        )

    def get_inline_instances(self, request, obj=None):
        # A new session has no bill yet.
        return super().get_inline_instances(request, obj) if obj else []

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (
            "table",
            "players",
            "booking",
            "started_at",
            "ended_at",
            "opened_by",
            "closed_by",
            "minutes",
            "amount_rub",
            "adjustment",
            "running_bill",
            "money_link",
            "paid",
            "paid_at",
        )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("table", "players", "booking")
        return self.get_readonly_fields(request, obj)

    @admin.display(description=_("players"))
    def player_names(self, obj):
        players = getattr(obj, "player_list", None) or list(obj.players.all())
        return ", ".join(p.get_full_name() or p.username for p in players) or "—"

    @admin.display(description=_("amount"), ordering="amount")
    def amount_rub(self, obj):
        return rub(obj.amount) if obj.ended_at else _("running")

    @admin.display(description=_("running bill"))
    def running_bill(self, obj):
        if obj.ended_at is not None:
            return rub(obj.amount)
        try:
            bill = selectors.session_bill(obj)
        except NoTariffError as exc:
            return str(exc)
        return f"{rub(bill.total)} ({bill.minutes} min)"

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            session = services.session_open(
                table_id=obj.table_id,
                opened_by=request.user,
                players=list(form.cleaned_data.get("players") or []),
                booking_id=obj.booking_id,
            )
        except DomainError as exc:
            self.message_user(request, exc.detail, messages.ERROR)
            return
        obj.pk, obj.started_at = session.pk, session.started_at

    def save_related(self, request, form, formsets, change):
        # The service already stored the players; nothing else is edited here.
        return

    def response_add(self, request, obj, post_url_continue=None):
        if obj.pk is None:
            return self.response_post_save_add(request, obj)
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description=_("Close and bill"), permissions=["change"])
    def close(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda s: services.session_close(session_id=s.id, closed_by=request.user),
            _("%(count)d session(s) closed and billed."),
        )

    def get_urls(self):
        return [
            path(
                "<int:session_id>/money/",
                self.admin_site.admin_view(self.money_view),
                name="games_tablesession_money",
            )
        ] + super().get_urls()

    def money_view(self, request, session_id: int):
        """The bill at the desk: pause, transfer, players, items, discount, split, payments."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        return session_money_view(self, request, session_id)

    @admin.display(description=_("bill"))
    def money_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:games_tablesession_money", args=[obj.pk]),
            _("items, split, payments"),
        )

    @admin.action(description=_("Pause"), permissions=["change"])
    def pause(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda s: services.session_pause(session_id=s.id, actor=request.user),
            _("%(count)d session(s) paused."),
        )

    @admin.action(description=_("Resume"), permissions=["change"])
    def resume(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda s: services.session_resume(session_id=s.id, actor=request.user),
            _("%(count)d session(s) resumed."),
        )

    def _split(self, request, queryset, mode):
        _run_each(
            self,
            request,
            queryset,
            lambda s: services.session_split(session_id=s.id, mode=mode, actor=request.user),
            _("%(count)d bill(s) split."),
        )

    @admin.action(description=_("Split the bill equally"), permissions=["change"])
    def split_equally(self, request, queryset):
        self._split(request, queryset, "equal")

    @admin.action(description=_("Split the bill by time at the table"), permissions=["change"])
    def split_by_time(self, request, queryset):
        self._split(request, queryset, "time")

    @admin.action(description=_("Split: the loser pays the table time"), permissions=["change"])
    def split_loser(self, request, queryset):
        self._split(request, queryset, "loser")

    @admin.action(description=_("Mark paid"), permissions=["change"])
    def mark_paid(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda s: services.session_mark_paid(session_id=s.id),
            _("%(count)d session(s) marked paid."),
        )


# --- the catalogue, payments, shifts ----------------------------------------------------------


@admin.register(CatalogueItem)
class CatalogueItemAdmin(admin.ModelAdmin):
    list_display = ("name", "club", "category", "price", "price_rub", "is_available", "position")
    list_editable = ("price", "is_available", "position")
    list_filter = ("club", "category", "is_available")
    search_fields = ("name",)

    @admin.display(description=_("price"))
    def price_rub(self, obj):
        return rub(obj.price)


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    """Read only: payments are taken on a session's bill page (games.admin_money)."""

    list_display = ("created_at", "session", "kind", "method", "amount_rub", "change", "shift")
    list_filter = ("kind", "method", "shift")
    list_select_related = ("session__table", "shift__club")
    date_hierarchy = "created_at"

    @admin.display(description=_("amount"))
    def amount_rub(self, obj):
        return rub(obj.signed)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ShiftOpenForm(forms.ModelForm):
    opening_cash_rub = forms.DecimalField(
        label=_("cash in the drawer, ₽"), min_value=0, decimal_places=2
    )

    class Meta:
        model = Shift
        fields = ("club",)


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    """Open a shift (add), close it with the count (its page), the report and its CSV."""

    form = ShiftOpenForm
    list_display = ("opened_at", "club", "opened_by", "closed_at", "difference_rub", "report_link")
    list_filter = ("club",)

    def get_readonly_fields(self, request, obj=None):
        return (
            () if obj is None else ("club", "opened_by", "opened_at", "opening_cash", "closed_at")
        )

    def get_fields(self, request, obj=None):
        return (
            ("club", "opening_cash_rub") if obj is None else self.get_readonly_fields(request, obj)
        )

    @admin.display(description=_("cash difference"))
    def difference_rub(self, obj):
        return rub(obj.cash_difference)

    @admin.display(description=_("report"))
    def report_link(self, obj):
        url = reverse("admin:games_shift_report", args=[obj.pk])
        return format_html(
            '<a href="{}">{}</a> · <a href="{}?format=csv">CSV</a>', url, _("report"), url
        )

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            shift = services.shift_open(
                club_id=obj.club_id,
                actor=request.user,
                opening_cash=int(form.cleaned_data["opening_cash_rub"] * 100),
            )
        except DomainError as exc:
            self.message_user(request, exc.detail, messages.ERROR)
            return
        obj.pk, obj.opened_at, obj.opening_cash = shift.pk, shift.opened_at, shift.opening_cash

    def response_add(self, request, obj, post_url_continue=None):
        if obj.pk is None:
            return self.response_post_save_add(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def get_urls(self):
        return [
            path(
                "<int:shift_id>/report/",
                self.admin_site.admin_view(self.report_view),
                name="games_shift_report",
            )
        ] + super().get_urls()

    def report_view(self, request, shift_id: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return shift_report_view(self, request, shift_id)


# --- Today ------------------------------------------------------------------------------------


@admin.register(ClubToday)
class TodayAdmin(ReadOnlyAdmin):
    """The Today page: the floor, today's bookings timeline, open sessions, today's revenue."""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("games.view_booking") and request.user.has_perm(
            "games.view_tablesession"
        )

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        clubs = list(Club.objects.all())
        club_id = request.GET.get("club")
        club = next((c for c in clubs if str(c.id) == club_id), clubs[0] if clubs else None)
        overview = selectors.today_overview(club=club) if club else None
        if overview:
            for session in overview["open_sessions"]:
                session["total_rub"] = rub(session["total"])
            overview["revenue_rub"] = rub(overview["revenue"])
            overview["running_rub"] = rub(overview["running_total"])
        context = {
            **self.admin_site.each_context(request),
            "title": _("Today"),
            "opts": self.model._meta,
            "clubs": clubs,
            "club": club,
            "overview": overview,
            "count_label": ngettext,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/games/today.html", context)


import games.scoring.admin  # noqa: E402, F401  (matches and their event log)
