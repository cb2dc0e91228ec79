from __future__ import annotations

from celery import Celery
from django.db import OperationalError

from talentportal import health


def test_healthz_reports_database_and_eager_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "eager"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_when_database_is_unreachable(client, db, monkeypatch):
    class UnreachableDatabase:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", UnreachableDatabase())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_healthz_reports_unreachable_broker(client, db, monkeypatch):
    # A Celery app whose broker nobody listens on.
    monkeypatch.setattr(health, "app", Celery(broker="redis://127.0.0.1:1/0", set_as_current=False))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "unreachable"
