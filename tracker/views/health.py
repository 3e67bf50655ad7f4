"""Probes for load balancers and orchestrators, and the page readers get when the database is unreachable.

``/healthz`` (liveness) says the process answers, touching nothing else. ``/readyz`` (readiness) asks
the database and the cache themselves and answers JSON naming the one failing, with 503 when any is.
"""

import sys
import time

from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template import loader

# Seconds a reader (or a client of the API) is asked to wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 5


def healthz(request):
    """Answer load balancers' health probes without touching the database."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache():
    check = getattr(cache, "check", None)  # the Redis backend asks Redis itself, outage or not
    if check is not None:
        check()
    else:
        cache.set("readyz:probe", 1, 10)


def _timed(check):
    started = time.perf_counter()
    try:
        check()
    except Exception as error:  # noqa: BLE001  (whatever the dependency raises, the probe answers)
        return {"ok": False, "error": type(error).__name__, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def readyz(request):
    """Whether this app server can serve pages as it should: the database and the cache, each checked."""
    checks = {"database": _timed(_check_database), "cache": _timed(_check_cache)}
    failing = [name for name, result in checks.items() if not result["ok"]]
    response = JsonResponse(
        {"status": "failing" if failing else "ok", "failing": failing, "checks": checks},
        status=503 if failing else 200,
    )
    response["Cache-Control"] = "no-store"
    if failing:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def server_error(request, template_name="500.html"):
    """The site's 500 handler; when the database could not be reached (or gave up), a 503 asking to retry."""
    error = sys.exc_info()[1]
    if not isinstance(error, DATABASE_UNAVAILABLE):
        return HttpResponse(loader.get_template(template_name).render(), status=500)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": "The service is temporarily unavailable; try again in a few seconds."}, status=503
        )
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
