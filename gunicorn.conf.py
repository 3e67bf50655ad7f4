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
                     in a thread of its own. The master starts the rebuilder again whenever it exits
                     (after a pause that grows while it keeps failing at once) and stops it on shutdown
"""

import os
import subprocess
import sys
import threading
import time

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


class PageRebuilder:
    """``manage.py rebuild_pages`` beside the workers, started again by the master whenever it exits.

    A thread of the master (the arbiter) checks the process twice a second. A rebuilder that exits is
    started again after a pause: ``FIRST_PAUSE``, doubled (up to ``MAX_PAUSE``) each time in a row it
    exits within ``STEADY`` seconds of its start, so one that fails at once does not spin; back to
    ``FIRST_PAUSE`` once one has run longer than that. Each exit and restart is logged. Meanwhile the workers
    rebuild stale pages in threads of their own (tracker/cache.py), so a dead rebuilder costs speed,
    never freshness. ``stop()`` ends the watch first, then the process (SIGTERM, SIGKILL after 10 s).
    """

    CHECK_EVERY = 0.5
    FIRST_PAUSE = 1.0
    MAX_PAUSE = 60.0
    STEADY = 30.0

    def __init__(self, log, command):
        self.log = log
        self.command = command
        self.process = None
        self.started_at = 0.0
        self.quick_exits = 0  # in a row, each within STEADY seconds of its start
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.watcher = threading.Thread(target=self._watch, name="page-rebuilder-watch", daemon=True)

    def start(self):
        self._spawn()
        self.watcher.start()

    def _spawn(self):
        with self.lock:
            if self.stopping.is_set():
                return
            self.process = subprocess.Popen(self.command)
            self.started_at = time.monotonic()
        self.log.info("Started the page rebuilder (pid %s)", self.process.pid)

    def _watch(self):
        while not self.stopping.wait(self.CHECK_EVERY):
            process = self.process
            # The arbiter reaps any child that exits (its SIGCHLD handler); poll() then reads 0.
            if process is None or process.poll() is None:
                continue
            lived = time.monotonic() - self.started_at
            self.quick_exits = self.quick_exits + 1 if lived < self.STEADY else 1
            pause = min(self.FIRST_PAUSE * 2 ** (self.quick_exits - 1), self.MAX_PAUSE)
            self.log.warning(
                "The page rebuilder (pid %s) exited after %.0f s; starting it again in %.0f s",
                process.pid,
                lived,
                pause,
            )
            if self.stopping.wait(pause):
                return
            try:
                self._spawn()
            except OSError:
                self.log.exception("Could not start the page rebuilder; trying again")
                self.started_at = time.monotonic()

    def stop(self, timeout=10):
        self.stopping.set()
        if self.watcher.is_alive() and self.watcher is not threading.current_thread():
            self.watcher.join(timeout=5)
        with self.lock:
            process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self.log.info("Stopped the page rebuilder (pid %s)", process.pid)


def when_ready(server):
    """Start the rebuilder of stale cached pages: a process of its own, at a lower CPU priority than the
    workers, so a burst of rebuilds after editors' saves takes no CPU time readers' requests need. The
    master starts it again whenever it exits (PageRebuilder)."""
    if _wants_rebuilder():
        here = os.path.dirname(os.path.abspath(__file__))
        server.page_rebuilder = PageRebuilder(
            server.log, [sys.executable, os.path.join(here, "manage.py"), "rebuild_pages", "--stop-with-parent"]
        )
        server.page_rebuilder.start()


def on_exit(server):
    rebuilder = getattr(server, "page_rebuilder", None)
    if rebuilder is not None:
        rebuilder.stop()
