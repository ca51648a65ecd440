"""The notification models moved from the `realtime` app to `notifications` without touching data:
a database at the schema before the move, with rows in every notification table, migrates forward
and every row is there, read through the new app's models."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.tests.factories import UserFactory

BEFORE = [("realtime", "0003_notification_sending"), ("notifications", None)]

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def old_schema():
    """The database as it was before the move; put back to the latest schema afterwards."""
    executor = _migrate(BEFORE)
    yield executor.loader.project_state(BEFORE[:1]).apps
    _migrate(_latest())


def test_rows_written_before_the_move_are_read_after_it(old_schema):
    user = UserFactory(username="before-the-move")
    Notification = old_schema.get_model("realtime", "Notification")
    Broadcast = old_schema.get_model("realtime", "Broadcast")
    Profile = old_schema.get_model("realtime", "NotificationProfile")
    Update = old_schema.get_model("realtime", "ProcessedUpdate")
    broadcast = Broadcast.objects.create(audience="all", text="Hi", created_by_id=user.pk)
    Notification.objects.create(
        user_id=user.pk,
        kind="announcement",
        payload={"text": "Hi"},
        dedupe_key="before-the-move",
        status="pending",
        send_after=timezone.now(),
        broadcast_id=broadcast.pk,
    )
    Profile.objects.create(user_id=user.pk, unreachable_reason="blocked")
    Update.objects.create(update_id=7, payload={"update_id": 7})

    _migrate(_latest())

    from notifications.models import Notification as NewNotification
    from notifications.models import NotificationProfile, ProcessedUpdate

    row = NewNotification.objects.get(dedupe_key="before-the-move")
    assert row.user_id == user.pk
    assert row.payload == {"text": "Hi"}
    assert row.broadcast.text == "Hi"
    assert NotificationProfile.objects.get(user=user).unreachable_reason == "blocked"
    assert ProcessedUpdate.objects.filter(update_id=7).exists()
    assert NewNotification._meta.db_table == "realtime_notification"


def test_permissions_granted_on_the_old_app_follow_the_models(old_schema):
    content_type, _ = ContentType.objects.get_or_create(app_label="realtime", model="broadcast")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="view_broadcast", defaults={"name": "Can view"}
    )
    group = Group.objects.create(name="desk-before-the-move")
    group.permissions.add(permission)
    ContentType.objects.clear_cache()

    _migrate(_latest())
    ContentType.objects.clear_cache()

    permission.refresh_from_db()
    assert permission.content_type.app_label == "notifications"
    assert group.permissions.filter(codename="view_broadcast").exists()
    assert not ContentType.objects.filter(app_label="realtime", model="broadcast").exists()
