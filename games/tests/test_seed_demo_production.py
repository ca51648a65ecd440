"""`seed_demo` is never a way into production: with DEBUG off it refuses unless asked explicitly,
and then it creates no staff login with the published password."""

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from games.management.commands.seed_demo import DEMO_STAFF_PASSWORD, DEMO_STAFF_USERNAME
from games.models import Club


@pytest.mark.django_db
def test_with_debug_off_seed_demo_refuses(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", verbosity=0)

    assert not Club.objects.exists()
    assert not get_user_model().objects.filter(username=DEMO_STAFF_USERNAME).exists()


@pytest.mark.django_db
def test_asked_explicitly_in_production_it_creates_no_staff_login(settings):
    settings.DEBUG = False

    call_command("seed_demo", "--production", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert Club.objects.exists()
    assert not get_user_model().objects.filter(is_staff=True).exists()
    assert authenticate(username=DEMO_STAFF_USERNAME, password=DEMO_STAFF_PASSWORD) is None


@pytest.mark.django_db
def test_in_development_the_demo_staff_login_is_created(settings):
    settings.DEBUG = True

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert authenticate(username=DEMO_STAFF_USERNAME, password=DEMO_STAFF_PASSWORD) is not None
