"""Factories of the notification tests (reusing the floor's for clubs, tables and bookings)."""

import factory
from django.utils import timezone

from games.tests.factories import (  # noqa: F401 - re-exported for the tests
    BookingFactory,
    ClubFactory,
    TableFactory,
    TableSessionFactory,
)
from games.tests.factories import UserFactory as _UserFactory
from notifications.models import Notification


class PlayerFactory(_UserFactory):
    """A player who opened the Mini App from Telegram (so has a chat with the bot)."""

    telegram_id = factory.Sequence(lambda n: 700_000_000 + n)
    language = "en"
    notifications_enabled = True


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(PlayerFactory)
    kind = "announcement"
    payload = factory.LazyFunction(lambda: {"text": "Hello"})
    dedupe_key = factory.Sequence(lambda n: f"test:{n}")
    via = Notification.Via.TELEGRAM
    status = Notification.Status.PENDING
    send_after = factory.LazyFunction(timezone.now)
