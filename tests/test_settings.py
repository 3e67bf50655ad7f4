"""Settings come from the environment, and the site refuses to start unsafely."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sentry_sdk
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from tracker.models import Party

ROOT = Path(__file__).resolve().parent.parent


def settings_read_from(monkeypatch, **env):
    """tracker/settings.py run afresh (a new module, not the one this process runs on) in an environment with
    only ``env`` among the site's variables."""
    for key in list(os.environ):
        if key.startswith(("DJANGO_", "SENTRY_")) or key in {"DATABASE_URL", "REDIS_URL"}:
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    spec = importlib.util.spec_from_file_location("settings_under_test", ROOT / "tracker" / "settings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_site_refuses_to_start_without_a_secret_key_when_not_debugging(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY is not set"):
        settings_read_from(monkeypatch)


def test_debug_mode_starts_without_a_secret_key():
    # The one check that starts a process: Django boots on these settings and its system checks pass.
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**base, "DJANGO_DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def database_setting(monkeypatch, **env):
    """``DATABASES['default']`` as the settings give it in a development environment plus ``env``."""
    return settings_read_from(monkeypatch, DJANGO_DEBUG="1", **env).DATABASES["default"]


def test_database_url_selects_postgresql(monkeypatch):
    database = database_setting(monkeypatch, DATABASE_URL="postgres://someone@db.internal:5432/tracker")
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["NAME"]) == ("db.internal", "tracker")
    assert database_setting(monkeypatch)["ENGINE"] == "django.db.backends.sqlite3"


@pytest.mark.parametrize("path", ["/?q=%00", "/admin/%00/", "/?as_of=2025-11-22%00"])
def test_a_nul_byte_in_the_request_gets_a_clear_400(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert b"NUL" in response.content


def test_postgresql_binds_parameters_on_the_server_unless_told_not_to(monkeypatch):
    url = "postgres://someone@db.internal:5432/tracker"
    options = database_setting(monkeypatch, DATABASE_URL=url).get("OPTIONS", {})
    assert (options["server_side_binding"], options["prepare_threshold"]) == (True, 5)
    off = database_setting(monkeypatch, DATABASE_URL=url, DJANGO_DB_PREPARE_THRESHOLD="off").get("OPTIONS", {})
    assert "server_side_binding" not in off
    assert "server_side_binding" not in database_setting(monkeypatch, DATABASE_URL="sqlite:///x.sqlite3").get(
        "OPTIONS", {}
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_postgresql_keeps_a_query_prepared_once_a_connection_has_run_it_a_few_times(db):
    for _ in range(6):
        list(Party.objects.filter(slug="ukraine"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "tracker_party"' in statement and "$1" in statement for statement in prepared), prepared


def test_errors_are_reported_to_sentry_when_a_dsn_is_set_without_readers_personal_data(monkeypatch):
    # Recorded rather than run: a real init would hook this test process's Django and logging for good.
    inits = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **options: inits.append(options))
    settings_read_from(monkeypatch, DJANGO_DEBUG="1")
    assert inits == []
    settings_read_from(monkeypatch, DJANGO_DEBUG="1", SENTRY_DSN="https://public@errors.example.org/1")
    assert len(inits) == 1
    assert inits[0]["dsn"] == "https://public@errors.example.org/1"
    assert inits[0]["send_default_pii"] is False
    assert inits[0]["traces_sample_rate"] == 0
