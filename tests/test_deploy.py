"""Production settings: what `manage.py check --deploy` says, and how the site behaves behind a TLS proxy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "p7!kq2@v9#zr4$wm8^xt1&ny6*lb3(hc5)jd0_fs-ga+ue=oi-w3rT8yQ",
    "DJANGO_ALLOWED_HOSTS": "tracker.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://tracker.example.org",
}


def _manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deployment_check_reports_nothing_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "DEBUG", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deployment_check_fails_on_a_development_secret_key():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "x"})
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


@pytest.mark.django_db
def test_a_request_the_proxy_marks_as_https_is_secure_and_gets_hsts(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https")
    assert response.wsgi_request.is_secure()
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_health_probe_answers_plain_http_even_when_https_is_enforced(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/").status_code == 301
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
