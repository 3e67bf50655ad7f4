"""The convergence and flags pages, their CSVs and API at scale: server time on a cold cache.

Run alone with `BENCH_ONLY=checks make bench`. On a fresh PostgreSQL database (the shipped dataset plus
`generate_synthetic --scale BENCH_CHECKS_SCALE`, default 100) with the page cache on Redis (BENCH_REDIS_URL),
each URL is requested in-process (Django's test client, body read to the end):

- cold: Redis emptied before each request (no cached page, no cached data stamp, nothing);
- miss: the page's own cache entry absent (the page cache off), what the whole site shares kept warm.

Median of BENCH_CHECKS_SAMPLES runs each, with the process CPU time beside the wall time: the machine may be
shared, and the load average is written with the figures. Writes its section of BENCHMARKS.md (between the
checks markers, replacing an earlier one) and bench/out/checks.json. `bench/checks.py measure` is the
in-process part, against the database in DATABASE_URL. With BENCH_CHECKS_KEEP=1 the database is kept, and a
later run with it measures the kept one again (after migrating it) instead of generating it anew.
"""

import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # noqa: E402

SCALE = int(os.environ.get("BENCH_CHECKS_SCALE", "100"))
SAMPLES = int(os.environ.get("BENCH_CHECKS_SAMPLES", "5"))
# BENCH_CHECKS_KEEP=1 keeps the generated database after the run and measures an earlier kept one again
# instead of building it anew (generating scale 100 takes minutes): for measuring change after change.
KEEP = os.environ.get("BENCH_CHECKS_KEEP") == "1"
TARGET_MS = 300
START, END = "<!-- convergence and flags: start -->", "<!-- convergence and flags: end -->"

URLS = {
    "convergence page": "/convergence/",
    "convergence page, one version, as of 1 Dec 2025": "/convergence/?version=synthetic-plan-0/v2&as_of=2025-12-01",
    "convergence CSV (every point)": "/convergence/?format=csv",
    "convergence API (first page)": "/api/v1/convergence/",
    "flags page": "/flags/",
    "flags page, one rule": "/flags/?rule=far-from-official",
    "flags CSV (every flag)": "/flags/?format=csv",
    "flags API (first page)": "/api/v1/flags/",
}


def measure():
    """In-process: each URL cold and on a page-cache miss; prints JSON."""
    sys.path.insert(0, str(bench.ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tracker.models import PlanVersion

    settings.DEBUG = False
    client = Client()
    # The URL of one synthetic version, whatever its slug.
    version = PlanVersion.objects.filter(plan__slug="synthetic-plan-0").order_by("released_on", "pk")[1]
    urls = {
        name: url.replace("synthetic-plan-0/v2", f"{version.plan.slug}/{version.slug}") for name, url in URLS.items()
    }

    def once(url):
        with CaptureQueriesContext(connection) as queries:
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        return response.status_code, wall * 1000, cpu * 1000, len(queries), len(body)

    results = {}
    for name, url in urls.items():
        cold, miss = [], []
        settings.PAGE_CACHE_SECONDS = 600
        for _ in range(SAMPLES):
            cache.clear()
            cold.append(once(url))
        settings.PAGE_CACHE_SECONDS = 0
        once(url)  # the shared stamp back in the cache
        for _ in range(SAMPLES):
            miss.append(once(url))
        results[name] = {
            "url": url,
            "status": miss[-1][0],
            "queries": miss[-1][3],
            "kb": round(miss[-1][4] / 1024),
            "cold_ms": statistics.median(run[1] for run in cold),
            "cold_cpu_ms": statistics.median(run[2] for run in cold),
            "miss_ms": statistics.median(run[1] for run in miss),
            "miss_cpu_ms": statistics.median(run[2] for run in miss),
            "miss_min_ms": min(run[1] for run in miss),
            "load": os.getloadavg()[0],
        }
    print(json.dumps(results))


def render(state):
    lines = [
        f"## The convergence and flags pages at scale {state['scale']}",
        "",
        f"Written by `BENCH_ONLY=checks make bench` (`bench/checks.py`) at commit {state['machine']['commit']}, "
        f"{state['started'][:16]}–{state['finished'][11:16]} UTC, on PostgreSQL with the shipped dataset plus "
        f"`generate_synthetic --scale {state['scale']}` ({state['figures']} figures, {state['points']} points), "
        f"the page cache on Redis; in-process (Django's test client), median of {state['samples']} requests. "
        "*Cold*: Redis emptied before each request; *miss*: the page's own entry absent, the data stamp every page "
        "shares kept warm. CPU is the server process's own time; the rest of the wall time is PostgreSQL and "
        f"waiting for a core. **The machine is shared** ({state['machine']['nproc']} cores): load average "
        f"{state['load_before'][0]:.1f} before, {state['load_after'][0]:.1f} after.",
        "",
        f"| URL | queries | KB | cold ms (CPU) | miss ms (CPU) | fastest miss | load | under {TARGET_MS} ms |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, row in state["results"].items():
        ok = "yes" if row["miss_ms"] < TARGET_MS else "**no**"
        lines.append(
            f"| {name} (`{row['url']}`) | {row['queries']} | {row['kb']} | {row['cold_ms']:.0f} "
            f"({row['cold_cpu_ms']:.0f}) | {row['miss_ms']:.0f} ({row['miss_cpu_ms']:.0f}) | "
            f"{row['miss_min_ms']:.0f} | {row['load']:.1f} | {ok} |"
        )
    return "\n".join(lines)


def write_section(section):
    bench.write_section(START, END, section)
    bench.log("wrote the convergence and flags section of BENCHMARKS.md")


def kept_database():
    """The URL of the database an earlier run kept, if it holds the generated data; else None."""
    import psycopg

    name = f"{bench.DB_PREFIX}_s{SCALE}"
    url = f"{bench.PG_URL}/{name}"
    with psycopg.connect(f"{bench.PG_URL}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return None
    try:
        with psycopg.connect(url) as conn:
            generated = conn.execute("SELECT count(*) FROM tracker_plan WHERE slug LIKE 'synthetic-plan-%%'")
            return url if generated.fetchone()[0] >= SCALE else None
    except psycopg.Error:
        return None


def counts(env):
    code = (
        "import django, json; django.setup(); from tracker.models import Clause, Figure; "
        "print(json.dumps([Figure.objects.count(), Clause.objects.count()]))"
    )
    env = {**env, "DJANGO_SETTINGS_MODULE": "tracker.settings"}
    out = subprocess.run([bench.PYTHON, "-c", code], cwd=bench.ROOT, env=env, capture_output=True, text=True)
    return json.loads(out.stdout)


def main():
    bench.OUT.mkdir(parents=True, exist_ok=True)
    bench.ensure_services()
    started = datetime.datetime.now(datetime.UTC)
    load_before = os.getloadavg()
    bench.log(f"convergence and flags: postgresql, scale {SCALE}: building the database")
    kept = KEEP and kept_database()
    env = bench.base_env(kept or bench.fresh_database("postgresql", SCALE))
    redis_env = {**env, "REDIS_URL": bench.REDIS_URL}
    try:
        bench.manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        bench.manage(env, "migrate", "--noinput", "--verbosity", "0")
        if kept:
            bench.log("  measuring the database kept from an earlier run (BENCH_CHECKS_KEEP=1)")
        else:
            bench.manage(env, "load_dataset", "--if-empty")
            bench.manage(redis_env, "generate_synthetic", "--scale", str(SCALE), "--seed", str(bench.SEED))
        bench.vacuum_analyze(env["DATABASE_URL"])
        figures, points = counts(env)
        bench.log("  cold and page-cache-miss times, in-process")
        measured = subprocess.run(
            [bench.PYTHON, "bench/checks.py", "measure"],
            cwd=bench.ROOT,
            env=redis_env,
            capture_output=True,
            text=True,
            check=True,
        )
        results = json.loads(measured.stdout)
    finally:
        if not KEEP:
            bench.drop_database("postgresql", SCALE)
    state = {
        "scale": SCALE,
        "samples": SAMPLES,
        "figures": figures,
        "points": points,
        "started": started.isoformat(),
        "finished": datetime.datetime.now(datetime.UTC).isoformat(),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "machine": bench.machine(),
        "results": results,
    }
    (bench.OUT / "checks.json").write_text(json.dumps(state, indent=1, default=str))
    write_section(render(state))


if __name__ == "__main__":
    if sys.argv[1:] == ["measure"]:
        measure()
    else:
        main()
