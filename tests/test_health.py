"""Readiness for load balancers, and a clear 503 while the database is unreachable."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import OperationalError, connections
from django.test import Client
from django.urls import reverse

from tests.factories import PlanVersionFactory
from tests.test_settings import database_setting


@pytest.fixture
def database_down(db):
    """Every new query fails as it does while PostgreSQL restarts; the test's own setup ran before."""

    def refuse(*args, **kwargs):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    # Its own patch, undone before the test database is rolled back (which needs a cursor).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(connections["default"], "cursor", refuse)
        yield patch


def _readiness(client):
    response = client.get(reverse("readyz"))
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    return response.status_code, json.loads(response.content)


def test_readiness_answers_200_when_the_database_and_the_cache_answer(db, client):
    status, body = _readiness(client)
    assert status == 200
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert body["checks"]["database"]["ok"] and body["checks"]["cache"]["ok"]


def test_readiness_is_never_answered_from_the_page_cache(db, own_redis, client):
    for _ in range(2):
        response = client.get(reverse("readyz"))
        assert response.status_code == 200
        assert "X-Page-Cache" not in response


def test_readiness_fails_and_names_the_cache_when_redis_is_down(db, client, redis_down):
    status, body = _readiness(client)
    assert status == 503
    assert body["failing"] == ["cache"]
    assert body["checks"]["cache"] == {"ok": False, "error": "ConnectionError", "ms": body["checks"]["cache"]["ms"]}
    assert body["checks"]["database"]["ok"]
    # The pages themselves carry on, from the database.
    assert client.get(reverse("tracker:home")).status_code == 200


def test_readiness_fails_and_names_the_database_when_it_cannot_be_reached(client, database_down):
    status, body = _readiness(client)
    assert status == 503
    assert body["failing"] == ["database"]
    assert body["checks"]["database"]["error"] == "OperationalError"


def test_liveness_stays_ok_while_the_database_is_away(client, database_down):
    assert client.get(reverse("healthz")).content == b"ok\n"


def test_readers_get_a_503_page_asking_them_to_retry_while_the_database_is_away(database_down):
    reader = Client(raise_request_exception=False)
    response = reader.get(reverse("tracker:home"))
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert b"Back in a moment" in response.content
    assert b"Traceback" not in response.content
    assert b"OperationalError" not in response.content


def test_api_clients_get_a_json_503_while_the_database_is_away(database_down):
    response = Client(raise_request_exception=False).get(reverse("api:clause-list"))
    assert response.status_code == 503
    assert "temporarily unavailable" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0


@pytest.fixture
def version(db):
    return PlanVersionFactory(name="28-point draft")


def test_pages_come_back_by_themselves_once_the_database_answers(version, database_down):
    reader = Client(raise_request_exception=False)
    assert reader.get(reverse("tracker:home")).status_code == 503
    database_down.undo()
    response = reader.get(reverse("tracker:home"))
    assert response.status_code == 200
    assert b"28-point draft" in response.content


def test_other_errors_still_get_the_500_page(db, monkeypatch):
    monkeypatch.setattr("tracker.views.plans.render", lambda *args, **kwargs: 1 / 0)
    response = Client(raise_request_exception=False).get(reverse("tracker:home"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content


def test_postgresql_connections_give_up_quickly_and_web_statements_have_a_time_limit(monkeypatch):
    url = "postgres://someone@db.internal:5432/tracker"
    options = database_setting(monkeypatch, DATABASE_URL=url)["OPTIONS"]
    assert options["connect_timeout"] == 3
    assert options.get("options") is None
    limited = database_setting(monkeypatch, DATABASE_URL=url, DJANGO_DB_STATEMENT_TIMEOUT="15000")["OPTIONS"]
    assert limited["options"] == "-c statement_timeout=15000"


@pytest.mark.skipif(connections["default"].vendor != "postgresql", reason="statement timeouts are PostgreSQL's")
def test_a_web_statement_running_past_its_limit_is_cancelled_and_answered_with_the_503_page():
    db = connections["default"].settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"
    script = (
        "import django; django.setup()\n"
        "from django.db import connection, OperationalError\n"
        "from tracker.views.health import DATABASE_UNAVAILABLE\n"
        "try:\n"
        "    connection.cursor().execute('SELECT pg_sleep(5)')\n"
        "except DATABASE_UNAVAILABLE as error:\n"
        "    print('cancelled:', error)\n"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parent.parent,
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "tracker.settings",
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": url,
            "DJANGO_DB_STATEMENT_TIMEOUT": "300",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "cancelled: canceling statement due to statement timeout" in result.stdout, result.stderr
    assert time.monotonic() - started < 5
