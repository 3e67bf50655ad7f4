"""The edit-storm benchmark's in-process parts, against the database in DATABASE_URL (bench/storm.py runs them).

``urls``: prints JSON, the public URL mix readers hit (pages, filters, pages of lists, API lists) and
every page type, CSV and feed once, named.
``misses``: prints JSON, each named URL's server time on a cache miss (page cache off, body read
to the end; median of a few runs) and queries, then the stored downloads' build and serve times.
``edit SECONDS INTERVAL``: prints "ready" once loaded, waits for a line on its input, then saves every
INTERVAL seconds for SECONDS, round the kinds of content editors touch on a leak day (a position, a
clause, a source, a figure, an event); prints how many saves it made.
"""

import itertools
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
from django.urls import reverse  # noqa: E402

from tracker import exports  # noqa: E402
from tracker.models import Clause, Event, Figure, Indicator, Party, PlanVersion, Position, Source  # noqa: E402

SAMPLES = int(os.environ.get("BENCH_STORM_SAMPLES", "3"))


def named_urls():
    """One URL of every page type, list CSV, feed and API list, on the synthetic data's first copy."""
    clause = Clause.objects.published().filter(version__plan__slug="synthetic-plan-0").order_by("pk").first()
    version = clause.version
    plan = version.plan
    party = Party.objects.filter(positions__isnull=False).order_by("pk").first()
    actor = party.actors.order_by("pk").first()
    indicator = Indicator.objects.filter(figures__isnull=False).order_by("pk").first()
    source = Source.objects.filter(positions__isnull=False).order_by("pk").first()
    later = PlanVersion.objects.published().filter(plan=plan).exclude(pk=version.pk).order_by("pk").first()
    clause_url = clause.get_absolute_url()
    pages = {
        "home": reverse("tracker:home"),
        "plan list": reverse("tracker:plan-list"),
        "plan": reverse("tracker:plan-detail", args=[plan.slug]),
        "version": version.get_absolute_url(),
        "clause": clause_url,
        "compare": reverse("tracker:compare", args=[plan.slug]) + f"?a={version.slug}&b={later.slug}",
        "parties": reverse("tracker:party-list"),
        "party": reverse("tracker:party-detail", args=[party.slug]),
        "actor": reverse("tracker:actor-detail", args=[actor.slug]) if actor else None,
        "indicators": reverse("tracker:indicator-list"),
        "indicator": reverse("tracker:indicator-detail", args=[indicator.slug]),
        "sources": reverse("tracker:source-list"),
        "source": reverse("tracker:source-detail", args=[source.key]),
        "timeline": reverse("tracker:timeline"),
        "timeline, changes": reverse("tracker:timeline") + "?show=changes",
        "timeline, changes, page 50": reverse("tracker:timeline") + "?show=changes&page=50",
        "what changed": reverse("tracker:changes"),
        "search": reverse("tracker:search") + "?q=forces",
        "open data": reverse("tracker:data"),
        "CSV timeline": reverse("tracker:timeline") + "?format=csv",
        "CSV timeline, changes": reverse("tracker:timeline") + "?show=changes&format=csv",
        "CSV timeline, one party": reverse("tracker:timeline") + f"?party={party.slug}&format=csv",
        "CSV plans": reverse("tracker:plan-list") + "?format=csv",
        "CSV version": version.get_absolute_url() + "?format=csv",
        "CSV compare": reverse("tracker:compare", args=[plan.slug]) + f"?a={version.slug}&b={later.slug}&format=csv",
        "CSV parties": reverse("tracker:party-list") + "?format=csv",
        "CSV party": reverse("tracker:party-detail", args=[party.slug]) + "?format=csv",
        "CSV indicators": reverse("tracker:indicator-list") + "?format=csv",
        "CSV indicator": reverse("tracker:indicator-detail", args=[indicator.slug]) + "?format=csv",
        "CSV sources": reverse("tracker:source-list") + "?format=csv",
        "CSV search": reverse("tracker:search") + "?q=forces&format=csv",
        "feed positions": reverse("tracker:feed-positions"),
        "feed party": reverse("tracker:feed-party-positions", args=[party.slug]),
        "feed versions": reverse("tracker:feed-versions"),
        "feed changes": reverse("tracker:feed-changes"),
        "feed events": reverse("tracker:feed-events"),
        "feed figures": reverse("tracker:feed-indicator-figures", args=[indicator.slug]),
        "API clauses": "/api/v1/clauses/",
        "API positions": "/api/v1/positions/",
        "API figures": "/api/v1/figures/",
        "dataset zip": reverse("tracker:dataset-zip"),
    }
    return {name: url for name, url in pages.items() if url}


def url_mix(count=400):
    """Readers' URLs: pages of every kind, filters, pages of lists, API lists, spread over the data."""
    every = max(1, Clause.objects.count() // 120)
    clauses = list(Clause.objects.published().order_by("pk").values_list("pk", flat=True))[::every]
    mix = []
    for clause in Clause.objects.filter(pk__in=clauses).select_related("version__plan")[:120]:
        mix.append(clause.get_absolute_url())
    for version in PlanVersion.objects.published().select_related("plan").order_by("pk")[:60]:
        mix.append(version.get_absolute_url())
    for party in Party.objects.order_by("pk"):
        mix.append(reverse("tracker:party-detail", args=[party.slug]))
    for indicator in Indicator.objects.order_by("pk")[:40]:
        mix.append(reverse("tracker:indicator-detail", args=[indicator.slug]))
    for source in Source.objects.order_by("pk")[:40]:
        mix.append(reverse("tracker:source-detail", args=[source.key]))
    for page in range(1, 21):
        mix.append(reverse("tracker:timeline") + f"?page={page}")
        mix.append(reverse("tracker:source-list") + f"?page={page}")
        mix.append(f"/api/v1/clauses/?page={page}")
        mix.append(f"/api/v1/positions/?page={page}")
    for party in Party.objects.order_by("pk"):
        mix.append(reverse("tracker:timeline") + f"?party={party.slug}")
        mix.append(f"/api/v1/positions/?party={party.slug}&latest=true")
    mix += [u for name, u in named_urls().items() if not name.startswith(("CSV", "dataset"))]
    return list(dict.fromkeys(mix))[:count]


def _time(client, url):
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        size = len(b"".join(response.streaming_content) if response.streaming else response.content)
        elapsed = time.perf_counter() - started
    return response.status_code, elapsed * 1000, len(queries), size


def misses():
    settings.PAGE_CACHE_SECONDS = 0
    settings.DEBUG = False
    client = Client()
    results = {}
    for name, url in named_urls().items():
        if name == "dataset zip":
            continue
        settings.EXPORTS_STORED = False  # the view itself, as on a miss of the stored file's build
        runs = [_time(client, url) for _ in range(SAMPLES)]
        status, _, queries, size = runs[-1]
        results[name] = {
            "url": url,
            "status": status,
            "ms": statistics.median(run[1] for run in runs),
            "queries": queries,
            "kb": round(size / 1024),
        }
    settings.EXPORTS_STORED = True
    factory = exports._factory_like(RequestFactory().get("/", HTTP_HOST="127.0.0.1"))
    built = {}
    for name in sorted(exports.REGISTRY):
        started = time.perf_counter()
        exports.build(name, factory)
        built[name] = (time.perf_counter() - started) * 1000
    registered = exports.REGISTRY.values()
    stored_urls = {reverse(url_name) + (f"?{query}" if query else "") for _, url_name, query in registered}
    served = {}
    for name, url in named_urls().items():
        if url in stored_urls:
            runs = [_time(client, url) for _ in range(SAMPLES)]
            median = statistics.median(run[1] for run in runs)
            served[name] = {"url": url, "ms": median, "kb": round(runs[-1][3] / 1024)}
    return {"misses": results, "exports_built_ms": built, "exports_served": served}


def edit(seconds, interval):
    """Save something every ``interval`` seconds, as an editor would in the admin (signals, history)."""
    kinds = itertools.cycle(
        [
            (Position, "quote"),
            (Clause, "summary"),
            (Source, "title"),
            (Figure, "caveat"),
            (Event, "description"),
        ]
    )
    saves = 0
    rows = {model: list(model.objects.order_by("pk").values_list("pk", flat=True)[:500]) for model, _ in
            [(Position, 0), (Clause, 0), (Source, 0), (Figure, 0), (Event, 0)]}  # fmt: skip
    # Loaded and ready: bench/storm.py says when the storm starts.
    print("ready", flush=True)
    if not sys.stdin.readline():
        return {"saves": 0}  # the benchmark stopped before the storm
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        model, field = next(kinds)
        obj = model.objects.get(pk=rows[model][saves % len(rows[model])])
        setattr(obj, field, (getattr(obj, field) or "")[:150] + " ·")
        obj._change_reason = "Edit storm benchmark"
        obj.save()
        saves += 1
        time.sleep(max(0.0, min(interval, deadline - time.monotonic())))
    return {"saves": saves}


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "urls":
        print(json.dumps({"mix": url_mix(), "named": named_urls()}))
    elif command == "misses":
        print(json.dumps(misses()))
    elif command == "edit":
        print(json.dumps(edit(float(sys.argv[2]), float(sys.argv[3]))))
