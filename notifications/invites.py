"""Match invites: one player invites another; Accept / Decline in the app or the bot."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, NotFound, Unprocessable
from notifications.models import (
    DISCIPLINES,
    Kind,
    MatchInvite,
)
from notifications.outbox import notification_cancel, notify

MAX_PENDING_INVITES = 10


def invite_create(*, from_user, to_user, discipline: str, message: str = ""):
    """Invite `to_user` to a match; they get a `match_invite` with Accept / Decline buttons.

    Raises Unprocessable (`invite_self`), Conflict (`invite_exists` when a pending invite for the
    same pair and discipline exists, `too_many_invites` over MAX_PENDING_INVITES)."""
    if from_user.pk == to_user.pk:
        raise Unprocessable(_("You cannot invite yourself."), code="invite_self")
    with transaction.atomic():
        # Serialise one sender's invites (the pending checks below).
        get_user_model().objects.select_for_update().filter(pk=from_user.pk).first()
        pending = MatchInvite.objects.filter(from_user=from_user, status=MatchInvite.Status.PENDING)
        if pending.filter(to_user=to_user, discipline=discipline).exists():
            raise Conflict(_("You have already invited this player."), code="invite_exists")
        if pending.count() >= MAX_PENDING_INVITES:
            raise Conflict(
                _("Too many invites are waiting for an answer."), code="too_many_invites"
            )
        invite = MatchInvite.objects.create(
            from_user=from_user, to_user=to_user, discipline=discipline, message=message.strip()
        )
        notify(
            user=to_user,
            kind=Kind.MATCH_INVITE,
            payload={
                "invite_id": invite.pk,
                "from_name": from_user.display_name,
                "from_user_id": from_user.pk,
                "discipline": discipline,
                "discipline_name": str(dict(DISCIPLINES).get(discipline, discipline)),
                "message": invite.message,
            },
            dedupe_key=f"match_invite:{invite.pk}",
        )
    return invite


def invite_respond(*, user, invite_id: int, accept: bool):
    """The invited player accepts or declines; the inviter is told. Answering the same way again
    is a no-op (a double tap in the bot). Raises NotFound (`invite_not_found`, also for someone
    else's invite) and Conflict (`invite_closed`: already answered the other way or cancelled)."""
    status = MatchInvite.Status.ACCEPTED if accept else MatchInvite.Status.DECLINED
    with transaction.atomic():
        invite = (
            MatchInvite.objects.select_for_update()
            .filter(pk=invite_id, to_user=user)
            .select_related("from_user")
            .first()
        )
        if invite is None:
            raise NotFound(_("Invite not found."), code="invite_not_found")
        if invite.status == status:
            return invite
        if invite.status != MatchInvite.Status.PENDING:
            raise Conflict(_("This invite is closed."), code="invite_closed", status=invite.status)
        invite.status = status
        invite.responded_at = timezone.now()
        invite.save(update_fields=["status", "responded_at"])
        notify(
            user=invite.from_user,
            kind=Kind.MATCH_INVITE,
            payload={
                "invite_id": invite.pk,
                "response": status,
                "by_name": user.display_name,
                "discipline": invite.discipline,
                "discipline_name": str(dict(DISCIPLINES).get(invite.discipline, invite.discipline)),
            },
            dedupe_key=f"match_invite_reply:{invite.pk}",
        )
    return invite


def invite_cancel(*, user, invite_id: int):
    with transaction.atomic():
        invite = (
            MatchInvite.objects.select_for_update()
            .filter(pk=invite_id, from_user=user, status=MatchInvite.Status.PENDING)
            .first()
        )
        if invite is None:
            raise NotFound(_("Invite not found."), code="invite_not_found")
        invite.status = MatchInvite.Status.CANCELLED
        invite.responded_at = timezone.now()
        invite.save(update_fields=["status", "responded_at"])
        notification_cancel(dedupe_key=f"match_invite:{invite.pk}")
    return invite
