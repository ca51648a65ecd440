"""The UI speaks Russian and English; the language is picked per request."""

import pytest

pytestmark = pytest.mark.django_db


def test_mini_app_page_is_russian_for_a_russian_browser(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert '<html lang="ru">' in html
    assert "Зал" in html


def test_mini_app_page_is_english_for_an_english_browser(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html
    assert ">Floor<" in html


def test_the_language_cookie_set_by_the_mini_app_wins(client):
    client.cookies["django_language"] = "en"
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert '<html lang="en">' in html


def test_api_errors_are_translated(client):
    body = client.get("/api/nonexistent/", HTTP_ACCEPT_LANGUAGE="ru").json()
    assert body == {"detail": "Не найдено.", "code": "not_found"}
