"""The benchmark behind `make bench`: writes BENCHMARKS.md.

For SQLite and PostgreSQL at each scale it builds a fresh database with generate_synthetic, then
1. measures queries and server time per request in-process (bench/measure.py, Django's test client);
2. serves the site with gunicorn (2 workers, gunicorn.conf.py) and runs wrk on every page, on the
   trivial /healthz view and on a static file, once with the page cache off and once with it on
   (Redis), sampling each worker's peak RSS from /proc;
3. at the largest scale on PostgreSQL: a 60 s load run at 64 connections over the page mix, and a
   pyinstrument profile of every page that misses a target.

Then the edit-storm run and the cache misses of every page, CSV and feed (bench/storm.py); BENCH_ONLY=storm
runs only that part. BENCH_ONLY=checks runs only the convergence and flags pages' cold-cache times
(bench/checks.py).

Environment: BENCH_QUICK=1 (scales 1 and 10, short runs), BENCH_SCALES, BENCH_WRK_SECONDS,
BENCH_LOAD_SECONDS, BENCH_PORT, BENCH_PG_URL (server, no database), BENCH_DB_PREFIX, BENCH_REDIS_URL.
"""

import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable
BIN = Path(sys.executable).parent

QUICK = os.environ.get("BENCH_QUICK") == "1"
SCALES = [int(s) for s in os.environ.get("BENCH_SCALES", "1 10" if QUICK else "1 10 100").split()]
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "2" if QUICK else "5"))
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "10" if QUICK else "60"))
SAMPLES = 10 if QUICK else 30
# The reference each page's ratio is taken against runs this long just before the page.
ADJACENT_SECONDS = max(2, WRK_SECONDS - 2)
PORT = int(os.environ.get("BENCH_PORT", "8106"))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "tracker_perf_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
SEED = 2025
SECRET = "bench-only-secret-key-" + "x7Qp2" * 8

TARGETS = {"uncached_vs_trivial": 0.40, "cached_vs_static": 0.80, "p95_ms": 100, "worker_mb": 150}


def write_section(start, end, section):
    """Writes a section of BENCHMARKS.md between its two markers, replacing the previous one, or appends it."""
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    block = f"{start}\n{section}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def base_env(database_url, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_")) and k != "REDIS_URL"}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_CONN_MAX_AGE="60",
        # wrk is one client hammering one address: the API's per-reader limit would answer 429 to it.
        API_ANON_THROTTLE_RATE="1000000000/second",
    )
    env.update(extra)
    return env


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def fresh_database(backend, scale):
    if backend == "sqlite":
        path = OUT / f"bench-s{scale}.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    name = f"{DB_PREFIX}_s{scale}"
    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_URL}/{name}"


def vacuum_analyze(database_url):
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def drop_database(backend, scale):
    if backend == "sqlite":
        (OUT / f"bench-s{scale}.sqlite3").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_PREFIX}_s{scale}" WITH (FORCE)')


def is_page_rebuilder(pid):
    """The process gunicorn.conf.py starts beside the workers to rebuild stale pages: not a worker."""
    try:
        return b"rebuild_pages" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


class Gunicorn:
    """Two sync workers from gunicorn.conf.py; samples each worker's peak RSS while it runs."""

    def __init__(self, env, cached):
        extra = {"GUNICORN_BIND": f"127.0.0.1:{PORT}", "WEB_CONCURRENCY": "2", "GUNICORN_MAX_REQUESTS": "0"}
        if cached:
            extra.update(REDIS_URL=REDIS_URL, DJANGO_PAGE_CACHE_SECONDS="600")
        else:
            extra.update(DJANGO_PAGE_CACHE_SECONDS="0")
        self.env = {**env, **extra}
        self.peak_kb = 0
        self.log = open(OUT / "gunicorn.log", "a")

    def __enter__(self):
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1).read()
                break
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"gunicorn exited early; see {OUT / 'gunicorn.log'}") from None
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not answer within 30 s")
        self.stop = threading.Event()
        self.sampler = threading.Thread(target=self._sample, daemon=True)
        self.sampler.start()
        return self

    def workers(self):
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children if not is_page_rebuilder(pid)]

    def _sample(self):
        while not self.stop.is_set():
            for pid in self.workers():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                match = re.search(r"VmHWM:\s+(\d+) kB", status)
                if match:
                    self.peak_kb = max(self.peak_kb, int(match.group(1)))
            self.stop.wait(0.25)

    def __exit__(self, *exc):
        self.stop.set()
        self.sampler.join()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def fetch(path):
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}", timeout=30) as response:
        response.read()
        return response.status, response.headers.get("X-Page-Cache")


def wrk(path, seconds, connections=16, script=None):
    # Browsers all accept gzip: WhiteNoise and the page cache then send compressed bodies.
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    command += ["-H", "Accept-Encoding: gzip"]
    if script:
        command += ["-s", str(script)]
    command.append(f"http://127.0.0.1:{PORT}{path}")
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout

    def number(pattern, default=0.0):
        match = re.search(pattern, output)
        return float(match.group(1)) if match else default

    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "rps": number(r"Requests/sec:\s+([\d.]+)"),
        "requests": int(number(r"(\d+) requests in")),
        "non_2xx": int(number(r"Non-2xx or 3xx responses: (\d+)")),
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
        "p99": (re.search(r"99%\s+(\S+)", output) or [None, "?"])[1],
        "raw": output,
    }


REFERENCES = ("trivial view (/healthz)", "static file")


def throughput(env, pages, static_url, cached):
    """Requests per second for every page, the trivial view and the static file, from one gunicorn.

    The references run before and after the pages (their mean is in the table), and the one each
    page is judged against (the trivial view uncached, the static file cached) runs again just before
    the page, for the page's ratio: the shared machine's speed moves from one minute to the next.
    """
    results = {}
    with Gunicorn(env, cached) as server:
        references = [("trivial view (/healthz)", "/healthz"), ("static file", static_url)]
        targets = references + [(p["name"], p["url"]) for p in pages if p["url"]] + references
        for name, url in targets:
            fetch(url)
            status, cache_state = fetch(url)
            adjacent = None
            if name not in REFERENCES:
                adjacent = wrk(static_url if cached else "/healthz", ADJACENT_SECONDS)["rps"]
            result = wrk(url, WRK_SECONDS)
            result["adjacent_reference"] = adjacent
            result["status"] = status
            result["cache"] = cache_state
            if name in results:
                before = results[name]
                result["runs"] = [before["rps"], result["rps"]]
                result["rps"] = (before["rps"] + result["rps"]) / 2
                result["non_2xx"] += before["non_2xx"]
                result["socket_errors"] += before["socket_errors"]
            results[name] = result
            log(f"  {'cached' if cached else 'uncached'} {name}: {result['rps']:.0f} req/s ({cache_state or '-'})")
        peak_mb = server.peak_kb / 1024
    return results, peak_mb


def load_run(env, pages, static_url):
    urls = [p["url"] for p in pages if p["url"]] + [static_url]
    script = OUT / "mix.lua"
    script.write_text(
        "-- Cycle through the page mix, one URL per request.\n"
        "local paths = {" + ", ".join(json.dumps(u) for u in urls) + "}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i])\n'
        "end\n"
    )
    with Gunicorn(env, cached=True) as server:
        for url in urls:
            fetch(url)
        result = wrk("/", LOAD_SECONDS, connections=64, script=script)
        result["peak_mb"] = server.peak_kb / 1024
    result["urls"] = urls
    result["seconds"] = LOAD_SECONDS
    return result


def profile(env, page_name, cached=False):
    command = [PYTHON, "bench/measure.py", "--profile", page_name] + (["--cached"] if cached else [])
    output = subprocess.run(
        command,
        cwd=ROOT,
        env={**env, "REDIS_URL": REDIS_URL} if cached else env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    slug = re.sub(r"[^a-z0-9]+", "-", page_name.lower()) + ("-cached" if cached else "")
    (OUT / f"profile-{slug}.txt").write_text(output)
    return output


def machine():
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    return {
        "nproc": os.cpu_count(),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "cpu": cpu,
        "python": platform.python_version(),
        "commit": commit.strip(),
    }


def ensure_services():
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (`make bench` installs Debian's wrk package).")
    import psycopg

    try:
        psycopg.connect(f"{PG_URL}/postgres", connect_timeout=3).close()
    except psycopg.OperationalError as error:
        sys.exit(f"PostgreSQL does not answer at {PG_URL}: {error}")
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        sys.exit(f"Redis does not answer at {REDIS_URL}: {error}")


def port_is_free():
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", PORT)) != 0


def save_results(runs, load, profiles, started, load_before, load_after=None):
    state = {
        "load_after": load_after,
        "runs": runs,
        "load": load,
        "profiles": profiles,
        "started": started.isoformat(),
        "load_before": load_before,
    }
    (OUT / "results.json").write_text(json.dumps(state, indent=1, default=str))


def render_saved():
    """Write the report again from bench/out/results.json, after a change to the report's layout."""
    state = json.loads((OUT / "results.json").read_text())
    started = datetime.datetime.fromisoformat(state["started"])
    finished = datetime.datetime.fromtimestamp((OUT / "results.json").stat().st_mtime, datetime.UTC)
    report = render(
        state["runs"],
        state["load"],
        state["profiles"],
        started,
        finished,
        state["load_before"],
        state.get("load_after") or os.getloadavg(),
    )
    target = OUT / "BENCHMARKS.quick.md" if QUICK else ROOT / "BENCHMARKS.md"
    target.write_text(report)
    log(f"wrote {target.relative_to(ROOT)} from the saved results")


def main():
    if "--render-only" in sys.argv:
        return render_saved()
    if os.environ.get("BENCH_ONLY") == "storm":
        import storm

        return storm.main()
    if os.environ.get("BENCH_ONLY") == "checks":
        import checks

        return checks.main()
    OUT.mkdir(parents=True, exist_ok=True)
    ensure_services()
    if not port_is_free():
        sys.exit(f"Port {PORT} is taken: set BENCH_PORT.")
    started = datetime.datetime.now(datetime.UTC)
    load_before = os.getloadavg()
    runs = []
    load = None
    profiles = {}
    collect_env = base_env(f"sqlite:///{OUT / 'collect.sqlite3'}")
    manage(collect_env, "collectstatic", "--noinput", "--verbosity", "0")
    for backend in ("sqlite", "postgresql"):
        for scale in SCALES:
            log(f"{backend}, scale {scale}: building the database")
            env = base_env(fresh_database(backend, scale))
            manage(env, "migrate", "--noinput", "--verbosity", "0")
            generated = time.time()
            # With the shared cache, as in production: the bump makes the earlier run's pages stale.
            manage({**env, "REDIS_URL": REDIS_URL}, "generate_synthetic", "--scale", str(scale), "--seed", str(SEED))
            generated = time.time() - generated
            if backend == "postgresql":
                # What autovacuum does within a minute of a bulk load: planner statistics and the
                # visibility map (index-only scans), so the run does not measure a race with it.
                vacuum_analyze(env["DATABASE_URL"])
            log(f"  generated in {generated:.1f} s; measuring in-process")
            measured = json.loads(
                subprocess.run(
                    [PYTHON, "bench/measure.py", "--samples", str(SAMPLES)],
                    cwd=ROOT,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
            )
            pages, static_url = measured["pages"], measured["static_url"]
            uncached, uncached_mb = throughput(env, pages, static_url, cached=False)
            cached, cached_mb = throughput(env, pages, static_url, cached=True)
            run = {
                "backend": backend,
                "scale": scale,
                "generate_s": round(generated, 1),
                "pages": pages,
                "reference": measured.get("reference") or {},
                "uncached": uncached,
                "cached": cached,
                "peak_mb": {"uncached": uncached_mb, "cached": cached_mb},
            }
            runs.append(run)
            if backend == "postgresql" and scale == max(SCALES):
                log(f"  load run: {LOAD_SECONDS} s at 64 connections over the page mix")
                load = load_run(env, pages, static_url)
                for page in pages:
                    if not page["url"]:
                        continue
                    uncached_miss, cached_miss = misses(run, page)
                    if uncached_miss:
                        log(f"  profiling {page['name']}, uncached")
                        profiles[f"{page['name']}, uncached"] = profile(env, page["name"])
                    if cached_miss:
                        log(f"  profiling {page['name']}, cache hits")
                        profiles[f"{page['name']}, cache hits"] = profile(env, page["name"], cached=True)
            drop_database(backend, scale)
            save_results(runs, load, profiles, started, load_before)
    load_after = os.getloadavg()
    save_results(runs, load, profiles, started, load_before, load_after)
    finished = datetime.datetime.now(datetime.UTC)
    report = render(runs, load, profiles, started, finished, load_before, load_after)
    # A quick run is a smoke test: it never replaces the committed figures.
    target = OUT / "BENCHMARKS.quick.md" if QUICK else ROOT / "BENCHMARKS.md"
    target.write_text(report)
    log(f"wrote {target.relative_to(ROOT)} in {(finished - started).seconds // 60} min")
    if not QUICK:
        import storm

        storm.main()


def of_reference(result):
    adjacent = result.get("adjacent_reference")
    return f" (of {adjacent:.0f} just before)" if adjacent else ""


def ratio(run, page_name):
    """The page's throughput uncached as a share of the trivial view's, and cached of the static file's,
    each measured just before the page (or, in results without that, their means)."""
    uncached, cached = run["uncached"].get(page_name, {}), run["cached"].get(page_name, {})
    trivial = uncached.get("adjacent_reference") or run["uncached"]["trivial view (/healthz)"]["rps"] or 1
    static = cached.get("adjacent_reference") or run["cached"]["static file"]["rps"] or 1
    return uncached.get("rps", 0) / trivial, cached.get("rps", 0) / static


def misses(run, page):
    """Whether the page misses an uncached target (throughput or server time), and the cached one."""
    vs_trivial, vs_static = ratio(run, page["name"])
    uncached = vs_trivial < TARGETS["uncached_vs_trivial"] or page["p95_ms"] >= TARGETS["p95_ms"]
    return uncached, vs_static < TARGETS["cached_vs_static"]


def render(runs, load, profiles, started, finished, load_before, load_after):
    info = machine()
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`); do not edit by hand. Data: `manage.py generate_synthetic "
        f"--scale N --seed {SEED}`, N copies of the shipped dataset's shape (per copy: 4 versions, 56 clauses, "
        "79 positions, 145 sources, 88 figures, 52 events; parties and topics shared). Pages measured are those of "
        "the first copy (plan `synthetic-plan-0`, its 28-point version, a clause with numeric targets, 28-point "
        "vs the E3 counter-proposal, the party `syn-us` whose positions span every copy, an indicator) and the "
        "API's first page of clauses.",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} to {finished:%H:%M} UTC; commit {info['commit']}",
        f"- Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']} memory; Python {info['python']}",
        f"- Load average at start {load_before[0]:.2f}, at end {load_after[0]:.2f}. "
        + (
            "**The run shared the machine** with other work (load average above 0.5 on 2 cores): absolute "
            "figures are lower than on an idle machine; the ratios compare numbers measured in the same run."
            if max(load_before[0], load_after[0]) > 0.5
            else "The machine was otherwise idle."
        ),
        f"- Server: gunicorn, 2 sync workers (`gunicorn.conf.py`), DEBUG off, WhiteNoise static files, persistent "
        f"database connections; wrk `-t2 -c16 -d{WRK_SECONDS}s` per URL on the same machine. Uncached: "
        "`DJANGO_PAGE_CACHE_SECONDS=0`; cached: the page cache on Redis.",
        "- PostgreSQL databases are vacuumed and analysed after they are generated, as autovacuum does within "
        "a minute of a bulk load.",
        f"- Server time: through Django's test client, in-process, page cache off; up to {SAMPLES} rounds of one "
        "request to each page in turn and one rendering of the reference (at least 10 rounds, within 15 s a page), "
        "so a slow minute on the shared machine weighs on every page alike.",
        "",
    ]
    missing = {p["name"]: p["missing"] for p in runs[0]["pages"] if not p["url"]}
    if missing:
        lines += ["Pages not measured:", ""] + [f"- {name}: {why}" for name, why in missing.items()] + [""]
    names = [p["name"] for p in runs[0]["pages"] if p["url"]]
    columns = [(r["backend"], r["scale"]) for r in runs]
    header = "| page | " + " | ".join(f"{'SQLite' if b == 'sqlite' else 'PostgreSQL'} ×{s}" for b, s in columns) + " |"
    rule = "|---|" + "---:|" * len(columns)
    page_of = {(r["backend"], r["scale"], p["name"]): p for r in runs for p in r["pages"]}

    lines += ["## Queries per request", "", header, rule]
    for name in names:
        lines.append(
            f"| {name} | " + " | ".join(str(page_of[(b, s, name)].get("queries", "-")) for b, s in columns) + " |"
        )
    lines += ["", "## Server time per request, median / p95 (ms)", "", header, rule]
    for name in names:
        cells = []
        for b, s in columns:
            page = page_of[(b, s, name)]
            cells.append(f"{page.get('median_ms', '-')} / {page.get('p95_ms', '-')}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")

    cells = []
    for b, s in columns:
        reference = next(r for r in runs if (r["backend"], r["scale"]) == (b, s)).get("reference") or {}
        cells.append(f"{reference.get('median_ms', '-')} / {reference.get('p95_ms', '-')}")
    lines.append(
        "| *reference: a fixed template of 100 × 10 cells rendered without the database, in the same rounds (how "
        "fast the machine was)* | " + " | ".join(cells) + " |"
    )
    lines += [
        "",
        "## Throughput with gunicorn (requests per second, and ratios from the same run)",
        "",
        "Uncached pages as a share of the trivial view (/healthz, no database); cached pages as a share of the "
        "static file (WhiteNoise), both served by the same gunicorn. Each share is taken against the reference "
        f"measured for {ADJACENT_SECONDS} s just before the page; the rows in italics are the references' means "
        "over runs before and after all the pages.",
    ]
    for run in runs:
        label = f"{'SQLite' if run['backend'] == 'sqlite' else 'PostgreSQL'}, scale {run['scale']}"
        lines += [
            "",
            f"### {label}",
            "",
            "| page | uncached req/s | vs trivial view | cached req/s | vs static file |",
            "|---|---:|---:|---:|---:|",
        ]
        for name in names:
            vs_trivial, vs_static = ratio(run, name)
            uncached, cached = run["uncached"][name], run["cached"][name]
            lines.append(
                f"| {name} | {uncached['rps']:.0f} | {vs_trivial:.0%}{of_reference(uncached)} | "
                f"{cached['rps']:.0f} | {vs_static:.0%}{of_reference(cached)} |"
            )
        for name in REFERENCES:
            before_after = " / ".join(
                f"{run[mode][name].get('runs', [0, 0])[0]:.0f}→{run[mode][name].get('runs', [0, 0])[1]:.0f}"
                for mode in ("uncached", "cached")
            )
            lines.append(
                f"| *{name}* (mean of the runs before and after the pages: {before_after}) | "
                f"{run['uncached'][name]['rps']:.0f} | | {run['cached'][name]['rps']:.0f} | |"
            )
        bad = [
            f"{mode} {name}: {res['non_2xx']} non-2xx, {res['socket_errors']} socket errors"
            for mode in ("uncached", "cached")
            for name, res in run[mode].items()
            if res["non_2xx"] or res["socket_errors"]
        ]
        lines += ["", "Errors: " + ("; ".join(bad) if bad else "none (no non-2xx responses, no socket errors).")]

    lines += [
        "",
        "## Peak memory per worker (VmHWM from /proc, MB)",
        "",
        "| run | uncached | cached |",
        "|---|---:|---:|",
    ]
    for run in runs:
        label = f"{'SQLite' if run['backend'] == 'sqlite' else 'PostgreSQL'} ×{run['scale']}"
        lines.append(f"| {label} | {run['peak_mb']['uncached']:.0f} | {run['peak_mb']['cached']:.0f} |")

    if load:
        lines += [
            "",
            f"## Load run: wrk, {load.get('seconds', LOAD_SECONDS)} s, 64 connections, page mix, cached "
            f"(PostgreSQL ×{max(SCALES)})",
            "",
            "A Lua script cycles through: " + ", ".join(f"`{u}`" for u in load["urls"]) + ".",
            "",
            f"- {load['requests']} requests, {load['rps']:.0f} req/s, latency p99 {load['p99']}",
            f"- Non-2xx responses: {load['non_2xx']}; socket errors: {load['socket_errors']}",
            f"- Peak memory per worker: {load['peak_mb']:.0f} MB",
            "",
            "```",
            load["raw"].strip(),
            "```",
        ]

    lines += ["", "## Targets", ""] + targets_section(runs, names, page_of, columns)
    lines += ["", "## Reading the misses", ""] + reading_notes(runs, names, page_of)
    if profiles:
        lines += ["", "## Profiles of the pages that miss a target (PostgreSQL, largest scale)", ""]
        for name, text in profiles.items():
            lines += [f"### {name}", "", "```", trim_profile(text), "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def reading_notes(runs, names, page_of):
    """What the figures imply, computed from this run: the budgets behind the ratios, and unsteady references."""
    largest = max(SCALES)
    pg = next(r for r in runs if r["backend"] == "postgresql" and r["scale"] == largest)
    trivial = pg["uncached"]["trivial view (/healthz)"]["rps"]
    budget_ms = 2 * 1000 / (TARGETS["uncached_vs_trivial"] * trivial) if trivial else 0
    fastest = min(names, key=lambda n: page_of[("postgresql", largest, n)]["median_ms"])
    notes = [
        f"- Uncached pages: 40% of the trivial view's {trivial:.0f} req/s with 2 workers leaves about "
        f"{budget_ms:.1f} ms of worker time per page. The fastest page here ({fastest}) takes "
        f"{page_of[('postgresql', largest, fastest)]['median_ms']} ms in-process: no page that runs its "
        f"queries and renders a template reaches that share; only the page cache does.",
    ]
    cached = {n: ratio(pg, n)[1] for n in names}
    below = [f"{n} ({share:.0%})" for n, share in cached.items() if share < TARGETS["cached_vs_static"]]
    notes.append(
        "- Cache hits are answered before Django builds a request (`CachedPageApplication` in tracker/cache.py): "
        "one Redis round trip fetches the generation number and the stored page together, and the gzipped bytes "
        f"go out as stored. Here they reached {min(cached.values()):.0%} to {max(cached.values()):.0%} of the "
        "static file, which WhiteNoise serves through Django's middleware. "
        + (
            f"Below the target: {', '.join(below)}; the cache-hit profiles below show where the time goes."
            if below
            else "Every page met the target."
        )
    )
    smallest = min(SCALES)
    run_of = {(r["backend"], r["scale"]): r for r in runs}
    for backend in ("sqlite", "postgresql"):
        label = "SQLite" if backend == "sqlite" else "PostgreSQL"
        # How much slower the machine itself was during the larger run, from the reference rendering timed
        # in the same processes: growth beyond that is the data's.
        slower = machine_factor(run_of[(backend, smallest)], run_of[(backend, largest)])
        if slower and abs(slower - 1) > 0.25:
            notes.append(
                f"- {label}: the reference rendering took {slower:.1f}× as long at scale {largest} as at scale "
                f"{smallest}: the machine, not the data, was that much slower during the larger run, and the "
                "growth of server times below is judged after that factor."
            )
        medians = {
            n: (page_of[(backend, smallest, n)]["median_ms"], page_of[(backend, largest, n)]["median_ms"])
            for n in names
        }
        grew = [
            f"{n} ({small} → {large} ms)" for n, (small, large) in medians.items() if large > 2 * small * (slower or 1)
        ]
        if grew:
            notes.append(
                f"- {label}: median server time more than doubles from scale {smallest} to {largest} for "
                + ", ".join(grew)
                + ": the queries stay as many but read more rows as the data grows (the party measured speaks "
                "on every copy of the plan, so its positions grow with the scale)."
            )
        elif medians:
            notes.append(
                f"- {label}: no page's median server time doubles from scale {smallest} to {largest} once the "
                "machine's own speed is allowed for."
            )
    statics = sorted(r["cached"]["static file"]["rps"] for r in runs)
    typical = statics[len(statics) // 2]
    static_here = pg["cached"]["static file"]["rps"]
    if typical and static_here < 0.6 * typical:
        shares = [pg["cached"][n]["rps"] / typical for n in names]
        notes.append(
            f"- PostgreSQL ×{largest}, cached: the static file measured {static_here:.0f} req/s here against "
            f"{typical:.0f} (median over all runs), so the cached ratios of this table are flattered. Against "
            f"the median, cached pages reach {min(shares):.0%}-{max(shares):.0%} of the static file."
        )
    for run in runs:
        for mode in ("uncached", "cached"):
            for name in REFERENCES:
                before, after = run[mode][name].get("runs", [0, 0])
                if min(before, after) and max(before, after) / min(before, after) > 1.5:
                    backend = "SQLite" if run["backend"] == "sqlite" else "PostgreSQL"
                    notes.append(
                        f"- {backend} ×{run['scale']}, {mode}: the {name} measured {before:.0f} req/s before the "
                        f"pages and {after:.0f} after, so other work on the machine moved the reference during this "
                        "table; its ratios are rough."
                    )
    return notes


def reference_ms(run):
    """The reference rendering's median time in a run."""
    return (run.get("reference") or {}).get("median_ms")


def machine_factor(earlier, later):
    before, after = reference_ms(earlier), reference_ms(later)
    return after / before if before and after else None


def targets_section(runs, names, page_of, columns):
    out = []
    smallest, largest = min(SCALES), max(SCALES)
    for backend in ("sqlite", "postgresql"):
        changed = [
            f"{n} ({page_of[(backend, smallest, n)]['queries']} → {page_of[(backend, largest, n)]['queries']})"
            for n in names
            if page_of[(backend, smallest, n)]["queries"] != page_of[(backend, largest, n)]["queries"]
        ]
        verdict = "met" if not changed else "**missed**: " + ", ".join(changed)
        out.append(f"- Queries per request the same at scale {smallest} and {largest} ({backend}): {verdict}.")
    pg = next(r for r in runs if r["backend"] == "postgresql" and r["scale"] == largest)
    rows = []
    for name in names:
        vs_trivial, vs_static = ratio(pg, name)
        p95 = page_of[("postgresql", largest, name)]["p95_ms"]
        rows.append(
            f"| {name} | {share_verdict(vs_trivial, TARGETS['uncached_vs_trivial'])} | "
            f"{share_verdict(vs_static, TARGETS['cached_vs_static'])} | "
            f"{p95} ms: "
            + ("met" if p95 < TARGETS["p95_ms"] else f"**missed** by {p95 - TARGETS['p95_ms']:.0f} ms")
            + " |"
        )
    out += [
        "",
        f"PostgreSQL, scale {largest}:",
        "",
        "| page | uncached vs trivial view (target ≥ 40%) | cached vs static file (≥ 80%) | server p95 (< 100 ms) |",
        "|---|---:|---:|---:|",
        *rows,
    ]
    peak = max(max(r["peak_mb"].values()) for r in runs)
    out += ["", f"- Peak memory per worker, all runs: {peak:.0f} MB (target < 150 MB): {mark(peak < 150)}."]
    out += [
        "- Page sizes at the largest scale on PostgreSQL (uncompressed HTML): "
        + ", ".join(f"{n} {page_of[('postgresql', largest, n)]['bytes'] / 1024:.0f} KB" for n in names)
        + "; the static file is a few KB."
    ]
    return out


def share_verdict(share, target):
    if share >= target:
        return f"{share:.0%}: met"
    return f"{share:.0%}: **missed** by {(target - share) * 100:.0f} points"


def mark(ok):
    return "met" if ok else "**missed**"


def trim_profile(text, flat_lines=30, tree_lines=45):
    """The top of the flat list and the top of the call tree."""
    lines = [line for line in text.splitlines() if line.strip()]
    headers = [i for i, line in enumerate(lines) if line.lstrip().startswith("_     ._")]
    tree_start = headers[-1] if len(headers) > 1 else len(lines)
    return "\n".join(lines[: min(tree_start, flat_lines)] + ["..."] + lines[tree_start : tree_start + tree_lines])


if __name__ == "__main__":
    main()
