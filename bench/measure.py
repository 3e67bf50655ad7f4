"""In-process measurements with Django's test client, against the database in DATABASE_URL.

Prints JSON: for each benchmarked page its URL (or why it is missing), queries per request and
server time per request (median and p95, page cache off). With --profile NAME, prints a
pyinstrument profile of that page instead.

Run by bench/run.py after generate_synthetic; the pages are those of the first synthetic copy, so
their size does not change with the scale. The home page shows the newest plans of all copies, and the
party measured speaks on every copy: both pages stay the same size, but the rows they rank grow.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from tracker.models import Clause, Indicator, Party  # noqa: E402

PLAN = "synthetic-plan-0"
BUDGET_SECONDS = 15
VERSION = "28-point"
LATER_VERSION = "e3-counter-proposal"


def candidates():
    """Each benchmarked page with the ways it may be addressed, first match wins."""
    clause = (
        Clause.objects.published()
        .filter(version__plan__slug=PLAN, version__slug=VERSION, targets__isnull=False)
        .order_by("sort_order", "pk")
        .first()
    )
    number = clause.number if clause else "6"
    indicator = Indicator.objects.filter(slug__startswith="syn-0000-").order_by("slug").first()
    party = Party.objects.filter(slug="syn-us").first()
    return {
        "home": [("tracker:home", {}, "")],
        "version": [("tracker:version-detail", {"plan": PLAN, "version": VERSION}, "")],
        "clause": [("tracker:clause-detail", {"plan": PLAN, "version": VERSION, "number": number}, "")],
        "compare": [
            ("tracker:compare", {"plan": PLAN}, f"?a={VERSION}&b={LATER_VERSION}"),
            ("tracker:version-compare", {"plan": PLAN}, f"?a={VERSION}&b={LATER_VERSION}"),
        ],
        "party": [("tracker:party-detail", {"slug": party.slug if party else "syn-us"}, "")],
        "indicator": [("tracker:indicator-detail", {"slug": indicator.slug if indicator else ""}, "")],
        "API list (clauses)": [
            (name, {}, "")
            for name in ("api:clause-list", "api-v1:clause-list", "v1:clause-list", "tracker-api:clause-list")
        ]
        + [(None, {}, path) for path in ("/api/v1/clauses/", "/api/clauses/")],
    }


def resolve(client, options):
    tried = []
    for name, kwargs, suffix in options:
        if name is None:
            url = suffix
        else:
            try:
                url = reverse(name, kwargs=kwargs) + suffix
            except NoReverseMatch:
                tried.append(name)
                continue
        status = client.get(url).status_code
        if status == 200:
            return url, None
        tried.append(f"{url} answered {status}")
    return None, "not on main yet (" + "; ".join(tried) + ")"


def measure(client, url, samples, digits=1):
    client.get(url)  # warm up: templates compiled, connection open
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    # Read now: the log is cleared at the start of every later request.
    queries = len(captured.captured_queries)
    times = []
    # At most `samples` requests, and no more than BUDGET_SECONDS per page once ten are in.
    deadline = time.perf_counter() + BUDGET_SECONDS
    while len(times) < samples and (len(times) < 10 or time.perf_counter() < deadline):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "queries": queries,
        "median_ms": round(statistics.median(times), digits),
        "p95_ms": round(times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)], digits),
        "bytes": len(response.content),
        "samples": len(times),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--profile", help="name of a page to profile with pyinstrument")
    parser.add_argument("--cached", action="store_true", help="profile cache hits instead of building the page")
    args = parser.parse_args()
    settings.PAGE_CACHE_SECONDS = 0
    settings.SECURE_SSL_REDIRECT = False
    client = Client()
    pages = []
    for name, options in candidates().items():
        url, missing = resolve(client, options)
        pages.append({"name": name, "url": url, "missing": missing})

    if args.profile:
        from pyinstrument import Profiler

        url = next(page["url"] for page in pages if page["name"] == args.profile)
        settings.PAGE_CACHE_SECONDS = 600 if args.cached else 0
        client.get(url)
        if args.cached:
            # Hits as gunicorn asks for them: through the WSGI application, which answers before Django.
            from tracker.wsgi import application

            environ = RequestFactory().get(url, HTTP_ACCEPT_ENCODING="gzip").META

            def request():
                return b"".join(application(dict(environ), lambda status, headers: None))
        else:

            def request():
                return client.get(url, HTTP_ACCEPT_ENCODING="gzip")

        count = 200 if args.cached else 10
        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(count):
                request()
        print(f"pyinstrument, {count} {'cached' if args.cached else 'uncached'} requests of {url}")
        # Where the time goes, by function (self time), then the call tree through the project's code.
        flat = profiler.output_text(unicode=False, color=False, flat=True, time="percent_of_total")
        print("Functions by self time:")
        print("\n".join(line for line in flat.splitlines() if line.strip())[:6000])
        print()
        print(profiler.output_text(unicode=False, color=False, show_all=False, short_mode=False))
        return

    # A fixed piece of the pages' kind of work, timed before and after them, shows how fast the machine
    # was meanwhile: on a shared machine the same page can take twice as long from one minute to the next.
    reference = [reference_ms(args.samples)]
    for page in pages:
        if page["url"]:
            page.update(measure(client, page["url"], args.samples))
    reference.append(reference_ms(args.samples))
    from django.contrib.staticfiles.storage import staticfiles_storage

    print(
        json.dumps({"pages": pages, "reference": reference, "static_url": staticfiles_storage.url("tracker/site.css")})
    )


REFERENCE_TEMPLATE = (
    '{% for row in rows %}<tr>{% for cell in row %}<td class="{{ kind }}">{{ cell }}</td>{% endfor %}</tr>{% endfor %}'
)


def reference_ms(samples):
    """Median milliseconds to render a fixed table of 100 rows of 10 cells, without the database."""
    from django.template import Context, Template

    template = Template(REFERENCE_TEMPLATE)
    context = {"rows": [[f"{row}-{cell}" for cell in range(10)] for row in range(100)], "kind": "cell"}
    template.render(Context(context))
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        template.render(Context(context))
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2)


if __name__ == "__main__":
    main()
