"""The role groups: player (default for everyone), staff, manager. Existing users become players.

Model permissions are granted by accounts.roles.sync_role_permissions after each migrate
(the games / stats models they cover are created by other apps' migrations).
"""

from django.db import migrations

ROLES = ("player", "staff", "manager")


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("accounts", "User")
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
    player = groups["player"]
    for user in User.objects.all().iterator():
        user.groups.add(player)
        if user.is_staff and not user.is_superuser:
            user.groups.add(groups["staff"])


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_profile_fields"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, drop_roles)]
