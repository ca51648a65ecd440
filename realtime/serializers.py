"""JSON shapes of the realtime API (the WebSocket ticket)."""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers


class TicketOutput(serializers.Serializer):
    ticket = serializers.CharField()
    expires_in = serializers.IntegerField()


TicketError = inline_serializer(
    "TicketError", {"detail": serializers.CharField(), "code": serializers.CharField()}
)


def ticket_data(*, ticket: str, expires_in: int) -> dict:
    return TicketOutput({"ticket": ticket, "expires_in": expires_in}).data
