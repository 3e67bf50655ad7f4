"""The fault run behind `make faults`: the production stack under a read mix, while things break.

It starts everything it needs and stops it afterwards, touching no shared service:
- a throwaway PostgreSQL cluster (initdb, trust, run as the postgres user) and a redis-server (snapshots
  on, as a Redis restarted from its dump is the hardest case for stale pages), each on a free port;
- the shipped dataset, then `deploy/serve-proxy.sh` (nginx in front of gunicorn with 2 sync workers);
- wrk on ~400 URLs (every page, API and feed the dataset has; page cache on), a prober asking one uncached
  page and one cached page every 0.1 s, and an editor saving a version's name through the models (the path
  the admin's form takes) every 0.5 s while each fault lasts.

Phases, each FAULT_HOLD seconds of load while the fault lasts, then FAULT_AFTER seconds once it is over: a
baseline, 50 slow clients holding connections to nginx and a baseline again (warm cache, no edits); a
baseline with the editor saving; Redis stopped (shut down with a snapshot, restarted from it); Redis hung
(SIGSTOP, SIGCONT); PostgreSQL stopped and started; a worker killed (SIGKILL); and, for comparison, 4 slow
clients against gunicorn alone. For each: requests,
errors (non-2xx and socket errors), p50 and p99, throughput against the baseline, the prober's failures,
seconds from the service's return to the first good uncached page and to the first cache hit, and stale
pages: pages that, once the fault is over, still show a version name older than the editor's last save.

Appends its results to BENCHMARKS.md (and bench/out/faults.json, bench/out/faults.md). Knobs: FAULT_HOLD
(seconds, 8), FAULT_AFTER (seconds, 6), FAULT_CONNECTIONS (wrk connections, 16), FAULT_WRITE=0 (leave
BENCHMARKS.md alone).
"""

import datetime
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable
HOLD = int(os.environ.get("FAULT_HOLD", "8"))
AFTER = int(os.environ.get("FAULT_AFTER", "6"))
CONNECTIONS = int(os.environ.get("FAULT_CONNECTIONS", "16"))
SECRET = "faults-only-secret-key-" + "Qw7z" * 10
TARGETS = (
    "Redis down: 0 5xx; after Redis returns: 0 stale pages; PostgreSQL: errors only while down, recovery within "
    "5 s; killed worker: at most the request it served; 50 slow clients: >= 90% of throughput"
)
# FAULT_WRITE=0: a smoke run that leaves BENCHMARKS.md alone (results in bench/out/faults.json only).
WRITE = os.environ.get("FAULT_WRITE", "1") != "0"


def log(message):
    print(f"[faults {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pg_bin():
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parts[-2]))
    if not found:
        sys.exit("PostgreSQL's server binaries are needed (Debian: apt-get install postgresql).")
    return found[-1]


def as_postgres(command):
    return subprocess.run(["su", "postgres", "-c", command], check=True, capture_output=True, text=True)


class Postgres:
    def __init__(self, workdir):
        self.dir = workdir / "pg"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/tracker"

    def start(self):
        if not self.dir.exists():
            self.dir.mkdir()
            shutil.chown(self.dir, "postgres")
            shutil.chown(self.dir.parent, "postgres")
            as_postgres(f"{pg_bin()}/initdb -D '{self.dir}/data' -A trust -U postgres >/dev/null")
        as_postgres(
            f"{pg_bin()}/pg_ctl -D '{self.dir}/data' -o '-h 127.0.0.1 -p {self.port} -k {self.dir}' "
            f"-l '{self.dir}/log' -w start >/dev/null"
        )

    def stop(self):
        as_postgres(f"{pg_bin()}/pg_ctl -D '{self.dir}/data' -m fast -w stop >/dev/null")

    def answers(self):
        return subprocess.run([f"{pg_bin()}/pg_isready", "-q", "-h", "127.0.0.1", "-p", str(self.port)]).returncode == 0


class Redis:
    def __init__(self, workdir):
        self.dir = workdir / "redis"
        self.dir.mkdir()
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/1"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.dir),
                "--save",
                "3600 1",
                "--appendonly",
                "no",
            ],
            stdout=open(self.dir / "log", "a"),
        )
        for _ in range(100):
            if self.cli("ping") == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def cli(self, *args):
        result = subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True)
        return result.stdout.strip()

    def shutdown_with_snapshot(self):
        self.cli("shutdown", "save")
        self.process.wait(timeout=10)


def env_for(pg, redis):
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_", "NGINX_")) and k != "REDIS_URL"
    }
    env.update(
        DATABASE_URL=pg.url,
        REDIS_URL=redis.url,
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_CONN_MAX_AGE="60",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # wrk is one client hammering one address: the API's per-reader limit would answer 429 to it.
        API_ANON_THROTTLE_RATE="1000000000/second",
        GUNICORN_MAX_REQUESTS="0",
        WEB_CONCURRENCY="2",
        DJANGO_SETTINGS_MODULE="tracker.settings",
    )
    return env


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


URLS_SCRIPT = r"""
import json, django
django.setup()
from django.urls import reverse
from tracker import models as m
urls = ["/", "/plans/", "/parties/", "/indicators/", "/sources/", "/timeline/", "/data/",
        "/data/tracker-dataset.zip", "/feeds/positions/", "/feeds/versions/", "/search/?q=forces"]
api = ["plans", "versions", "clauses", "topics", "parties", "actors", "positions", "indicators", "figures",
       "sources", "events"]
urls += [f"/api/v1/{name}/" for name in api]
for queryset in (m.Plan.objects.published(), m.PlanVersion.objects.published(), m.Party.objects.all(),
                 m.Actor.objects.all(), m.Indicator.objects.all(), m.Source.objects.all(),
                 m.Clause.objects.published()):
    urls += [obj.get_absolute_url() for obj in queryset]
urls += [f"/feeds/positions/party/{p.slug}/" for p in m.Party.objects.all()]
urls += [f"/api/v1/parties/{p.slug}/" for p in m.Party.objects.all()]
urls += [f"/api/v1/sources/{s.key}/" for s in m.Source.objects.all()]
version = m.PlanVersion.objects.published().order_by("pk").first()
print(json.dumps({"urls": list(dict.fromkeys(urls))[:400], "version": version.pk, "name": version.name,
                  "version_url": version.get_absolute_url(), "plan_url": version.plan.get_absolute_url()}))
"""

EDITOR_SCRIPT = r"""
import json, sys, time, django
django.setup()
from django.db import connection
from tracker.models import PlanVersion
pk, base = int(sys.argv[1]), sys.argv[2]
for line in sys.stdin:
    n = int(line)
    try:
        version = PlanVersion.objects.get(pk=pk)
        version.name = f"{base} edit {n}"
        version.save()
        print(json.dumps({"n": n, "ok": True, "t": time.time()}), flush=True)
    except Exception as error:
        connection.close()
        print(json.dumps({"n": n, "ok": False, "t": time.time(), "error": type(error).__name__}), flush=True)
"""


class Editor:
    """A process saving the version's name, one save per line written to it; remembers the last saved edit."""

    def __init__(self, env, version_pk, base):
        self.process = subprocess.Popen(
            [PYTHON, "-c", EDITOR_SCRIPT, str(version_pk), base],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.n = 0
        self.base = base
        self.last_saved = None
        self.results = []

    def save(self):
        self.n += 1
        self.process.stdin.write(f"{self.n}\n")
        self.process.stdin.flush()
        result = json.loads(self.process.stdout.readline())
        self.results.append(result)
        if result["ok"]:
            self.last_saved = result["n"]
        return result

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


def get(port, path, timeout=10):
    """(status, X-Page-Cache, body, seconds); status 0 on a connection failure."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        # The Host wrk sends: it is part of the page cache's key.
        connection.request("GET", path, headers={"Host": f"127.0.0.1:{port}", "Accept-Encoding": "identity"})
        response = connection.getresponse()
        body = response.read()
        return response.status, response.getheader("X-Page-Cache"), body, time.monotonic() - started
    except OSError:
        return 0, None, b"", time.monotonic() - started
    finally:
        connection.close()


class Prober(threading.Thread):
    """Every 0.1 s: one uncached page (a fresh query string each time) and one cached page."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.samples = []
        self.stopped = threading.Event()

    def run(self):
        n = 0
        while not self.stopped.is_set():
            n += 1
            t = time.monotonic()
            uncached = get(self.port, f"/plans/?probe={n}")
            cached = get(self.port, "/parties/")
            self.samples.append(
                {"t": t, "uncached": uncached[0], "cached": cached[0], "cache": cached[1], "uncached_s": uncached[3]}
            )
            time.sleep(max(0, 0.1 - (time.monotonic() - t)))


def wrk(port, seconds, script, connections=CONNECTIONS):
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-H",
        "Accept-Encoding: gzip",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}/",
    ]
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
        "p50": (re.search(r"^\s+50%\s+(\S+)", output, re.M) or [None, "?"])[1],
        "p99": (re.search(r"^\s+99%\s+(\S+)", output, re.M) or [None, "?"])[1],
        "raw": output,
    }


class SlowClients:
    """Connections that send a header byte every second and never finish their request."""

    def __init__(self, port, count):
        self.port, self.count = port, count
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.sockets = []
        for _ in range(self.count):
            client = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            client.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            self.sockets.append(client)
        self.thread.start()
        return self

    def _run(self):
        while not self.stopped.wait(1):
            for client in self.sockets:
                try:
                    client.sendall(b"X")
                except OSError:
                    pass

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join()
        for client in self.sockets:
            client.close()


class Stack:
    """nginx in front of gunicorn, started by deploy/serve-proxy.sh as `make serve` does."""

    def __init__(self, env, workdir):
        self.port, self.app_port = free_port(), free_port()
        self.pidfile = workdir / "gunicorn.pid"
        self.env = {
            **env,
            "NGINX_LISTEN": f"127.0.0.1:{self.port}",
            "GUNICORN_BIND": f"127.0.0.1:{self.app_port}",
            "NGINX_RUN_DIR": str(workdir / "nginx"),
            "GUNICORN_PIDFILE": str(self.pidfile),
        }
        self.log = open(OUT / "faults-server.log", "w")

    def start(self):
        self.process = subprocess.Popen(
            [str(ROOT / "deploy" / "serve-proxy.sh")], cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if get(self.port, "/healthz", timeout=1)[0] == 200 and len(self.workers()) == 2:
                return
            time.sleep(0.2)
        raise RuntimeError("the stack did not start; see bench/out/faults-server.log")

    def master(self):
        return int(self.pidfile.read_text())

    def workers(self):
        try:
            master = self.master()
        except (FileNotFoundError, ValueError):
            return []
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                # Not the page rebuilder gunicorn.conf.py starts beside the workers.
                rebuilder = b"rebuild_pages" in (stat.parent / "cmdline").read_bytes()
            except OSError:
                continue
            if int(fields[1]) == master and not rebuilder:
                children.append(int(stat.parent.name))
        return children

    def stop(self):
        try:
            os.kill(self.master(), signal.SIGTERM)
        except (FileNotFoundError, ProcessLookupError, ValueError):
            pass
        self.process.wait(timeout=60)


def seconds(value):
    """wrk's latency text (850.00us, 12.3ms, 1.2s) in milliseconds."""
    match = re.match(r"([\d.]+)(us|ms|s|m)", value or "")
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2)
    return number * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def stale_pages(port, pages, editor):
    """Pages that do not show the editor's last saved name (each fetched as an anonymous reader)."""
    if editor.last_saved is None:
        return [], 0
    expected = f"{editor.base} edit {editor.last_saved}".encode()
    stale = []
    for page in pages:
        status, cache, body, _ = get(port, page)
        if status != 200 or expected not in body:
            stale.append(f"{page} ({status}, {cache})")
    return stale, len(pages)


def run_phase(name, stack, script, prober, editor, pages, fault=None, restore=None, edits=True):
    """Load for HOLD s while the fault lasts (the editor saving meanwhile), then AFTER s once it is over."""
    log(f"phase: {name}")
    result = {"fault_at": time.monotonic()}
    saves_before = len(editor.results)
    if fault:
        fault()
    box = {}
    load = threading.Thread(target=lambda: box.update(wrk=wrk(stack.port, HOLD, script)), daemon=True)
    load.start()
    while load.is_alive():
        if edits:
            editor.save()
        load.join(0.5)
    if restore:
        restore()
    result["service_back_at"] = back = time.monotonic()
    if edits:
        editor.save()
    after = wrk(stack.port, AFTER, script)
    during = box["wrk"]
    for key in ("requests", "rps", "non_2xx", "socket_errors", "p50", "p99"):
        result[key] = during[key]
    result["after"] = {key: after[key] for key in ("requests", "rps", "non_2xx", "socket_errors", "p50", "p99")}
    saves = editor.results[saves_before:]
    result["saves"] = len(saves)
    result["saves_failed"] = sum(1 for s in saves if not s["ok"])
    time.sleep(1.5)
    stale, checked = stale_pages(stack.port, pages, editor)
    result["stale"], result["stale_checked"] = stale, checked
    window = [s for s in prober.samples if s["t"] >= result["fault_at"]]
    result["probe_failures"] = sum(1 for s in window if s["t"] < back and (s["uncached"] != 200 or s["cached"] != 200))
    result["probe_failures_after"] = sum(
        1 for s in window if s["t"] >= back and (s["uncached"] != 200 or s["cached"] != 200)
    )
    if fault:
        good_after = [s["t"] for s in window if s["t"] >= back and s["uncached"] == 200]
        result["recovery_s"] = round(good_after[0] - back, 2) if good_after else None
        hits_after = [s["t"] for s in window if s["t"] >= back and s["cache"] == "hit"]
        result["cache_back_s"] = round(hits_after[0] - back, 2) if hits_after else None
    log(
        f"  during: {during['requests']} requests, {during['rps']:.0f}/s, non-2xx {during['non_2xx']}, "
        f"socket errors {during['socket_errors']}, p99 {during['p99']}; after: non-2xx {after['non_2xx']}, "
        f"socket errors {after['socket_errors']}; prober failures {result['probe_failures']} during, "
        f"{result['probe_failures_after']} after; stale {len(stale)}/{checked}"
    )
    return result


def main():
    for tool in ("wrk", "nginx", "redis-server", "redis-cli"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            sys.exit(f"{tool} is needed; `make faults` installs Debian's wrk, nginx and redis-server.")
    OUT.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="tracker-faults-"))
    load_before = os.getloadavg()
    started_at = datetime.datetime.now(datetime.UTC)
    pg, redis = Postgres(workdir), Redis(workdir)
    stack = editor = prober = None
    phases = {}
    try:
        log(f"PostgreSQL on {pg.port}, Redis on {redis.port}, in {workdir}")
        pg.start()
        redis.start()
        import psycopg

        with psycopg.connect(f"postgres://postgres@127.0.0.1:{pg.port}/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE tracker")
        env = env_for(pg, redis)
        manage(env, "migrate", "--noinput")
        manage(env, "load_dataset", "--if-empty")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        found = json.loads(
            subprocess.run(
                [PYTHON, "-c", URLS_SCRIPT], cwd=ROOT, env=env, check=True, capture_output=True, text=True
            ).stdout
        )
        urls = found["urls"]
        stack = Stack(env, workdir)
        stack.start()
        log(f"stack up: nginx on {stack.port}, gunicorn on {stack.app_port}; {len(urls)} URLs")
        editor = Editor(env, found["version"], "Version under edit")
        editor.save()
        candidates = ["/", found["plan_url"], found["version_url"], "/api/v1/versions/", "/feeds/versions/", "/plans/"]
        pages = [
            p for p in candidates if f"Version under edit edit {editor.last_saved}".encode() in get(stack.port, p)[2]
        ]
        # Warm every URL; keep those a reader gets (sources nothing published cites answer 404, by design).
        urls = [url for url in urls if get(stack.port, url)[0] == 200]
        script = OUT / "faults-mix.lua"
        script.write_text(
            "local paths = {" + ", ".join(json.dumps(u) for u in urls) + "}\n"
            'local i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format("GET", paths[i])\nend\n'
        )
        prober = Prober(stack.port)
        prober.start()

        # Slow clients first, while the cache is warm and nothing is saved: they cost connections, not rendering,
        # so they are compared with baselines just before and after them.
        phases["baseline (no fault, no edits)"] = run_phase(
            "baseline", stack, script, prober, editor, pages, edits=False
        )
        slow = SlowClients(stack.port, 50)
        phases["50 slow clients on nginx (no edits)"] = run_phase(
            "50 slow clients",
            stack,
            script,
            prober,
            editor,
            pages,
            slow.__enter__,
            lambda: slow.__exit__(None, None, None),
            edits=False,
        )
        phases["baseline again (no fault, no edits)"] = run_phase(
            "baseline again", stack, script, prober, editor, pages, edits=False
        )
        phases["baseline with the editor saving (no fault)"] = run_phase(
            "baseline with edits", stack, script, prober, editor, pages
        )
        phases["Redis stopped (restarted from its snapshot)"] = run_phase(
            "redis stopped", stack, script, prober, editor, pages, redis.shutdown_with_snapshot, redis.start
        )
        phases["Redis hung (SIGSTOP, then SIGCONT)"] = run_phase(
            "redis hung",
            stack,
            script,
            prober,
            editor,
            pages,
            lambda: os.kill(redis.process.pid, signal.SIGSTOP),
            lambda: os.kill(redis.process.pid, signal.SIGCONT),
        )

        def pg_back():
            pg.start()
            while not pg.answers():
                time.sleep(0.05)

        phases["PostgreSQL stopped, then started"] = run_phase(
            "postgres restart", stack, script, prober, editor, pages, pg.stop, pg_back
        )

        def kill_worker():
            os.kill(stack.workers()[0], signal.SIGKILL)

        phases["a worker killed (SIGKILL)"] = run_phase(
            "worker killed", stack, script, prober, editor, pages, kill_worker
        )
        # For comparison: gunicorn alone, 4 slow clients, a short run straight at the app port.
        log("phase: 4 slow clients on gunicorn alone (no front)")
        with SlowClients(stack.app_port, 4):
            time.sleep(1)
            direct = wrk(stack.app_port, HOLD, script)
        direct.pop("raw", None)
        phases["4 slow clients on gunicorn alone (no nginx)"] = direct
        log(f"  {direct['requests']} requests, {direct['rps']:.0f}/s, socket errors {direct['socket_errors']}")
    finally:
        if prober:
            prober.stopped.set()
        if editor:
            editor.close()
        if stack:
            stack.stop()
        try:
            redis.cli("shutdown", "nosave")
        except Exception:  # noqa: BLE001
            pass
        try:
            pg.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(workdir, ignore_errors=True)
    finished_at = datetime.datetime.now(datetime.UTC)
    record = {
        "started": started_at.isoformat(),
        "finished": finished_at.isoformat(),
        "after_seconds": AFTER,
        "hold_seconds": HOLD,
        "connections": CONNECTIONS,
        "urls": len(urls),
        "pages_checked": pages,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "phases": phases,
    }
    (OUT / "faults.json").write_text(json.dumps(record, indent=2, default=str))
    (OUT / "faults.md").write_text(render(record))
    if WRITE:
        with open(ROOT / "BENCHMARKS.md", "a") as out:
            out.write(render(record))
        log("results appended to BENCHMARKS.md")
    else:
        log("results in bench/out/faults.md")


def render(record):
    phases = record["phases"]
    first = phases["baseline with the editor saving (no fault)"]["rps"] or 1
    quiet = [phases[name]["rps"] for name in ("baseline (no fault, no edits)", "baseline again (no fault, no edits)")]
    adjacent = sum(quiet) / len(quiet) or 1
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    lines = [
        "",
        f"## Fault run (`make faults`) at {commit.stdout.strip()}, {record['started'][:16].replace('T', ' ')} UTC",
        "",
        "The production stack on a PostgreSQL cluster and a Redis of its own: nginx (`deploy/nginx.conf`) in front "
        "of gunicorn with 2 sync workers (`gunicorn.conf.py`), page cache on, DEBUG off, the shipped dataset, every "
        f"URL warmed first. wrk ({record['connections']} connections) cycles through {record['urls']} URLs (every "
        "page, API list and detail, feed and the zip) for "
        f"{record['hold_seconds']} s while each fault lasts (*during*), then {record['after_seconds']} s once it is "
        "over (*after*); meanwhile (but in the quiet phases marked *no edits*) an editor saves a version's name "
        "every 0.5 s through the models (the admin form's path), and a prober asks an uncached page "
        "(`/plans/?probe=n`) and a cached one every 0.1 s. "
        "*Recovery* is from the service's return (Redis or PostgreSQL answering again, the worker killed) to the "
        "prober's first good uncached page; *cache back* to its first cache hit. *Stale pages*: of the "
        f"{len(record['pages_checked'])} pages showing the edited name ({', '.join(record['pages_checked'])}), "
        "those still showing an older name than the editor's last successful save, 1.5 s after the phase. "
        "Each save makes stale every cached page that read the versions' table (most of them), so with the editor "
        "saving every 0.5 s most requests are rebuilt from the database whatever the fault: throughput is taken "
        "against the "
        "baseline with the editor saving and no fault; the slow clients (run first, warm cache, no edits) and the "
        "quiet baselines against the mean of the two quiet baselines around them. **The machine is shared** "
        "(2 cores, other engineers' "
        "tests running: load average "
        f"{record['load_before'][0]:.1f} before the run, {record['load_after'][0]:.1f} after), so absolute "
        "throughput here says little; errors, recovery times and stale pages are the point.",
        "",
        f"Targets: {TARGETS}.",
        "",
        "| phase | during: requests | req/s (share of baseline) | non-2xx | socket errors | p50 | p99 | "
        "after: non-2xx + socket errors | after: p99 | prober failures during / after | recovery | cache back | "
        "editor saves (failed) | stale pages |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in phases.items():
        reference = adjacent if "no edits" in name or name.startswith("4 slow") else first
        after = r.get("after")
        lines.append(
            f"| {name} | {r['requests']} | {r['rps']:.0f} ({r['rps'] / reference:.0%}) | {r['non_2xx']} | "
            f"{r['socket_errors']} | {r.get('p50', '?')} | {r['p99']} | "
            f"{after['non_2xx'] + after['socket_errors'] if after else '-'} | {after['p99'] if after else '-'} | "
            f"{r.get('probe_failures', '-')} / {r.get('probe_failures_after', '-')} | "
            f"{'-' if r.get('recovery_s') is None else str(r['recovery_s']) + ' s'} | "
            f"{'-' if r.get('cache_back_s') is None else str(r['cache_back_s']) + ' s'} | "
            f"{r.get('saves', '-')} ({r.get('saves_failed', '-')}) | "
            f"{len(r['stale']) if 'stale' in r else '-'}/{r.get('stale_checked', '-')} |"
        )
    lines += ["", *verdicts(phases, adjacent)]
    lines += ["", f"Machine: {platform.platform()}, {os.cpu_count()} CPUs. Raw figures: `bench/out/faults.json`.", ""]
    return "\n".join(lines)


def verdicts(phases, quiet_rps):
    def errors(r, *, after=True):
        during = r["non_2xx"] + r["socket_errors"]
        return during + (r["after"]["non_2xx"] + r["after"]["socket_errors"] if after and r.get("after") else 0)

    def mark(ok):
        return "met" if ok else "**not met**"

    warm_p50 = seconds(phases["baseline (no fault, no edits)"].get("p50"))
    lines = ["Against the targets:", ""]
    for name in ("Redis stopped (restarted from its snapshot)", "Redis hung (SIGSTOP, then SIGCONT)"):
        r = phases[name]
        p50 = seconds(r.get("p50"))
        slower = f"{p50 / warm_p50:.0f}x" if p50 and warm_p50 else "?"
        lines.append(
            f"- {name}: {errors(r)} errors during and after ({mark(errors(r) == 0)}); p50 {r.get('p50')} during, "
            f"{slower} the warm cache's {phases['baseline (no fault, no edits)'].get('p50')} "
            f"({mark(p50 is not None and warm_p50 and p50 <= 5 * warm_p50)} for 5x); stale pages after: "
            f"{len(r['stale'])} ({mark(not r['stale'])})."
        )
    r = phases["PostgreSQL stopped, then started"]
    after = r["after"]["non_2xx"] + r["after"]["socket_errors"] + r["probe_failures_after"]
    lines.append(
        f"- PostgreSQL: {r['non_2xx'] + r['socket_errors']} errors while it was down, {after} after it answered "
        f"({mark(after == 0)}); first good uncached page {r.get('recovery_s')} s after it answered "
        f"({mark(r.get('recovery_s') is not None and r['recovery_s'] <= 5)} for 5 s)."
    )
    r = phases["a worker killed (SIGKILL)"]
    lines.append(f"- A worker killed: {errors(r)} failed requests ({mark(errors(r) <= 1)} for at most 1).")
    r = phases["50 slow clients on nginx (no edits)"]
    share = r["rps"] / quiet_rps if quiet_rps else 0
    lines.append(
        f"- 50 slow clients: {share:.0%} of the quiet baselines' throughput, {errors(r)} errors "
        f"({mark(share >= 0.9 and errors(r) == 0)} for 90%); gunicorn alone with 4 slow clients served "
        f"{phases['4 slow clients on gunicorn alone (no nginx)']['requests']} requests."
    )
    return lines


if __name__ == "__main__":
    main()
