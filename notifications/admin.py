"""Admin: the outbox (filters, "retry failed"), message templates with preview, broadcasts."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.template import TemplateSyntaxError
from django.utils.html import format_html, linebreaks
from django.utils.translation import gettext_lazy as _

from notifications import announcements, delivery, rendering
from notifications.models import (
    Broadcast,
    MatchInvite,
    MessageTemplate,
    Notification,
    NotificationProfile,
    TableWatch,
)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "user", "via", "status", "attempts", "send_after", "sent_at")
    list_filter = ("status", "kind", "via", "silent", ("broadcast", admin.EmptyFieldListFilter))
    search_fields = ("user__username", "user__first_name", "user__last_name", "dedupe_key")
    date_hierarchy = "created_at"
    raw_id_fields = ("user", "broadcast")
    readonly_fields = [f.name for f in Notification._meta.fields] + ["text_preview"]
    actions = ["retry_failed"]
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("text"))
    def text_preview(self, obj):
        user = obj.user
        return format_html(
            "<div>{}</div>",
            linebreaks(
                rendering.html_to_text(
                    rendering.render_html(
                        obj.kind, obj.payload or {}, language=user.language, user=user
                    )
                )
            ),
        )

    @admin.action(description=_("Retry the selected failed notifications"))
    def retry_failed(self, request, queryset):
        count = delivery.notification_retry(notification_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, _("%(count)d notification(s) queued again.") % {"count": count})


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["kind", "language", "body", "is_active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8, "cols": 80})}

    def clean(self):
        data = super().clean()
        kind, language, body = data.get("kind"), data.get("language"), data.get("body")
        if kind and language and body:
            try:
                rendering.render_source(
                    body, kind, rendering.SAMPLE_PAYLOADS.get(kind, {}), language=language
                )
            except TemplateSyntaxError as exc:
                raise forms.ValidationError(
                    {"body": _("Template error: %(e)s") % {"e": exc}}
                ) from None
        return data


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ("kind", "language", "is_active", "updated_at")
    list_filter = ("kind", "language", "is_active")
    readonly_fields = ("preview", "default_text", "variables")

    @admin.display(description=_("preview (sample data)"))
    def preview(self, obj):
        if obj is None or not obj.pk:
            return _("Save to see a preview.")
        try:
            text = rendering.render_source(
                obj.body,
                obj.kind,
                rendering.SAMPLE_PAYLOADS.get(obj.kind, {}),
                language=obj.language,
            )
        except Exception as exc:  # noqa: BLE001 - show the error to the manager
            return format_html("<b>{}</b>", str(exc))
        return format_html(
            '<div style="white-space:pre-wrap">{}</div>', rendering.html_to_text(text)
        )

    @admin.display(description=_("default text (file)"))
    def default_text(self, obj):
        if obj is None or not obj.kind:
            return "-"
        return format_html("<pre>{}</pre>", rendering._file_source(obj.kind, obj.language or "ru"))

    @admin.display(description=_("variables"))
    def variables(self, obj):
        if obj is None or not obj.kind:
            return "-"
        return ", ".join(sorted(rendering.SAMPLE_PAYLOADS.get(obj.kind, {})))


class BroadcastForm(forms.ModelForm):
    class Meta:
        model = Broadcast
        fields = ["audience", "table_kind", "text"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 6, "cols": 80}),
            "table_kind": forms.Select(
                choices=[
                    ("", "—"),
                    ("pyramid", "pyramid"),
                    ("pool", "pool"),
                    ("snooker", "snooker"),
                ]
            ),
        }

    def clean(self):
        data = super().clean()
        if data.get("audience") == Broadcast.Audience.DISCIPLINE and not data.get("table_kind"):
            raise forms.ValidationError({"table_kind": _("Choose a table kind.")})
        return data


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    """Sending = adding one: the save writes one outbox row per recipient (in one transaction)
    and the rows go out within the bot's rate limit; the list shows the progress."""

    form = BroadcastForm
    list_display = ("created_at", "audience", "table_kind", "recipients", "progress", "created_by")
    readonly_fields = ("recipients", "progress", "created_by", "created_at")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_sent=Count("notifications", filter=Q(notifications__status="sent")),
                n_failed=Count("notifications", filter=Q(notifications__status="failed")),
                n_pending=Count("notifications", filter=Q(notifications__status="pending")),
            )
        )

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    @admin.display(description=_("progress"))
    def progress(self, obj):
        if not obj.pk:
            return "-"
        sent = getattr(obj, "n_sent", None)
        if sent is None:
            counts = obj.notifications.aggregate(
                n_sent=Count("pk", filter=Q(status="sent")),
                n_failed=Count("pk", filter=Q(status="failed")),
                n_pending=Count("pk", filter=Q(status="pending")),
            )
            sent, failed, pending = counts["n_sent"], counts["n_failed"], counts["n_pending"]
        else:
            failed, pending = obj.n_failed, obj.n_pending
        return _("%(sent)d sent, %(pending)d waiting, %(failed)d failed") % {
            "sent": sent,
            "pending": pending,
            "failed": failed,
        }

    def save_model(self, request, obj, form, change):
        broadcast = announcements.broadcast_create(
            created_by=request.user,
            audience=obj.audience,
            table_kind=obj.table_kind,
            text=obj.text,
        )
        obj.pk = broadcast.pk
        obj.recipients = broadcast.recipients
        obj.created_at = broadcast.created_at
        self.message_user(
            request,
            _("The announcement is queued for %(n)d recipient(s).") % {"n": broadcast.recipients},
            messages.SUCCESS,
        )


@admin.register(NotificationProfile)
class NotificationProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "quiet_start", "quiet_end", "unreachable_since", "unreachable_reason")
    list_filter = (("unreachable_since", admin.EmptyFieldListFilter),)
    search_fields = ("user__username",)
    raw_id_fields = ("user",)


@admin.register(MatchInvite)
class MatchInviteAdmin(admin.ModelAdmin):
    list_display = ("id", "from_user", "to_user", "discipline", "status", "created_at")
    list_filter = ("status", "discipline")
    raw_id_fields = ("from_user", "to_user")


@admin.register(TableWatch)
class TableWatchAdmin(admin.ModelAdmin):
    list_display = ("user", "table_kind", "until", "notified_at")
    list_filter = ("table_kind",)
    raw_id_fields = ("user", "club")
