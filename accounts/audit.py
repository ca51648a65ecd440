"""Audit trail: every staff change to money or results leaves an `AuditRecord`.

Generic, so no service or admin needs to call it:

- `AuditContextMiddleware` remembers the current request in a context variable. The actor is
  read from it only when a watched row is saved, so users authenticated by DRF inside the view
  (JWT) count too (DRF sets the user on the underlying request).
- `pre_save` / `post_save` / `post_delete` receivers, for the models and fields listed in
  `settings.AUDIT_WATCH`, write a record with the watched fields before and after — when the
  actor is staff (staff or manager group, or superuser). Players' own actions (a booking they
  cancel, a frame they score) and background jobs are not staff changes and are not recorded.
- The watch list is resolved lazily with `apps.get_model`; a model or field that does not exist
  (yet) is skipped, so the list can name what other apps add later.

`QuerySet.update()` sends no signals: changes made that way are not recorded (services save
rows with `save(update_fields=...)`).
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts import selectors
from accounts.models_audit import AuditRecord
from core.admin import ReadOnlyAdmin
from core.logs import request_id_var

logger = logging.getLogger(__name__)

current_request: ContextVar = ContextVar("audit_request", default=None)


class AuditContextMiddleware:
    """Makes the request (and so its user, once authenticated) known to the audit receivers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)


# --- The watch list ------------------------------------------------------------------------------


class Watch:
    """What to record for one model: its fields, and optionally only some creations."""

    def __init__(self, model, fields: list[str], create_when: dict[str, list] | None):
        self.model = model
        self.fields = fields  # attnames (FKs as `<name>_id`)
        self.create_when = create_when  # only creations matching these values; no updates

    def wants_create(self, instance) -> bool:
        if self.create_when is None:
            return True
        return all(getattr(instance, f, None) in values for f, values in self.create_when.items())


_watches: dict | None = None


def _resolve(config: dict) -> dict:
    resolved = {}
    for label, spec in config.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            logger.debug("audit: model %s does not exist; skipped", label)
            continue
        if isinstance(spec, dict):
            names, create_when = spec.get("fields", []), spec.get("create_when")
        else:
            names, create_when = spec, None
        fields = []
        for name in names:
            try:
                fields.append(model._meta.get_field(name).attname)
            except Exception:  # noqa: BLE001 - FieldDoesNotExist: not there (yet)
                logger.debug("audit: field %s.%s does not exist; skipped", label, name)
        if create_when:
            create_when = {
                k: v for k, v in create_when.items() if k in {f.name for f in model._meta.fields}
            }
        if fields:
            resolved[model] = Watch(model, fields, create_when)
    return resolved


def watches() -> dict:
    global _watches
    if _watches is None:
        _watches = _resolve(settings.AUDIT_WATCH)
    return _watches


def reset_watches() -> None:
    """Forget the resolved list (tests change settings.AUDIT_WATCH)."""
    global _watches
    _watches = None


def _watch_for(instance) -> Watch | None:
    return watches().get(instance._meta.concrete_model)


# --- Who ------------------------------------------------------------------------------------------


def _staff_request():
    """The current request when its user is staff, else None (cached on the request)."""
    request = current_request.get()
    if request is None:
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    cached = getattr(request, "_audit_staff_pk", None)
    if cached != user.pk:
        request._audit_is_staff = selectors.user_is_staff_member(user=user)
        request._audit_staff_pk = user.pk
    return request if request._audit_is_staff else None


# --- Receivers ------------------------------------------------------------------------------------


def _plain(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _snapshot(instance, fields) -> dict:
    return {field: _plain(getattr(instance, field, None)) for field in fields}


def _write(request, instance, action, before, after) -> None:
    user = request.user
    AuditRecord.objects.create(
        actor=user,
        actor_name=user.get_username()[:150],
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        before=before,
        after=after,
        request_id=request_id_var.get() or getattr(request, "request_id", "") or "",
        path=request.path[:200],
    )


def on_pre_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    watch = _watch_for(instance)
    if watch is None or instance.pk is None or _staff_request() is None:
        return
    if update_fields is not None and not set(watch.fields) & {
        instance._meta.get_field(f).attname for f in update_fields
    }:
        return
    if watch.create_when is not None:
        return  # creations only
    row = watch.model._default_manager.filter(pk=instance.pk).values(*watch.fields).first()
    instance._audit_before = {k: _plain(v) for k, v in row.items()} if row else None


def on_post_save(sender, instance, created=False, raw=False, **kwargs):
    if raw:
        return
    watch = _watch_for(instance)
    if watch is None:
        return
    request = _staff_request()
    before = instance.__dict__.pop("_audit_before", None)
    if request is None:
        return
    after = _snapshot(instance, watch.fields)
    if created:
        if watch.wants_create(instance):
            _write(request, instance, AuditRecord.Action.CREATE, None, after)
        return
    if before is None or watch.create_when is not None:
        return
    changed = [f for f in watch.fields if before.get(f) != after.get(f)]
    if changed:
        _write(
            request,
            instance,
            AuditRecord.Action.UPDATE,
            {f: before.get(f) for f in changed},
            {f: after[f] for f in changed},
        )


def on_post_delete(sender, instance, **kwargs):
    watch = _watch_for(instance)
    if watch is None or watch.create_when is not None:
        return
    request = _staff_request()
    if request is not None:
        _write(
            request, instance, AuditRecord.Action.DELETE, _snapshot(instance, watch.fields), None
        )


def connect() -> None:
    """Connect the receivers (accounts.apps.AccountsConfig.ready)."""
    pre_save.connect(on_pre_save, dispatch_uid="audit-pre-save")
    post_save.connect(on_post_save, dispatch_uid="audit-post-save")
    post_delete.connect(on_post_delete, dispatch_uid="audit-post-delete")


# --- Admin ----------------------------------------------------------------------------------------


class AuditRecordAdmin(ReadOnlyAdmin):
    """Read-only, for managers: nobody edits or deletes the trail through the admin."""

    list_display = ("at", "actor_name", "action", "object_type", "object_repr", "fields_changed")
    list_filter = ("action", "object_type", "at", ("actor", admin.RelatedOnlyFieldListFilter))
    search_fields = ("object_repr", "object_id", "actor_name", "request_id")
    date_hierarchy = "at"
    list_select_related = ()
    readonly_fields = (
        "at",
        "actor",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "changes",
        "request_id",
        "path",
    )
    exclude = ("before", "after")

    @admin.display(description=_("fields"))
    def fields_changed(self, record):
        return ", ".join(record.changed_fields)

    @admin.display(description=_("changes"))
    def changes(self, record):
        before, after = record.before or {}, record.after or {}
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td><td>{}</td></tr>",
            (
                (
                    key,
                    json.dumps(before.get(key), ensure_ascii=False),
                    json.dumps(after.get(key), ensure_ascii=False),
                )
                for key in {**before, **after}
            ),
        )
        return format_html(
            "<table><thead><tr><th></th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("before"),
            _("after"),
            rows,
        )

    def _may_view(self, request) -> bool:
        return selectors.user_is_manager(user=request.user)

    def has_module_permission(self, request):
        return self._may_view(request)

    def has_view_permission(self, request, obj=None):
        return self._may_view(request)
