"""Notifications API (thin: input serializer → one service/selector → output)."""

from __future__ import annotations

from datetime import time

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from core.errors import Unprocessable
from games.models import Club
from notifications import invites, outbox, preferences, selectors
from notifications.models import DISCIPLINES, Channel, Kind, MatchInvite
from notifications.serializers import notification_data, preferences_for
from notifications.sources import table_watches


class NotificationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.CharField()
    payload = serializers.JSONField()
    start_param = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    read = serializers.BooleanField()


class InboxView(ListAPIView):
    """`GET /api/notifications/?unread=1`: the signed-in user's messages, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationOutput

    def get_queryset(self):
        unread = self.request.query_params.get("unread") in ("1", "true")
        return selectors.inbox_for(user=self.request.user, unread_only=unread)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        data = [notification_data(n, request.user) for n in page]
        response = self.get_paginated_response(NotificationOutput(data, many=True).data)
        response.data["unread"] = selectors.unread_count(user=request.user)
        return response


class MarkReadInput(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=500
    )
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if not attrs.get("all") and not attrs.get("ids"):
            raise serializers.ValidationError("Give `ids` or `all: true`.", code="invalid_request")
        return attrs


class MarkReadOutput(serializers.Serializer):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()


class MarkReadView(APIView):
    """`POST /api/notifications/read/` {"ids": [..]} or {"all": true}."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=MarkReadInput, responses={200: MarkReadOutput})
    def post(self, request):
        data = MarkReadInput(data=request.data)
        data.is_valid(raise_exception=True)
        ids = None if data.validated_data.get("all") else data.validated_data["ids"]
        marked = outbox.notifications_mark_read(user=request.user, ids=ids)
        return Response({"marked": marked, "unread": selectors.unread_count(user=request.user)})


class QuietHoursInput(serializers.Serializer):
    start = serializers.TimeField(format="%H:%M", input_formats=["%H:%M"])
    end = serializers.TimeField(format="%H:%M", input_formats=["%H:%M"])

    def validate(self, attrs):
        if attrs["start"] == attrs["end"]:
            raise serializers.ValidationError(
                "Quiet hours must start and end at different times.", code="invalid_request"
            )
        return attrs


class PreferencesInput(serializers.Serializer):
    kinds = serializers.DictField(
        child=serializers.ChoiceField(choices=Channel.choices), required=False
    )
    quiet_hours = QuietHoursInput(required=False, allow_null=True)

    def validate_kinds(self, value):
        unknown = sorted(set(value) - set(Kind.values))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown kind: {', '.join(unknown)}.", code="invalid_request"
            )
        return value


class QuietHoursOutput(serializers.Serializer):
    start = serializers.CharField()
    end = serializers.CharField()


class TelegramStateOutput(serializers.Serializer):
    linked = serializers.BooleanField()
    enabled = serializers.BooleanField()
    reachable = serializers.BooleanField()
    unreachable_since = serializers.DateTimeField(allow_null=True)


class PreferencesOutput(serializers.Serializer):
    kinds = serializers.DictField(child=serializers.ChoiceField(choices=Channel.choices))
    quiet_hours = QuietHoursOutput(allow_null=True)
    time_zone = serializers.CharField()
    telegram = TelegramStateOutput()


class PreferencesView(APIView):
    """`GET`/`PATCH /api/me/notifications/`: channels per kind and quiet hours (club time)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: PreferencesOutput})
    def get(self, request):
        return Response(preferences_for(user=request.user))

    @extend_schema(request=PreferencesInput, responses={200: PreferencesOutput})
    def patch(self, request):
        data = PreferencesInput(data=request.data)
        data.is_valid(raise_exception=True)
        quiet: tuple[time, time] | None | bool = False
        if "quiet_hours" in data.validated_data:
            value = data.validated_data["quiet_hours"]
            quiet = (value["start"], value["end"]) if value else None
        preferences.preferences_update(
            user=request.user, kinds=data.validated_data.get("kinds"), quiet_hours=quiet
        )
        return Response(preferences_for(user=request.user))


class InviteThrottle(UserRateThrottle):
    scope = "match_invite"
    rate = "20/hour"


class UserBrief(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class InviteOutput(serializers.Serializer):
    id = serializers.IntegerField()
    from_user = UserBrief()
    to_user = UserBrief()
    discipline = serializers.CharField()
    discipline_name = serializers.CharField(source="get_discipline_display")
    message = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    responded_at = serializers.DateTimeField(allow_null=True)


class InviteInput(serializers.Serializer):
    to_user = serializers.IntegerField(min_value=1)
    discipline = serializers.ChoiceField(choices=DISCIPLINES)
    message = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


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
        data = InviteInput(data=request.data)
        data.is_valid(raise_exception=True)
        to_user = (
            get_user_model()
            .objects.filter(pk=data.validated_data["to_user"], is_active=True)
            .first()
        )
        if to_user is None:
            raise Unprocessable("No such player.", code="player_not_found")
        invite = invites.invite_create(
            from_user=request.user,
            to_user=to_user,
            discipline=data.validated_data["discipline"],
            message=data.validated_data["message"],
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


class WatchOutput(serializers.Serializer):
    id = serializers.IntegerField()
    table_kind = serializers.CharField()
    until = serializers.DateTimeField()
    notified_at = serializers.DateTimeField(allow_null=True)


class WatchInput(serializers.Serializer):
    table_kind = serializers.ChoiceField(choices=["pyramid", "pool", "snooker"])


class TableWatchesView(APIView):
    """`GET /api/table-watches/`; `POST` {table_kind}: tell me when one is free tonight."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: WatchOutput(many=True)})
    def get(self, request):
        return Response(WatchOutput(selectors.watches_for(user=request.user), many=True).data)

    @extend_schema(request=WatchInput, responses={201: WatchOutput})
    def post(self, request):

        data = WatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        club = get_object_or_404(Club.objects.order_by("id")[:1])
        watch = table_watches.table_watch_create(
            user=request.user, club=club, table_kind=data.validated_data["table_kind"]
        )
        return Response(WatchOutput(watch).data, status=status.HTTP_201_CREATED)


class TableWatchView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        if not table_watches.table_watch_cancel(user=request.user, watch_id=pk):
            raise Unprocessable("No such watch.", code="watch_not_found", status_code=404)
        return Response(status=status.HTTP_204_NO_CONTENT)
