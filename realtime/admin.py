from django.contrib import admin

from realtime.models import Heartbeat


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "at")


from realtime.notifications import admin as _notification_admin  # noqa: E402,F401
