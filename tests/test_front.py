"""The production front: nginx (deploy/nginx.conf) in front of gunicorn's sync workers.

These start the real thing: one sync worker of gunicorn.conf.py and nginx with the shipped config, and
hold connections open the way slow clients do.
"""

import getpass
import gzip
import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HASHED_CSS = "site.0123456789ab.css"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing answered on port {port} within {seconds} s")


def render_nginx_config(run_dir, listen, upstream, static_root):
    config = (ROOT / "deploy" / "nginx.conf").read_text()
    for name, value in {
        "@LISTEN@": listen,
        "@UPSTREAM@": upstream,
        "@STATIC_ROOT@": str(static_root),
        "@RUN_DIR@": str(run_dir),
        "@ACCESS_LOG@": "off",
        "@USER@": getpass.getuser(),
        "@FORWARDED_PROTO@": "$scheme",
    }.items():
        config = config.replace(name, value)
    path = run_dir / "nginx.conf"
    path.write_text(config)
    return path


def _nginx(run_dir, *args):
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(binary).exists(), "nginx is needed (make test installs Debian's nginx)"
    return subprocess.run(
        [binary, "-p", str(run_dir), "-c", str(run_dir / "nginx.conf"), "-e", str(run_dir / "error.log"), *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.fixture(scope="module")
def front(tmp_path_factory):
    """gunicorn with one sync worker, nginx in front of it; their ports."""
    run_dir = tmp_path_factory.mktemp("front")
    static_root = run_dir / "static"
    static_root.mkdir()
    css = b"body { color: #222; }\n" * 200
    (static_root / HASHED_CSS).write_bytes(css)
    (static_root / f"{HASHED_CSS}.gz").write_bytes(gzip.compress(css))
    app_port, front_port = _free_port(), _free_port()
    render_nginx_config(run_dir, f"127.0.0.1:{front_port}", f"127.0.0.1:{app_port}", static_root)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_")) and k != "REDIS_URL"}
    env.update(
        DJANGO_SECRET_KEY="front-test-secret-key-front-test-secret-key-front-test",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"sqlite:///{run_dir / 'unused.sqlite3'}",  # /healthz touches no database
        GUNICORN_BIND=f"127.0.0.1:{app_port}",
        WEB_CONCURRENCY="1",
        GUNICORN_TIMEOUT="60",
    )
    app = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started = _nginx(run_dir)
    assert started.returncode == 0, started.stderr
    try:
        _wait_for(app_port)
        _wait_for(front_port)
        yield {"app": app_port, "front": front_port}
    finally:
        _nginx(run_dir, "-s", "stop")
        app.terminate()
        app.wait(timeout=30)


def _slow_clients(port, count):
    """Connections that send the start of their headers and then nothing, as slow readers on bad links do."""
    clients = []
    for _ in range(count):
        client = socket.create_connection(("127.0.0.1", port), timeout=5)
        client.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow")
        clients.append(client)
    return clients


def _get(port, path, timeout=3, **headers):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1", **headers})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_the_shipped_nginx_config_is_valid(tmp_path):
    render_nginx_config(tmp_path, "127.0.0.1:18080", "127.0.0.1:18081", tmp_path)
    result = _nginx(tmp_path, "-t")
    assert result.returncode == 0, result.stderr


def test_slow_clients_pin_a_bare_sync_worker_but_not_the_site_behind_the_front(front):
    slow = _slow_clients(front["front"], 8)
    try:
        status, _, body = _get(front["front"], "/healthz")
        assert (status, body) == (200, b"ok\n")
    finally:
        for client in slow:
            client.close()

    # The same against gunicorn alone: one slow client holds its only worker.
    slow = _slow_clients(front["app"], 1)
    try:
        with pytest.raises(TimeoutError):
            _get(front["app"], "/healthz", timeout=2)
    finally:
        for client in slow:
            client.close()


def test_the_front_refuses_oversized_bodies_itself(front):
    with socket.create_connection(("127.0.0.1", front["front"]), timeout=5) as client:
        client.sendall(
            b"POST /admin/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50000000\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
        )
        assert client.recv(200).startswith(b"HTTP/1.1 413")


def test_the_front_serves_hashed_static_files_gzipped_and_cached_for_a_year(front):
    status, headers, body = _get(front["front"], f"/static/{HASHED_CSS}", **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body).startswith(b"body { color: #222; }")
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Server"] == "nginx"
