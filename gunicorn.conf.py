"""Gunicorn settings for the tracker's app servers (`make serve`; `gunicorn tracker.wsgi`).

Each app server is stateless: data in PostgreSQL (DATABASE_URL), cache in Redis (REDIS_URL), static
files inside the app (WhiteNoise). Run as many as needed behind a load balancer.

GUNICORN_BIND        address to listen on (default 127.0.0.1:8000)
WEB_CONCURRENCY      worker processes (default 2)
GUNICORN_TIMEOUT     seconds before a stuck worker is restarted (default 30)
GUNICORN_ACCESS_LOG  "-" for an access log on stdout (default none)
GUNICORN_MAX_REQUESTS  requests before a worker is replaced; 0 never (default 2000)
FORWARDED_ALLOW_IPS  proxies trusted to set X-Forwarded-* headers (default 127.0.0.1)
"""

import os
import sys

wsgi_app = "tracker.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Sync workers: the pages are short CPU-bound requests, and the load balancer buffers slow clients.
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
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
