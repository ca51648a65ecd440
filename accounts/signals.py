"""Receivers that keep roles consistent however a user is created or edited (admin, social
pipeline, createsuperuser, seed data, factories): each calls a service."""

from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from accounts import roles
from accounts.models import User
from accounts.services import user_add_default_role, user_sync_staff_flag


@receiver(post_save, sender=User, dispatch_uid="accounts.default_role")
def give_default_role(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        user_add_default_role(user=instance)


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="accounts.sync_staff")
def sync_staff_flag(sender, instance, action, reverse, pk_set, **kwargs):
    """Joining or leaving the staff / manager group grants or removes admin access."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:
        # group.user_set.add(...): `instance` is the group, the users are in pk_set.
        if instance.name not in roles.ADMIN_ROLES:
            return
        user_ids = list(pk_set or [])
    else:
        if action != "post_clear":
            names = set(Group.objects.filter(pk__in=pk_set or []).values_list("name", flat=True))
            if not names & set(roles.ADMIN_ROLES):
                return
        user_ids = [instance.pk]
    for user_id in user_ids:
        user_sync_staff_flag(user_id=user_id)
