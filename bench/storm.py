"""The edit-storm benchmark: readers' throughput while an editor saves, and every page's cost on a cache miss.

Run by `make bench` after the rest, or alone with `BENCH_ONLY=storm make bench`. Each part on a fresh
PostgreSQL database, the shipped dataset plus `generate_synthetic`:

1. at ``--scale BENCH_STORM_MISS_SCALE`` (default 100): every page type, list CSV, feed and API list
   once on a cache miss, in-process (page cache off, body read to the end, median of
   BENCH_STORM_SAMPLES runs), the stored downloads' build times, and the time to serve each stored
   download;
2. at ``--scale BENCH_STORM_SCALE`` (default 10): gunicorn (2 workers, gunicorn.conf.py, the page
   cache on Redis) and wrk at 64 connections over ~400 public URLs (pages, filters, pages of lists,
   API lists; gzip accepted), in one run: first BENCH_STORM_SECONDS quiet, then as long again with
   an editor's save every BENCH_STORM_INTERVAL seconds (a position, a clause, a source, a figure, an
   event in turn, saved through the ORM in a process of its own, as the admin does: signals,
   history, the cache's invalidation).

For each half of part 2 it also counts what does not depend on the machine's load: the CPU seconds of the
workers, of the page rebuilder and of the database's backends, and the page cache's own counters
(DJANGO_PAGE_CACHE_STATS: rebuilds, and so rebuilds per save; stale hits; entries checked against
the tables' versions; misses built in a request).

Writes its section of BENCHMARKS.md (between the storm markers, replacing an earlier one) and
bench/out/storm.json. BENCH_STORM_MISSES=0 skips part 1 and runs the storm alone: it then prints its
figures and leaves BENCHMARKS.md as it is. BENCH_STORM_KEEP_DB=1 keeps the storm's database after the run
and uses it again when it is there (its Redis database is emptied first). BENCH_STORM_REBUILD_INTERVAL sets
the site's DJANGO_PAGE_CACHE_REBUILD_INTERVAL for the run (to compare intervals).
"""

import datetime
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # noqa: E402

SCALE = int(os.environ.get("BENCH_STORM_SCALE", "10"))
MISS_SCALE = int(os.environ.get("BENCH_STORM_MISS_SCALE", "100"))
SECONDS = int(os.environ.get("BENCH_STORM_SECONDS", "60"))
INTERVAL = float(os.environ.get("BENCH_STORM_INTERVAL", "5"))
# "0": skip part 1 (the cache misses at MISS_SCALE) and run the storm alone; the section then keeps the misses
# of the run it replaces out (they are not measured).
MISSES = os.environ.get("BENCH_STORM_MISSES", "1") != "0"
# "1": keep the storm's database after the run and use it again when it is there (quicker runs one after another).
KEEP_DB = os.environ.get("BENCH_STORM_KEEP_DB") == "1"
START, END = "<!-- edit storm: start -->", "<!-- edit storm: end -->"
TARGETS = {"ratio": 0.90, "p99_factor": 2.0, "miss_ms": 300, "zip_ms": 50}


def inprocess(env, *args):
    return json.loads(
        subprocess.run(
            [bench.PYTHON, "bench/storm_inprocess.py", *args],
            cwd=bench.ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )


def ms(value):
    """wrk's latency ('42.10ms', '1.50s', '900.00us') in milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", value or "")
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2)
    return number * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def percentile(raw, label):
    # The latency distribution's own line: "     50%   42.10ms" (a standard deviation's "71.50%" is not one).
    match = re.search(rf"^\s*{label}%\s+(\S+)", raw, re.M)
    return ms(match.group(1)) if match else None


def answers(url):
    try:
        return bench.fetch(url)[0] == 200
    except OSError:  # urllib's HTTPError for a 404 (a page past the end at a small scale)
        return False


STATS_KEY = "tracker:1:pages:stats"  # tracker.cache.STATS_KEY as the cache stores it (KEY_PREFIX "tracker")
TICKS = os.sysconf("SC_CLK_TCK")


def _ticks(pid):
    """CPU time (user + system) the process has used so far, in clock ticks; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])


def _database_backends(database):
    """PostgreSQL's backend processes serving this database (its ps title names it)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if title.startswith("postgres:") and f" {database} " in title:
                pids.append(int(entry.name))
    return pids


class Accounting:
    """Per phase: the CPU seconds of the workers, the page rebuilder, the editor's process (its saves: signals,
    history, invalidation) and the database's backends (its own one too; sampled
    every half second, so a process that exits meanwhile keeps what it had used), and the page cache's
    counters (tracker.cache.count) over the phase."""

    def __init__(self, server, database, editor=None):
        import redis

        self.server, self.database, self.editor = server, database, editor
        self.redis = redis.Redis.from_url(bench.REDIS_URL)

    def _groups(self):
        groups = {"workers": [], "rebuilder": [], "postgres": _database_backends(self.database)}
        if self.editor:
            groups["editor"] = [self.editor]
        for pid in self.server.workers():
            groups["workers"].append(pid)
        try:
            children = Path(f"/proc/{self.server.process.pid}/task/{self.server.process.pid}/children").read_text()
        except OSError:
            children = ""
        groups["rebuilder"] = [int(pid) for pid in children.split() if bench.is_page_rebuilder(pid)]
        return groups

    def _sample(self):
        for group, pids in self._groups().items():
            for pid in pids:
                ticks = _ticks(pid)
                if ticks is not None:
                    self.first.setdefault((group, pid), ticks if self.started_with(group, pid) else 0)
                    self.last[(group, pid)] = ticks

    def started_with(self, group, pid):
        return (group, pid) in self.initial

    def __enter__(self):
        self.redis.delete(STATS_KEY)
        self.first, self.last = {}, {}
        self.initial = {(group, pid) for group, pids in self._groups().items() for pid in pids}
        self._sample()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.load = os.getloadavg()[0]
        return self

    def _run(self):
        while not self.stop.wait(0.5):
            self._sample()

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self._sample()
        cpu = {}
        for (group, pid), ticks in self.last.items():
            cpu[group] = cpu.get(group, 0) + (ticks - self.first[(group, pid)]) / TICKS
        stats = {k.decode(): int(v) for k, v in self.redis.hgetall(STATS_KEY).items()}
        self.result = {
            "cpu_s": {group: round(seconds, 1) for group, seconds in sorted(cpu.items())},
            "counters": {k: v for k, v in sorted(stats.items()) if ":" not in k},
            "per_process": {k: v for k, v in sorted(stats.items()) if k.startswith("pid:")},
            "rebuilt_urls": dict(
                sorted(
                    ((k, v) for k, v in stats.items() if k.startswith(("rebuilt:", "built:"))), key=lambda kv: -kv[1]
                )
            ),
            "load_before": self.load,
            "load_after": os.getloadavg()[0],
        }


def storm_run(env, mix):
    script = bench.OUT / "storm.lua"
    with bench.Gunicorn(env, cached=True):
        # Only URLs that answer 200: an error in the run must be the site's, not the mix's.
        mix = [url for url in mix if answers(url)]
    script.write_text(
        "-- Cycle through the readers' URL mix, one URL per request.\n"
        "local paths = {" + ", ".join(json.dumps(u) for u in mix) + "}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i])\n'
        "end\n"
    )
    results = {}
    # The page cache counts its work (tracker.cache.count): rebuilds per save, stale hits, full checks.
    served = {**env, "DJANGO_PAGE_CACHE_STATS": "1"}
    if os.environ.get("BENCH_STORM_REBUILD_INTERVAL"):
        served["DJANGO_PAGE_CACHE_REBUILD_INTERVAL"] = os.environ["BENCH_STORM_REBUILD_INTERVAL"]
    with bench.Gunicorn(served, cached=True) as server:
        # The editor's process loads Django now and waits: its start-up is no part of either half.
        editor = subprocess.Popen(
            [bench.PYTHON, "bench/storm_inprocess.py", "edit", str(SECONDS), str(INTERVAL)],
            cwd=bench.ROOT,
            env={**env, "REDIS_URL": bench.REDIS_URL},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if editor.stdout.readline().strip() != "ready":
            raise RuntimeError("the editor's process did not start")
        bench.log(f"  warming the cache with {len(mix)} URLs")
        for url in mix:
            bench.fetch(url)
        results["urls"] = len(mix)
        database = env["DATABASE_URL"].rsplit("/", 1)[1]
        bench.log(f"  quiet: {SECONDS} s at 64 connections")
        with Accounting(server, database) as quiet:
            results["quiet"] = bench.wrk("/", SECONDS, connections=64, script=script)
        results["quiet"]["accounting"] = quiet.result
        bench.log(f"  edit storm: {SECONDS} s at 64 connections, a save every {INTERVAL:g} s")
        with Accounting(server, database, editor=editor.pid) as storm:
            editor.stdin.write("go\n")
            editor.stdin.flush()
            results["storm"] = bench.wrk("/", SECONDS, connections=64, script=script)
            results["saves"] = json.loads(editor.communicate(timeout=SECONDS + 60)[0])["saves"]
        results["storm"]["accounting"] = storm.result
        results["peak_mb"] = server.peak_kb / 1024
    for run in ("quiet", "storm"):
        raw = results[run]["raw"]
        results[run]["p50_ms"] = percentile(raw, 50)
        results[run]["p99_ms"] = percentile(raw, 99)
        results[run]["errors"] = results[run]["non_2xx"] + results[run]["socket_errors"]
    return results


def _database(scale):
    env = bench.base_env(bench.fresh_database("postgresql", scale))
    bench.manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    bench.manage(env, "migrate", "--noinput", "--verbosity", "0")
    bench.manage(env, "load_dataset", "--if-empty")
    redis_env = {**env, "REDIS_URL": bench.REDIS_URL}
    bench.manage(redis_env, "generate_synthetic", "--scale", str(scale), "--seed", str(bench.SEED))
    bench.vacuum_analyze(env["DATABASE_URL"])
    return env


def _database_exists(scale):
    import psycopg

    with psycopg.connect(f"{bench.PG_URL}/postgres", autocommit=True) as conn:
        name = f"{bench.DB_PREFIX}_s{scale}"
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def main():
    bench.OUT.mkdir(parents=True, exist_ok=True)
    bench.ensure_services()
    if not bench.port_is_free():
        sys.exit(f"Port {bench.PORT} is taken: set BENCH_PORT.")
    started = datetime.datetime.now(datetime.UTC)
    load_before = os.getloadavg()
    export_dir = bench.OUT / "exports"
    measured = {}
    if MISSES:
        bench.log(f"cache misses: postgresql, scale {MISS_SCALE}: building the database")
        env = _database(MISS_SCALE)
        try:
            env["DJANGO_EXPORT_DIR"] = str(export_dir)
            bench.log("  cache-miss times of every page, CSV and feed, in-process")
            measured = inprocess(env, "misses")
        finally:
            bench.drop_database("postgresql", MISS_SCALE)
    if KEEP_DB and _database_exists(SCALE):
        bench.log(f"edit storm: postgresql, scale {SCALE}: the kept database")
        env = bench.base_env(f"{bench.PG_URL}/{bench.DB_PREFIX}_s{SCALE}")
        bench.manage(env, "migrate", "--noinput", "--verbosity", "0")  # the code may have moved on since
        import redis

        redis.Redis.from_url(bench.REDIS_URL).flushdb()  # no entry of the last run is served in this one
    else:
        bench.log(f"edit storm: postgresql, scale {SCALE}: building the database")
        env = _database(SCALE)
    try:
        env["DJANGO_EXPORT_DIR"] = str(export_dir)
        urls = inprocess(env, "urls")
        storm = storm_run(env, urls["mix"])
    finally:
        if not KEEP_DB:
            bench.drop_database("postgresql", SCALE)
    finished = datetime.datetime.now(datetime.UTC)
    state = {
        "scale": SCALE,
        "miss_scale": MISS_SCALE,
        "seconds": SECONDS,
        "interval": INTERVAL,
        "started": started.isoformat(),
        "finished": finished.isoformat(),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "machine": bench.machine(),
        "urls": storm["urls"],
        **measured,
        "storm": {
            run: {k: v for k, v in value.items() if k != "raw"} if isinstance(value, dict) else value
            for run, value in storm.items()
        },  # fmt: skip
    }
    (bench.OUT / "storm.json").write_text(json.dumps(state, indent=1, default=str))
    if not MISSES:
        # Half a section: print the storm's figures, leave BENCHMARKS.md as it is.
        print(json.dumps(summary(state), indent=1))
        return
    state["previous"] = previous_section()
    (bench.OUT / "storm.json").write_text(json.dumps(state, indent=1, default=str))
    write_section(render(state))


def accounting_lines(state):
    """Where the CPU went in each half, and the page cache's work: figures the machine's load does not move."""
    lines = []
    saves = state["storm"]["saves"] or 1
    for name in ("quiet", "storm"):
        accounting = state["storm"][name].get("accounting")
        if not accounting:
            continue
        cpu, counters = accounting["cpu_s"], accounting["counters"]
        rebuilt = counters.get("rebuilt", 0)
        editor = f", {cpu['editor']:.1f} s in the editor's process" if "editor" in cpu else ""
        per_save = f" ({rebuilt / saves:.1f} per save)" if name == "storm" else ""
        lines.append(
            f"- {'edit storm' if name == 'storm' else name}: CPU {cpu.get('workers', 0):.1f} s in the workers, "
            f"{cpu.get('rebuilder', 0):.1f} s in the rebuilder, {cpu.get('postgres', 0):.1f} s in PostgreSQL{editor}; "
            f"{rebuilt} pages rebuilt{per_save}, {counters.get('stale_hit', 0)} stale hits, "
            f"{counters.get('full_check', 0)} entries checked against the tables' versions, "
            f"{counters.get('built_on_miss', 0)} misses built in a request"
        )
    return lines


def summary(state):
    """The storm's figures in short: throughput kept, p50 and p99 of both runs, and where the CPU went."""
    quiet, storm = state["storm"]["quiet"], state["storm"]["storm"]
    return {
        "ratio": round(storm["rps"] / quiet["rps"], 3) if quiet["rps"] else None,
        "p99_factor": round(storm["p99_ms"] / quiet["p99_ms"], 2) if quiet["p99_ms"] and storm["p99_ms"] else None,
        "saves": state["storm"]["saves"],
        **{
            name: {
                "rps": round(run["rps"]),
                "p50_ms": run["p50_ms"],
                "p99_ms": run["p99_ms"],
                "errors": run["errors"],
                **{k: v for k, v in run["accounting"].items() if k not in ("rebuilt_urls", "per_process")},
                "rebuilt_urls": dict(list(run["accounting"]["rebuilt_urls"].items())[:15]),
            }
            for name, run in (("quiet", quiet), ("storm", storm))
        },
    }


def previous_section():
    """The figures of the section this run replaces, to show beside the new ones: the storm's rows as they
    were written, each named page's miss time, and the line saying when and where they were measured."""
    path = bench.ROOT / "BENCHMARKS.md"
    text = path.read_text() if path.exists() else ""
    if START not in text or END not in text:
        return {}
    section = text[text.index(START) : text.index(END)]
    runs = dict(re.findall(r"^\| (quiet|edit storm) \| (.+)$", section, re.M))
    misses = dict(re.findall(r"^\| ([^|*]+?) \| `[^`]*` \| (\d+) \|", section, re.M))
    written = re.search(r"^Written by .*?(at commit \w+, [^,]+ UTC)", section, re.M)
    load = re.search(r"load average ([\d.]+) before, ([\d.]+) after", section)
    scale = re.search(r"^## Edit storm.*?(\d+)", section, re.M)
    return {
        "runs": runs,
        "misses": misses,
        "written": (written.group(1) if written else "")
        + (f", scale {scale.group(1)}" if scale else "")
        + (f", load average {load.group(1)} before and {load.group(2)} after" if load else ""),
    }


def write_section(section):
    bench.write_section(START, END, section)
    bench.log("wrote the edit-storm section of BENCHMARKS.md")


def mark(ok):
    return "yes" if ok else "**no**"


def render(state):
    storm, quiet = state["storm"]["storm"], state["storm"]["quiet"]
    ratio = storm["rps"] / quiet["rps"] if quiet["rps"] else 0
    p99_factor = storm["p99_ms"] / quiet["p99_ms"] if quiet["p99_ms"] and storm["p99_ms"] else None
    lines = [
        f"## Edit storm at scale {state['scale']}, cache misses at scale {state['miss_scale']}",
        "",
        f"Written by `BENCH_ONLY=storm make bench` (`bench/storm.py`) at commit {state['machine']['commit']}, "
        f"{state['started'][:16]}–{state['finished'][11:16]} UTC, on PostgreSQL with the shipped dataset plus "
        f"`generate_synthetic --scale {state['scale']}` (the storm) and `--scale {state['miss_scale']}` (the "
        f"cache misses); {state['machine']['nproc']} cores "
        f"({state['machine']['cpu']}). "
        "**The machine is shared with other engineers' test runs**: load average "
        f"{state['load_before'][0]:.1f} before, {state['load_after'][0]:.1f} after (2 cores), so every figure "
        "below is slower and noisier than on a machine of its own.",
        "",
        f"### Edit storm: {state['urls']} public URLs, wrk at 64 connections, gunicorn with 2 workers, page cache on "
        "Redis",
        "",
        f"The same URL mix for {state['seconds']} s quiet, then {state['seconds']} s with an editor's save every "
        f"{state['interval']:g} s ({state['storm']['saves']} saves: a position, a clause, a source, a figure, an "
        "event in turn), in one run against one gunicorn.",
        "",
        "| run | req/s | p50 | p99 | errors |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, run in (("quiet", quiet), ("edit storm", storm)):
        lines.append(
            f"| {name} | {run['rps']:.0f} | {run['p50_ms']:.1f} ms | {run['p99_ms']:.1f} ms | {run['errors']} |"
        )
    previous = state.get("previous") or {}
    for name, row in previous.get("runs", {}).items():
        lines.append(f"| *previous run: {name}* | {row}")
    if previous.get("runs"):
        lines += ["", f"*Previous run:* {previous['written']}"]
    lines += [
        "",
        f"- throughput kept: **{ratio:.0%}** of quiet (target at least {TARGETS['ratio']:.0%}: "
        f"{mark(ratio >= TARGETS['ratio'])})",
        f"- p99 under the storm: **{p99_factor:.2f}x** quiet (target at most {TARGETS['p99_factor']:g}x: "
        f"{mark(p99_factor is not None and p99_factor <= TARGETS['p99_factor'])})"
        if p99_factor
        else "- p99: not measured",
        f"- errors: {quiet['errors'] + storm['errors']} (target 0: {mark(quiet['errors'] + storm['errors'] == 0)})",
        f"- peak worker memory: {state['storm']['peak_mb']:.0f} MB",
        *accounting_lines(state),
        "",
        f"### Cache misses at scale {state['miss_scale']} (server time, in-process, page cache off, median of "
        f"{os.environ.get('BENCH_STORM_SAMPLES', '3')})",
        "",
        "Each answer read to its last byte (CSV and feeds too). The whole-list CSVs and the dataset zip are "
        "served as stored files (next table); the times here are their views building them.",
        "",
        "| page | URL | ms | previous run, ms | queries | KB | under 300 ms |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    before = previous.get("misses", {})
    for name, miss in state["misses"].items():
        lines.append(
            f"| {name} | `{miss['url']}` | {miss['ms']:.0f} | {before.get(name, '')} | {miss['queries']} | "
            f"{miss['kb']} | "
            f"{mark(miss['ms'] < TARGETS['miss_ms'])} |"
        )
    lines += [
        "",
        "### Stored downloads",
        "",
        "| download | built in (off the request) | served in | KB | target |",
        "|---|---:|---:|---:|---|",
    ]
    built = state["exports_built_ms"]
    by_file = {
        "dataset zip": "tracker-dataset.zip",
        "CSV timeline": "timeline.csv",
        "CSV timeline, changes": "timeline-changes.csv",
        "CSV plans": "plans.csv",
        "CSV parties": "parties.csv",
        "CSV indicators": "indicators.csv",
        "CSV sources": "sources.csv",
    }
    for name, served in state["exports_served"].items():
        target = TARGETS["zip_ms"] if name == "dataset zip" else TARGETS["miss_ms"]
        file_name = by_file.get(name, "")
        lines.append(
            f"| {name} | {built.get(file_name, 0) / 1000:.1f} s | {served['ms']:.0f} ms | {served['kb']} | "
            f"under {target} ms: {mark(served['ms'] < target)} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
