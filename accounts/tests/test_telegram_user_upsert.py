"""services.telegram_user_upsert: one person = one account, even when first sign-ins race."""

import threading

import pytest
from django.db import connection
from social_django.models import UserSocialAuth

from accounts import errors, services
from accounts.models import User
from accounts.telegram_auth import TelegramUser
from accounts.tests.factories import TelegramIdentityFactory, UserFactory

ANN = TelegramUser(id=2**40 + 1, first_name="Ann", username="ann_tg", language_code="en")


@pytest.mark.django_db
def test_linking_to_a_user_with_another_telegram_is_refused():
    me = TelegramIdentityFactory(tg_id=10).user
    with pytest.raises(errors.IdentityConflict):
        services.telegram_user_upsert(tg_user=ANN, source="widget", link_to=me)
    assert not UserSocialAuth.objects.filter(uid=str(ANN.id)).exists()


@pytest.mark.django_db
def test_linking_keeps_the_users_own_account():
    me = UserFactory(username="me", first_name="Me")
    user, created = services.telegram_user_upsert(tg_user=ANN, source="widget", link_to=me)
    assert (user.pk, created) == (me.pk, False)
    assert user.telegram_id == ANN.id


@pytest.mark.django_db
def test_new_user_language_follows_telegram():
    user, created = services.telegram_user_upsert(tg_user=ANN, source="miniapp")
    assert created
    assert user.language == "en"
    assert user.username == "ann_tg"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_sign_ins_racing_make_one_account():
    barrier = threading.Barrier(4)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(services.telegram_user_upsert(tg_user=ANN, source="miniapp")[0].pk)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1
    assert User.objects.filter(telegram_id=ANN.id).count() == 1
    assert UserSocialAuth.objects.filter(provider="telegram", uid=str(ANN.id)).count() == 1


@pytest.mark.django_db
def test_a_returning_sign_in_with_nothing_new_writes_nothing():
    from django.test.utils import CaptureQueriesContext

    services.telegram_user_upsert(tg_user=ANN, source="miniapp")
    with CaptureQueriesContext(connection) as queries:
        user, created = services.telegram_user_upsert(tg_user=ANN, source="miniapp")

    writes = [
        q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]
    assert (created, writes) == (False, [])
    assert user.first_name == "Ann"


@pytest.mark.django_db
def test_a_returning_sign_in_stores_a_new_name_from_telegram():
    services.telegram_user_upsert(tg_user=ANN, source="miniapp")
    renamed = TelegramUser(id=ANN.id, first_name="Anna", username="ann_tg", language_code="en")

    services.telegram_user_upsert(tg_user=renamed, source="widget")

    user = User.objects.get(telegram_id=ANN.id)
    social = UserSocialAuth.objects.get(provider="telegram", uid=str(ANN.id))
    assert user.first_name == "Anna"
    assert (social.extra_data["first_name"], social.extra_data["source"]) == ("Anna", "widget")
