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


def percentiles(times, digits=1):
    times = sorted(times)
    return {
        "median_ms": round(statistics.median(times), digits),
        "p95_ms": round(times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)], digits),
    }


def measure_all(client, pages, samples):
    """Queries and server time of every page, and the reference rendering's time, sampled in turns.

    One request of each page, then one rendering of the reference, round after round: a minute in
    which the shared machine runs slow weighs on every page alike instead of on whichever page was
    being measured, and the reference shows how slow it ran. At most ``samples`` rounds, and no more
    than BUDGET_SECONDS a page once ten rounds are in.
    """
    measured = [page for page in pages if page["url"]]
    for page in measured:
        client.get(page["url"])  # warm up: templates compiled, connection open
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page["url"])
        # Read now: the log is cleared at the start of every later request.
        page.update(queries=len(captured.captured_queries), bytes=len(response.content))
    times = {page["url"]: [] for page in measured}
    reference = []
    render_reference = reference_renderer()
    deadline = time.perf_counter() + BUDGET_SECONDS * len(measured)
    rounds = 0
    while rounds < samples and (rounds < 10 or time.perf_counter() < deadline):
        for page in measured:
            start = time.perf_counter()
            client.get(page["url"])
            times[page["url"]].append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        render_reference()
        reference.append((time.perf_counter() - start) * 1000)
        rounds += 1
    for page in measured:
        page.update(percentiles(times[page["url"]]), samples=rounds)
    return percentiles(reference, digits=2)


REFERENCE_TEMPLATE = (
    '{% for row in rows %}<tr>{% for cell in row %}<td class="{{ kind }}">{{ cell }}</td>{% endfor %}</tr>{% endfor %}'
)


def reference_renderer():
    """A fixed table of 100 rows of 10 cells, rendered without the database: the pages' kind of work."""
    from django.template import Context, Template

    template = Template(REFERENCE_TEMPLATE)
    context = {"rows": [[f"{row}-{cell}" for cell in range(10)] for row in range(100)], "kind": "cell"}
    template.render(Context(context))
    return lambda: template.render(Context(context))


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

    reference = measure_all(client, pages, args.samples)
    from django.contrib.staticfiles.storage import staticfiles_storage

    print(
        json.dumps({"pages": pages, "reference": reference, "static_url": staticfiles_storage.url("tracker/site.css")})
    )


if __name__ == "__main__":
    main()
