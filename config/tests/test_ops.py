"""Operations endpoints and API conventions."""

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_each_component_when_all_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {"database", "cache", "channel_layer", "beat"} <= set(body["components"])
    assert body["components"]["database"]["status"] == "ok"


def test_readyz_names_the_database_when_it_is_unreachable(client, monkeypatch):
    from config import views

    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setitem(views.CHECKS, "database", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert "database" in body["detail"]
    assert body["code"] == "not_ready"


def test_readyz_shows_the_beat_heartbeat_once_recorded(client):
    from realtime.tasks import heartbeat

    heartbeat.delay()
    body = client.get("/readyz").json()
    assert body["components"]["beat"]["status"] == "ok"


def test_unknown_api_path_answers_404_json(client):
    response = client.get("/api/nonexistent/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "code"}
    assert body["code"] == "not_found"
    assert body["detail"]


def test_metrics_exposes_prometheus_and_app_metrics(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    assert "django_http_requests_total_by_method_total" in text or "django_http" in text
    assert "artel_websockets_connected" in text


def test_request_id_is_echoed_when_given(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"


def test_request_id_is_generated_when_missing_or_unsafe(client):
    generated = client.get("/healthz")["X-Request-ID"]
    assert len(generated) == 32
    unsafe = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"]
    assert " " not in unsafe and len(unsafe) == 32


def test_api_schema_and_docs_are_served_locally(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


def test_database_loss_in_api_answers_503_json(client, monkeypatch):
    from core.api import exception_handler

    response = exception_handler(OperationalError("gone"), {})
    assert response.status_code == 503
    assert response.data["code"] == "service_unavailable"
    assert response["Retry-After"] == "5"
