"""Production settings: what `manage.py check --deploy` says, and how the site behaves behind a TLS proxy."""

import importlib.util
import itertools
import os
import socket
import subprocess
import sys
import time
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


# --- The page rebuilder beside gunicorn's workers (gunicorn.conf.py) ---


def _children(pid):
    """The process ids whose parent is ``pid``."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name, in parentheses, may hold spaces: the parent's id follows its closing one.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
    return children


def _rebuilders(master):
    found = []
    for pid in _children(master):
        try:
            if b"rebuild_pages" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            pass
    return found


def _is_running(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_until(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    return condition()


def test_gunicorn_starts_a_new_page_rebuilder_when_it_dies_and_stops_it_on_shutdown(tmp_path, redis_server):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
    env.update(
        DJANGO_SECRET_KEY="rebuilder-test-secret-key-rebuilder-test-secret-key-x",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",  # the rebuilder waits on Redis alone
        REDIS_URL=redis_server,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
    )
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        master = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        first = _wait_until(lambda: _rebuilders(master.pid), 30)
        assert len(first) == 1, log.read_text()

        os.kill(first[0], 9)
        replaced = _wait_until(lambda: [pid for pid in _rebuilders(master.pid) if pid != first[0]], 5)
        assert len(replaced) == 1, log.read_text()
        assert not _is_running(first[0])
        assert f"The page rebuilder (pid {first[0]}) exited" in log.read_text()
        assert f"Started the page rebuilder (pid {replaced[0]})" in log.read_text()
    finally:
        master.terminate()
        master.wait(timeout=30)
    assert not _rebuilders(master.pid)
    assert not _is_running(replaced[0]), "the rebuilder outlived gunicorn"
    assert f"Stopped the page rebuilder (pid {replaced[0]})" in log.read_text()


class _Log:
    def __init__(self):
        self.lines = []

    def info(self, message, *args):
        self.lines.append((time.monotonic(), message % args))

    warning = exception = info


def test_a_page_rebuilder_that_fails_at_once_is_started_again_ever_more_slowly(monkeypatch):
    # The configuration refuses several workers without Redis; one worker is enough to read it.
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    monkeypatch.setenv("DJANGO_DB_STATEMENT_TIMEOUT", "15000")
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    config = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(config)

    log = _Log()
    rebuilder = config.PageRebuilder(log, [sys.executable, "-c", "raise SystemExit(1)"])
    rebuilder.CHECK_EVERY, rebuilder.FIRST_PAUSE = 0.05, 0.2
    rebuilder.start()
    try:
        time.sleep(2.5)
    finally:
        rebuilder.stop()
    starts = [at for at, line in log.lines if line.startswith("Started")]
    # Pauses of 0.2, 0.4, 0.8, 1.6 s: at most five starts in 2.5 s, where a fixed pause would make a dozen.
    assert 3 <= len(starts) <= 5, log.lines
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert all(gap >= 0.2 * 2**n for n, gap in enumerate(gaps)), gaps
    assert sum("exited" in line for _, line in log.lines) >= len(starts) - 1
    assert not rebuilder.watcher.is_alive()


def test_a_rebuilder_started_to_stop_with_its_parent_exits_when_the_parent_is_killed_outright(tmp_path, redis_server):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
    env.update(
        DJANGO_SECRET_KEY="rebuilder-test-secret-key-rebuilder-test-secret-key-x",
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        REDIS_URL=redis_server,
    )
    # A parent that starts the rebuilder, says its id and waits; SIGKILL gives it no chance to stop its child.
    starter = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, 'manage.py', 'rebuild_pages', '--stop-with-parent'])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", starter], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    rebuilder = int(parent.stdout.readline())
    try:
        assert _wait_until(lambda: b"rebuild_pages" in Path(f"/proc/{rebuilder}/cmdline").read_bytes(), 10)
        time.sleep(3)  # running its loop, past Django's start
        assert _is_running(rebuilder)
        parent.kill()
        parent.wait(timeout=10)
        assert _wait_until(lambda: not _is_running(rebuilder), 10), "the rebuilder outlived its parent"
    finally:
        if _is_running(rebuilder):
            os.kill(rebuilder, 9)
