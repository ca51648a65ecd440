"""Notifications API (thin: input serializer → one service/selector → output)."""

from __future__ import annotations

from datetime import time

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from core.api import validated
from core.errors import Unprocessable
from games.models import Club
from notifications import invites, outbox, payments, preferences, selectors
from notifications.models import MatchInvite
from notifications.serializers import (
    InboxQuery,
    InviteInput,
    InviteOutput,
    MarkReadInput,
    MarkReadOutput,
    NotificationOutput,
    PreferencesInput,
    PreferencesOutput,
    WatchInput,
    WatchOutput,
    mark_read_data,
    notification_data,
    preferences_data,
)
from notifications.sources import table_watches


@extend_schema_view(get=extend_schema(parameters=[InboxQuery]))
class InboxView(ListAPIView):
    """`GET /api/notifications/?unread=1`: the signed-in user's messages, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationOutput

    def get_queryset(self):
        unread = validated(InboxQuery, self.request.query_params)["unread"]
        return selectors.inbox_for(user=self.request.user, unread_only=unread)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        data = [notification_data(n, request.user) for n in page]
        response = self.get_paginated_response(NotificationOutput(data, many=True).data)
        response.data["unread"] = selectors.unread_count(user=request.user)
        return response


class MarkReadView(APIView):
    """`POST /api/notifications/read/` {"ids": [..]} or {"all": true}."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=MarkReadInput, responses={200: MarkReadOutput})
    def post(self, request):
        data = validated(MarkReadInput, request.data)
        ids = None if data.get("all") else data["ids"]
        marked = outbox.notifications_mark_read(user=request.user, ids=ids)
        unread = selectors.unread_count(user=request.user)
        return Response(mark_read_data(marked=marked, unread=unread))


class PreferencesView(APIView):
    """`GET`/`PATCH /api/me/notifications/`: channels per kind and quiet hours (club time)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: PreferencesOutput})
    def get(self, request):
        read = selectors.preferences_of(user=request.user)
        return Response(preferences_data(request.user, read))

    @extend_schema(request=PreferencesInput, responses={200: PreferencesOutput})
    def patch(self, request):
        data = validated(PreferencesInput, request.data)
        quiet: tuple[time, time] | None | bool = False
        if "quiet_hours" in data:
            value = data["quiet_hours"]
            quiet = (value["start"], value["end"]) if value else None
        preferences.preferences_update(
            user=request.user, kinds=data.get("kinds"), quiet_hours=quiet
        )
        read = selectors.preferences_of(user=request.user)
        return Response(preferences_data(request.user, read))


class InviteThrottle(UserRateThrottle):
    scope = "match_invite"
    rate = "20/hour"


class InvitesView(APIView):
    """`GET /api/invites/` pending invites to and from me; `POST` {to_user, discipline, message?}."""

    permission_classes = [IsAuthenticated]

    def get_throttles(self):
        return [InviteThrottle()] if self.request.method == "POST" else []

    @extend_schema(responses={200: InviteOutput(many=True)})
    def get(self, request):
        return Response(InviteOutput(selectors.invites_for(user=request.user), many=True).data)

    @extend_schema(request=InviteInput, responses={201: InviteOutput})
    def post(self, request):
        data = validated(InviteInput, request.data)
        to_user = get_user_model().objects.filter(pk=data["to_user"], is_active=True).first()
        if to_user is None:
            raise Unprocessable("No such player.", code="player_not_found")
        invite = invites.invite_create(
            from_user=request.user,
            to_user=to_user,
            discipline=data["discipline"],
            message=data["message"],
        )
        return Response(InviteOutput(invite).data, status=status.HTTP_201_CREATED)


class InviteAnswerView(APIView):
    """`POST /api/invites/<id>/accept/` | `decline/` | `cancel/` (the sender)."""

    permission_classes = [IsAuthenticated]
    action: str = "accept"

    @extend_schema(request=None, responses={200: InviteOutput})
    def post(self, request, pk: int):
        if self.action == "cancel":
            invite = invites.invite_cancel(user=request.user, invite_id=pk)
        else:
            invite = invites.invite_respond(
                user=request.user, invite_id=pk, accept=self.action == "accept"
            )
        invite = MatchInvite.objects.select_related("from_user", "to_user").get(pk=invite.pk)
        return Response(InviteOutput(invite).data)


class TableWatchesView(APIView):
    """`GET /api/table-watches/`; `POST` {table_kind}: tell me when one is free tonight."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: WatchOutput(many=True)})
    def get(self, request):
        return Response(WatchOutput(selectors.watches_for(user=request.user), many=True).data)

    @extend_schema(request=WatchInput, responses={201: WatchOutput})
    def post(self, request):
        data = validated(WatchInput, request.data)
        club = get_object_or_404(Club.objects.order_by("id")[:1])
        watch = table_watches.table_watch_create(
            user=request.user, club=club, table_kind=data["table_kind"]
        )
        return Response(WatchOutput(watch).data, status=status.HTTP_201_CREATED)


class TableWatchView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        if not table_watches.table_watch_cancel(user=request.user, watch_id=pk):
            raise Unprocessable("No such watch.", code="watch_not_found", status_code=404)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ShareInvoiceView(APIView):
    """`POST /api/shares/<id>/invoice/`: a Telegram invoice link for the player's share."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={201: dict})
    def post(self, request, pk: int):
        return Response(
            payments.invoice_link_create(user=request.user, share_id=pk),
            status=status.HTTP_201_CREATED,
        )


class DepositInvoiceView(APIView):
    """`POST /api/bookings/<id>/deposit-invoice/`: a Telegram invoice link for the deposit."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={201: dict})
    def post(self, request, pk: int):
        return Response(
            payments.deposit_invoice_link_create(user=request.user, booking_id=pk),
            status=status.HTTP_201_CREATED,
        )
