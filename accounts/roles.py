"""Roles are Django groups: `player` (every new user), `staff` (runs the floor), `manager` (runs the
club). The groups are created by a data migration; their model permissions are (re)assigned after
every migrate by `sync_role_permissions` (a post_migrate handler), because the models they cover
belong to other apps and may appear in later migrations.
"""

from __future__ import annotations

from django.apps import apps as global_apps

PLAYER = "player"
STAFF = "staff"
MANAGER = "manager"
ROLES = (PLAYER, STAFF, MANAGER)
#: Members of these groups may use the admin (is_staff is kept in sync by a service).
ADMIN_ROLES = (STAFF, MANAGER)

#: Models only a manager may change (staff may view them to run the floor).
MANAGER_MODELS = {
    ("games", "club"),
    ("games", "openinghours"),
    ("games", "table"),
    ("games", "tariff"),
    ("accounts", "user"),
}
#: Apps whose remaining models (bookings, table sessions, matches, their events…) staff run.
STAFF_APPS = ("games",)
#: Apps a manager fully controls besides the models above (reports and ratings live in stats).
MANAGER_APPS = ("games", "stats")
#: Apps a manager may look into (the notification outbox, heartbeats) without changing them.
MANAGER_VIEW_APPS = ("notifications", "realtime", "social_django")

STAFF_ACTIONS = ("add", "change", "view")


def _codenames(model_name: str, actions) -> list[str]:
    return [f"{action}_{model_name}" for action in actions]


def role_permission_keys(apps=global_apps) -> dict[str, set[tuple[str, str]]]:
    """`{role: {(app_label, codename), ...}}` for the models that exist in `apps` right now."""
    keys: dict[str, set[tuple[str, str]]] = {PLAYER: set(), STAFF: set(), MANAGER: set()}
    for model in apps.get_models():
        label = model._meta.app_label
        name = model._meta.model_name
        if label in STAFF_APPS and (label, name) not in MANAGER_MODELS:
            keys[STAFF].update((label, c) for c in _codenames(name, STAFF_ACTIONS))
        if (label, name) in MANAGER_MODELS:
            keys[STAFF].add((label, f"view_{name}"))
        if label in MANAGER_APPS or (label, name) in MANAGER_MODELS:
            keys[MANAGER].update(
                (label, c) for c in _codenames(name, ("add", "change", "delete", "view"))
            )
        elif label in MANAGER_VIEW_APPS:
            keys[MANAGER].add((label, f"view_{name}"))
    # A manager can do everything staff can.
    keys[MANAGER] |= keys[STAFF]
    return keys


def ensure_groups(apps=global_apps) -> dict:
    Group = apps.get_model("auth", "Group")
    return {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}


def sync_role_permissions(apps=global_apps, using: str = "default") -> None:
    """Create the role groups if missing and grant each the permissions of existing models.

    Additive: permissions a manager granted by hand in the admin are kept.
    """
    Permission = apps.get_model("auth", "Permission")
    groups = ensure_groups(apps)
    for role, keys in role_permission_keys(apps).items():
        if not keys:
            continue
        labels = {label for label, _ in keys}
        wanted = [
            perm.pk
            for perm in Permission.objects.using(using)
            .filter(content_type__app_label__in=labels)
            .select_related("content_type")
            if (perm.content_type.app_label, perm.codename) in keys
        ]
        groups[role].permissions.add(*wanted)


def post_migrate_sync(sender, app_config=None, using="default", apps=global_apps, **kwargs):
    """post_migrate handler: once per migrate (or test flush), after the last app's signal, when
    every app's permissions exist."""
    with_models = [c for c in global_apps.get_app_configs() if c.models_module is not None]
    if not with_models or sender is not with_models[-1]:
        return
    try:
        apps.get_model("auth", "Group")
    except LookupError:  # migrating to a state before auth exists
        return
    sync_role_permissions(global_apps, using=using)
