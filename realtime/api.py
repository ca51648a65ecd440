"""Realtime API: one-time tickets for the WebSocket."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from realtime import services
from realtime.serializers import TicketError, TicketOutput, ticket_data


class TicketThrottle(UserRateThrottle):
    # A client needs one ticket per (re)connect; this only stops a runaway loop.
    scope = "ws_ticket"
    rate = "60/min"


class TicketView(APIView):
    """`POST /api/realtime/ticket/`: a one-time ticket to open `/ws/?ticket=...` as this user."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [TicketThrottle]

    @extend_schema(request=None, responses={200: TicketOutput, 401: TicketError})
    def post(self, request):
        ticket = services.ticket_issue(user=request.user)
        return Response(ticket_data(ticket=ticket, expires_in=services.ticket_ttl()))
