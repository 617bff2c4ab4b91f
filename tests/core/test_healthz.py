"""The load balancer's health check."""

from __future__ import annotations

import pytest
from django.db import DatabaseError

from equityhub.core import views

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_json_while_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"
    assert "no-cache" in response["Cache-Control"]


class _BrokenConnection:
    def cursor(self):
        raise DatabaseError("connection refused")


def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch, caplog):
    monkeypatch.setattr(views, "connection", _BrokenConnection())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}
    assert "database unreachable" in caplog.text


def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405


def test_healthz_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    # The redirect is on for every other page.
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
