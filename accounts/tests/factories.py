"""The one `UserFactory` of the whole suite (every app's tests import it from here), and the
sign-in identities (Telegram, Google) of a user."""

import factory
from social_django.models import UserSocialAuth

from accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    """A user, found again by username (`UserFactory(username="ann")` twice is one row).

    Defaults: username `player<n>`, name `Player<n> Tester` (every made-up user has a name of
    its own), Russian, notifications on, no Telegram id, no usable password.
    - `from_telegram=True`: a player who opened the Mini App from Telegram, so has a chat with
      the bot: a `telegram_id` (700 000 000 + n), English.
    - `password="..."`: sets (hashes) that password and saves.
    """

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"player{n}")
    first_name = factory.Sequence(lambda n: f"Player{n}")
    last_name = "Tester"

    class Params:
        from_telegram = factory.Trait(
            telegram_id=factory.Sequence(lambda n: 700_000_000 + n),
            language="en",
            notifications_enabled=True,
        )

    @factory.post_generation
    def password(user, create, extracted, **kwargs):
        if extracted:
            user.set_password(extracted)
            if create:
                user.save(update_fields=["password"])


class TelegramIdentityFactory(factory.django.DjangoModelFactory):
    """A Telegram sign-in; its user is Ann Smirnova with that Telegram id."""

    class Meta:
        model = UserSocialAuth

    user = factory.SubFactory(
        UserFactory,
        telegram_id=factory.SelfAttribute("..tg_id"),
        first_name="Ann",
        last_name="Smirnova",
    )
    provider = "telegram"
    id_key = "id"
    uid = factory.LazyAttribute(lambda o: str(o.tg_id))

    class Params:
        tg_id = factory.Sequence(lambda n: 5_000_000 + n)


class GoogleIdentityFactory(factory.django.DjangoModelFactory):
    """A Google sign-in; its user is Ann Smirnova."""

    class Meta:
        model = UserSocialAuth

    user = factory.SubFactory(UserFactory, first_name="Ann", last_name="Smirnova")
    provider = "google-oauth2"
    uid = factory.Sequence(lambda n: f"10876543210{n:04d}")
