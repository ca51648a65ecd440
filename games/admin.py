from django.contrib import admin

from games.models import Club, OpeningHours, Table, Tariff


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


@admin.register(Club)
class ClubAdmin(admin.ModelAdmin):
    list_display = ("name", "timezone", "slot_minutes", "max_active_bookings")
    inlines = [OpeningHoursInline]


@admin.register(Table)
class TableAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "club", "kind", "in_service")
    list_filter = ("club", "kind", "in_service")
    list_select_related = ("club",)


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "club",
        "table_kind",
        "price_per_hour",
        "start_time",
        "end_time",
        "priority",
        "is_active",
    )
    list_filter = ("club", "table_kind", "is_active")
    list_select_related = ("club",)
