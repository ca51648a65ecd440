"""JWT refresh with rotation and blacklist, reuse detection, logout, inactive users, flushing.

The lifecycle tests run on every database; the same tests, plus the race of two refreshes with one
token, run again on PostgreSQL (row locks), as CI does.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import services
from accounts.tasks import flush_expired_tokens
from accounts.tests.factories import UserFactory

REFRESH = "/api/auth/refresh/"
LOGOUT = "/api/auth/logout/"
ME = "/api/me/"


def test_token_blacklist_app_is_installed():
    assert "rest_framework_simplejwt.token_blacklist" in settings.INSTALLED_APPS
    assert settings.SIMPLE_JWT["ROTATE_REFRESH_TOKENS"] is True
    assert settings.SIMPLE_JWT["BLACKLIST_AFTER_ROTATION"] is True
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] == timedelta(minutes=15)


def test_token_flush_runs_daily_on_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["flush-expired-tokens"]
    assert entry["task"] == "accounts.tasks.flush_expired_tokens"


class TokenLifecycle:
    def pair(self, user=None):
        user = user or UserFactory()
        return user, services.tokens_issue(user=user)

    def refresh(self, token):
        return APIClient().post(REFRESH, {"refresh": token}, format="json")

    def test_refresh_rotates_the_pair(self):
        _user, tokens = self.pair()
        response = self.refresh(tokens["refresh"])
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"access", "refresh"}
        assert body["refresh"] != tokens["refresh"]
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
        assert client.get(ME).status_code == 200

    def test_a_reused_refresh_token_gets_401(self):
        _user, tokens = self.pair()
        assert self.refresh(tokens["refresh"]).status_code == 200
        response = self.refresh(tokens["refresh"])
        assert response.status_code == 401
        assert response.json()["code"] == "token_not_valid"
        assert BlacklistedToken.objects.count() == 1

    def test_the_rotated_token_keeps_working(self):
        _user, tokens = self.pair()
        second = self.refresh(tokens["refresh"]).json()["refresh"]
        third = self.refresh(second)
        assert third.status_code == 200

    def test_logout_blacklists_the_refresh_token(self):
        _user, tokens = self.pair()
        response = APIClient().post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")
        assert response.status_code == 204
        response = self.refresh(tokens["refresh"])
        assert response.status_code == 401
        assert response.json()["code"] == "token_not_valid"

    def test_an_inactive_user_cannot_refresh(self):
        user, tokens = self.pair()
        type(user).objects.filter(pk=user.pk).update(is_active=False)
        response = self.refresh(tokens["refresh"])
        assert response.status_code == 403
        assert response.json()["code"] == "account_disabled"
        assert not BlacklistedToken.objects.exists()

    def test_a_deleted_user_cannot_refresh(self):
        user, tokens = self.pair()
        type(user).objects.filter(pk=user.pk).delete()
        response = self.refresh(tokens["refresh"])
        assert response.status_code == 401

    @pytest.mark.parametrize("token", ["", "garbage", "a.b.c", None, 5])
    def test_a_malformed_refresh_token_gets_a_4xx(self, token):
        response = self.refresh(token)
        assert response.status_code in (400, 401)
        assert response.json()["code"] in ("invalid_request", "token_not_valid")

    def test_an_access_token_is_not_a_refresh_token(self):
        _user, tokens = self.pair()
        response = self.refresh(tokens["access"])
        assert response.status_code == 401

    def test_an_expired_refresh_token_gets_401(self):
        _user, tokens = self.pair()
        with time_machine.travel(timezone.now() + timedelta(days=31)):
            response = self.refresh(tokens["refresh"])
        assert response.status_code == 401


@pytest.mark.django_db
class TestTokenLifecycle(TokenLifecycle):
    pass


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestTokenLifecyclePostgres(TokenLifecycle):
    def test_two_refreshes_racing_with_one_token_get_one_pair(self):
        _user, tokens = self.pair()
        barrier = threading.Barrier(2)
        results = []

        def worker():
            try:
                barrier.wait()
                results.append(self.refresh(tokens["refresh"]).status_code)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == [200, 401]
        assert BlacklistedToken.objects.count() == 1


@pytest.mark.django_db
def test_flush_task_drops_only_expired_tokens():
    user = UserFactory()
    services.tokens_issue(user=user)
    with time_machine.travel(timezone.now() - timedelta(days=40)):
        services.tokens_issue(user=user)
    assert OutstandingToken.objects.count() == 2
    deleted = flush_expired_tokens.delay().get()
    assert deleted == 1
    assert OutstandingToken.objects.count() == 1


@pytest.mark.django_db
def test_logout_without_a_refresh_token_is_invalid_request():
    response = APIClient().post(LOGOUT, {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


@pytest.mark.django_db
def test_logout_with_a_web_session_ends_the_session(client):
    client.force_login(UserFactory())
    response = client.post(LOGOUT, {}, content_type="application/json")
    assert response.status_code == 204
    assert "_auth_user_id" not in client.session
