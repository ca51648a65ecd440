import factory
from social_django.models import UserSocialAuth

from accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"player{n}")
    first_name = "Ann"
    last_name = "Smirnova"


class TelegramIdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserSocialAuth

    user = factory.SubFactory(UserFactory, telegram_id=factory.SelfAttribute("..tg_id"))
    provider = "telegram"
    id_key = "id"
    uid = factory.LazyAttribute(lambda o: str(o.tg_id))

    class Params:
        tg_id = factory.Sequence(lambda n: 5_000_000 + n)


class GoogleIdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserSocialAuth

    user = factory.SubFactory(UserFactory)
    provider = "google-oauth2"
    uid = factory.Sequence(lambda n: f"10876543210{n:04d}")
