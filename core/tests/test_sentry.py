"""Sentry is optional: off without SENTRY_DSN, and when on it sends no personal data."""

import sentry_sdk
from django.conf import settings

from core.security import init_sentry


def test_sentry_is_off_without_a_dsn():
    assert settings.SENTRY_DSN == ""
    assert settings.SENTRY_ENABLED is False
    assert not sentry_sdk.get_client().is_active()


def test_init_without_a_dsn_does_nothing():
    assert init_sentry(dsn="", environment="test", release=None) is False
    assert not sentry_sdk.get_client().is_active()


def test_with_a_dsn_sentry_starts_without_personal_data_and_with_django_and_celery():
    try:
        started = init_sentry(
            dsn="https://public@sentry.example/1", environment="staging", release="artel@1.2.3"
        )
        client = sentry_sdk.get_client()

        assert started is True
        assert client.is_active()
        assert client.should_send_default_pii() is False
        assert client.options["environment"] == "staging"
        assert client.options["release"] == "artel@1.2.3"
        assert {"django", "celery"} <= set(client.integrations)
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # back to the inactive client
