"""Settings come from the environment, and the site refuses to start unsafely."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tracker.models import Party

ROOT = Path(__file__).resolve().parent.parent


def run_check(**env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=base, capture_output=True, text=True, timeout=60
    )


def test_the_site_refuses_to_start_without_a_secret_key_when_not_debugging():
    result = run_check()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_debug_mode_starts_without_a_secret_key():
    result = run_check(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr


def database_setting(expression, **env):
    """What ``settings.DATABASES['default']`` gives for ``expression`` in a process started with ``env``."""
    return printed_by(f"from django.conf import settings; print(settings.DATABASES['default']{expression})", **env)


def printed_by(script, **env):
    """What ``script`` prints in a process whose Django settings were read from ``env``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    base.update(DJANGO_SETTINGS_MODULE="tracker.settings", DJANGO_DEBUG="1", **env)
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + script],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_database_url_selects_postgresql():
    engine = database_setting("['ENGINE']", DATABASE_URL="postgres://someone@db.internal:5432/tracker")
    assert engine == "django.db.backends.postgresql"


@pytest.mark.parametrize("path", ["/?q=%00", "/admin/%00/", "/?as_of=2025-11-22%00"])
def test_a_nul_byte_in_the_request_gets_a_clear_400(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert b"NUL" in response.content


def test_postgresql_binds_parameters_on_the_server_unless_told_not_to():
    url = "postgres://someone@db.internal:5432/tracker"
    options = ".get('OPTIONS', {})"
    assert "'server_side_binding': True" in database_setting(options, DATABASE_URL=url)
    assert "server_side_binding" not in database_setting(options, DATABASE_URL=url, DJANGO_DB_PREPARE_THRESHOLD="off")
    assert "server_side_binding" not in database_setting(options, DATABASE_URL="sqlite:///x.sqlite3")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_postgresql_keeps_a_query_prepared_once_a_connection_has_run_it_a_few_times(db):
    for _ in range(6):
        list(Party.objects.filter(slug="ukraine"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "tracker_party"' in statement and "$1" in statement for statement in prepared), prepared


def test_errors_are_reported_to_sentry_when_a_dsn_is_set_without_readers_personal_data():
    script = "import sentry_sdk; c = sentry_sdk.get_client(); print(c.is_active(), c.options['send_default_pii'])"
    assert printed_by(script) == "False None"
    assert printed_by(script, SENTRY_DSN="https://public@errors.example.org/1") == "True False"
