"""Factories of the notification tests (reusing the floor's for clubs, tables and bookings)."""

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from games.tests.factories import (  # noqa: F401 - re-exported for the tests
    BookingFactory,
    ClubFactory,
    TableFactory,
    TableSessionFactory,
)
from notifications.models import Notification


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    # A player who opened the Mini App from Telegram (so has a chat with the bot).
    user = factory.SubFactory(UserFactory, from_telegram=True)
    kind = "announcement"
    payload = factory.LazyFunction(lambda: {"text": "Hello"})
    dedupe_key = factory.Sequence(lambda n: f"test:{n}")
    via = Notification.Via.TELEGRAM
    status = Notification.Status.PENDING
    send_after = factory.LazyFunction(timezone.now)
