"""Gunicorn settings for the tracker's app servers (`make serve`; `gunicorn tracker.wsgi`).

Each app server is stateless: data in PostgreSQL (DATABASE_URL), cache in Redis (REDIS_URL), static
files inside the app (WhiteNoise). Run as many as needed behind a load balancer.

GUNICORN_BIND        address to listen on (default 127.0.0.1:8000)
WEB_CONCURRENCY      worker processes (default 2)
GUNICORN_TIMEOUT     seconds before a stuck worker is restarted (default 30)
GUNICORN_ACCESS_LOG  "-" for an access log on stdout (default none)
GUNICORN_MAX_REQUESTS  requests before a worker is replaced; 0 never (default 2000)
GUNICORN_PIDFILE     file to write the master's process id to (default none)
FORWARDED_ALLOW_IPS  proxies trusted to set X-Forwarded-* headers (default 127.0.0.1)
GUNICORN_PAGE_REBUILDER  "0" not to start `manage.py rebuild_pages` beside the workers (default: started
                     whenever the page cache is on Redis); without it each worker rebuilds stale pages
                     in a thread of its own
"""

import os
import subprocess
import sys

wsgi_app = "tracker.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Sync workers: the pages are short CPU-bound requests, and the load balancer buffers slow clients.
worker_class = "sync"
# A worker silent for this long (a request stuck, or the process wedged) is killed and replaced: its one
# request fails, the others go on to the remaining workers.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On a deploy or reload (SIGHUP, SIGTERM), a worker finishes the request it is serving for up to this long.
graceful_timeout = 20
# A database statement is cancelled well before the worker timeout, so a runaway query gives that reader the
# 503 page instead of costing the whole worker (settings.py reads it; commands run without a limit).
os.environ.setdefault("DJANGO_DB_STATEMENT_TIMEOUT", str(timeout * 1000 // 2))
# The workers' heartbeat files on a memory file system: a slow disk then never makes the arbiter kill a
# healthy worker.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# For a graceful upgrade (USR2, then QUIT to the old master) and `kill -HUP` reloads.
pidfile = os.environ.get("GUNICORN_PIDFILE") or None
# Recycle workers now and then so a slow leak can never grow a worker without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Load Django once in the arbiter: workers share its memory pages and start fast.
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
# Several app servers may share a host; none needs the control interface.
control_socket_disable = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

if workers > 1 and not os.environ.get("REDIS_URL") and os.environ.get("DJANGO_PAGE_CACHE_SECONDS", "600") != "0":
    sys.exit(
        "Several workers need a shared cache, or an editor's change would reach only the worker that saved it: "
        "set REDIS_URL, or WEB_CONCURRENCY=1, or DJANGO_PAGE_CACHE_SECONDS=0."
    )


def _wants_rebuilder():
    return (
        os.environ.get("GUNICORN_PAGE_REBUILDER", "1") != "0"
        and os.environ.get("REDIS_URL")
        and os.environ.get("DJANGO_PAGE_CACHE_SECONDS", "600") != "0"
    )


def when_ready(server):
    """Start the rebuilder of stale cached pages: a process of its own, at a lower CPU priority than the
    workers, so a burst of rebuilds after editors' saves takes no CPU time readers' requests need."""
    if _wants_rebuilder():
        here = os.path.dirname(os.path.abspath(__file__))
        server.page_rebuilder = subprocess.Popen([sys.executable, os.path.join(here, "manage.py"), "rebuild_pages"])
        server.log.info("Started the page rebuilder (pid %s)", server.page_rebuilder.pid)


def on_exit(server):
    rebuilder = getattr(server, "page_rebuilder", None)
    if rebuilder is not None and rebuilder.poll() is None:
        rebuilder.terminate()
        try:
            rebuilder.wait(timeout=10)
        except subprocess.TimeoutExpired:
            rebuilder.kill()
