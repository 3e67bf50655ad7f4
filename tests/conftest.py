import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import pytest
import redis
from django.db import connections, transaction
from django.test import TransactionTestCase

from tracker import redis_cache
from tracker.settings import redis_cache as redis_cache_settings


def pytest_configure(config):
    from django.conf import settings

    # Hashed static names need collectstatic; tests serve plain files (replace the whole dict).
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Tests make many API requests from one address; the throttling test lowers this itself.
    settings.API_ANON_THROTTLE_RATE = "100000/minute"
    # The test client and the live server speak plain http, as the app servers do behind the proxy.
    settings.SECURE_SSL_REDIRECT = False
    # Most tests change data between requests without going through the admin; the page cache has tests of its own.
    settings.PAGE_CACHE_SECONDS = 0
    # A stale page's rebuild runs in the request that found it (after its response), inside the test's transaction.
    settings.PAGE_CACHE_REBUILD_THREADS = 0
    # Tests log in and fail to log in often from one address; the login throttle's own tests turn it on.
    settings.AXES_ENABLED = False
    # Likewise the stored downloads (tests/test_exports.py turns them on): a file stays until a rebuild.
    settings.EXPORTS_STORED = False
    # Editors are made by the hundred; the production hasher spends half a second on each password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _own_redis_database_per_worker(settings)
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        _commits_without_waiting_for_the_disk(settings.DATABASES["default"])
        TransactionTestCase._fixture_teardown = _flush_by_deleting_rows(TransactionTestCase._fixture_teardown)


def _commits_without_waiting_for_the_disk(database):
    """PostgreSQL: a test database's commit does not wait for the write-ahead log to reach the disk.

    What every connection sees is unchanged (a committed row is visible to all at once); only a crash of the
    server could lose the last commits, of a database thrown away at the end of the run. The browser and
    backup tests, the live server and the migrations commit thousands of times, each waiting for the disk
    (several milliseconds on a shared machine) otherwise.
    """
    options = database.setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


def _flush_by_deleting_rows(fixture_teardown):
    """PostgreSQL: a test that commits (``transactional_db``, the browser tests) is undone by DELETE, not TRUNCATE.

    TRUNCATE gives each of the sixty-odd tables and their indexes new files, about two seconds per flush
    even when the tables are empty; deleting the rows a test wrote takes hundredths. Every table is still
    emptied, in one transaction: the foreign keys are checked at its commit (Django makes them DEFERRABLE
    INITIALLY DEFERRED), and the migrations' triggers fire on INSERT and UPDATE only. Only the tests' own
    flush changes; the application's commands keep Django's TRUNCATE, and so does a flush that must reset
    sequences or cascade.
    """

    def teardown(test_case):
        patched = []
        for connection in connections.all():
            if connection.vendor != "postgresql":
                continue
            truncate = connection.ops.sql_flush

            def delete(
                style, tables, *, reset_sequences=False, allow_cascade=False, truncate=truncate, ops=connection.ops
            ):
                if reset_sequences or allow_cascade or not tables:
                    return truncate(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
                return ["SET CONSTRAINTS ALL DEFERRED;"] + [f"DELETE FROM {ops.quote_name(table)};" for table in tables]

            connection.ops.sql_flush = delete
            patched.append(connection.ops)
        try:
            fixture_teardown(test_case)
        finally:
            for ops in patched:
                del ops.sql_flush

    return teardown


def _own_redis_database_per_worker(settings):
    """With REDIS_URL and parallel workers (`make test` runs pytest-xdist), each worker takes the next database.

    Tests clear the cache and keep page generations in it; two workers sharing one Redis database would
    clear and read each other's keys. Worker gwN uses database number (REDIS_URL's database + N).
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not settings.REDIS_URL or not worker.startswith("gw") or worker == "gw0":
        return
    from urllib.parse import urlsplit, urlunsplit

    from django.test.utils import override_settings

    parts = urlsplit(settings.REDIS_URL)
    database = int(parts.path.strip("/") or 0) + int(worker[2:])
    assert database < 16, f"{worker} would need Redis database {database}: give REDIS_URL a lower number"
    url = urlunsplit(parts._replace(path=f"/{database}"))
    os.environ["REDIS_URL"] = url
    # override_settings (never undone) also drops the cache connections already made for the old address.
    override_settings(REDIS_URL=url, CACHES={"default": redis_cache_settings(url)}).enable()


@pytest.fixture
def editor(db):
    """A staff user in the Editors group, as the demo editor is."""
    from tests.factories import EditorFactory

    return EditorFactory()


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


# --- Redis for the cache outage tests: an address where nothing listens, one that never answers, and a
# throwaway redis-server of the tests' own. ---

REDIS_RETRY_AFTER = 0.2


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _forget_outages():
    for outage in redis_cache._outages.values():
        if outage.timer is not None:
            outage.timer.cancel()
        outage.missed.clear()
        outage.failed_at = None
    redis_cache._outages.clear()


@pytest.fixture(autouse=True)
def _no_outage_carried_over():
    _forget_outages()
    yield
    _forget_outages()


def _use_redis(settings, url, retry_after=REDIS_RETRY_AFTER):
    config = redis_cache_settings(url)
    config["OPTIONS"]["RETRY_AFTER"] = retry_after
    settings.CACHES = {"default": config}
    settings.PAGE_CACHE_SECONDS = 300


@pytest.fixture
def redis_down(settings):
    """The cache points at an address where nothing listens."""
    _use_redis(settings, f"redis://127.0.0.1:{_free_port()}/0")


@pytest.fixture
def redis_hung(settings):
    """The cache points at a server that takes connections and never answers; how many it took."""
    accepted = []
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(64)
        hung.settimeout(0.05)
        stop = threading.Event()

        def take():
            while not stop.is_set():
                try:
                    accepted.append(hung.accept()[0])
                except OSError:
                    pass

        taker = threading.Thread(target=take, daemon=True)
        taker.start()
        _use_redis(settings, f"redis://127.0.0.1:{hung.getsockname()[1]}/0", retry_after=30)
        yield accepted
        stop.set()
        taker.join()
        for connection in accepted:
            connection.close()


@pytest.fixture(scope="session")
def redis_server():
    """A redis-server of the tests' own (no persistence), on a free port; its URL."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed (make test installs Debian's redis-server)"
    port = _free_port()
    workdir = tempfile.mkdtemp(prefix="tracker-test-redis-")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def own_redis(settings, redis_server):
    redis.Redis.from_url(redis_server).flushdb()
    _use_redis(settings, redis_server)
    return redis_server


@pytest.fixture(scope="session")
def shipped(django_db_setup, django_db_blocker):
    """The shipped dataset, loaded once for every test that reads it, in a transaction rolled back at the end.

    The tests that use it run last (see ``pytest_collection_modifyitems``), so no other test sees it.
    Ask for ``loaded``; a module must not load the dataset again under this name (it is already there).
    """
    from tracker import dataset

    with django_db_blocker.unblock(), transaction.atomic():
        yield dataset.load()
        transaction.set_rollback(True)


@pytest.fixture
def loaded(shipped, db):
    """The shipped dataset; each test still rolls back its own writes."""
    return shipped


def pytest_collection_modifyitems(session, config, items):
    # The shipped dataset stays loaded from its first user to the end of the run: its users go last.
    users = [item for item in items if "shipped" in getattr(item, "fixturenames", ())]
    items[:] = [item for item in items if "shipped" not in getattr(item, "fixturenames", ())] + users
