"""DRF permission classes named after the roles (see accounts/roles.py).

A staff check passes for the staff and manager groups and superusers; a manager check for the
manager group and superusers; a player check for any active member of a role group.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from accounts import selectors


class IsPlayer(BasePermission):
    message = _("Sign in as a club player to do this.")

    def has_permission(self, request, view):
        return selectors.user_is_player(user=request.user)


class IsStaff(BasePermission):
    message = _("Only club staff can do this.")

    def has_permission(self, request, view):
        return selectors.user_is_staff_member(user=request.user)


class IsManager(BasePermission):
    message = _("Only a club manager can do this.")

    def has_permission(self, request, view):
        return selectors.user_is_manager(user=request.user)
