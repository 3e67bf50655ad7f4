"""Whole-database backups and restores: PostgreSQL's own dump, SQLite's online backup API.

A backup holds everything (the tracker's content, its history, editors and their sessions), written
beside its final name and moved into place only once complete: a dump that fails half-way leaves the
previous backup of that name as it was. A restore checks the file first, then replaces the database's
content in one transaction (PostgreSQL: ``pg_restore --single-transaction``; SQLite: the backup API copies
every page in one step), so a restore that fails leaves the database as it was; then every cached page
is made stale.
"""

import datetime
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection, connections


class BackupError(Exception):
    pass


def default_path():
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    extension = "dump" if connection.vendor == "postgresql" else "sqlite3"
    return Path(settings.BASE_DIR) / "backups" / f"tracker-{stamp}.{extension}"


def write_atomically(path, write):
    """Call ``write(partial_path)``, then move the partial file to ``path``; on any failure remove it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        write(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def backup(path=None):
    """Write a backup of the default database to ``path``; its path."""
    path = Path(path) if path else default_path()
    if connection.vendor == "postgresql":
        return write_atomically(path, _pg_dump)
    if connection.vendor == "sqlite":
        return write_atomically(path, _sqlite_backup)
    raise BackupError(f"No backup method for {connection.vendor}.")


def restore(path):
    """Replace the default database's content with the backup at ``path``."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file.")
    if connection.vendor == "postgresql":
        _pg_restore(path)
    elif connection.vendor == "sqlite":
        _sqlite_restore(path)
    else:
        raise BackupError(f"No restore method for {connection.vendor}.")
    from tracker.cache import bump_generation

    bump_generation()


# --- PostgreSQL ---


def _pg_env():
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": db["NAME"], "PGCONNECT_TIMEOUT": "10"}
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if db.get(key):
            env[variable] = str(db[key])
    return env


def _pg_tool(name):
    """The client tool matching the newest installed server, else the one on PATH."""
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    tool = str(candidates[-1]) if candidates else shutil.which(name)
    if not tool:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return tool


def _run(args):
    result = subprocess.run(args, env=_pg_env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip() or result.returncode}")
    return result


def _pg_dump(partial):
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"])


def _pg_restore(path):
    # Read the whole archive's table of contents first: a truncated or foreign file is refused untouched.
    _run([_pg_tool("pg_restore"), "--list", str(path)])
    connections.close_all()
    _run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={connection.settings_dict['NAME']}",
            str(path),
        ]
    )


# --- SQLite ---


def _sqlite_backup(partial):
    connection.ensure_connection()
    target = sqlite3.connect(partial)
    try:
        # Online: copies pages while the site keeps reading and writing (it restarts if a write lands).
        connection.connection.backup(target)
    finally:
        target.close()


def _sqlite_restore(path):
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        try:
            ok = source.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            has_schema = source.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not a readable SQLite database: {error}") from error
        if not (ok and has_schema):
            raise BackupError(f"{path} is not a backup of this site's database.")
        connection.ensure_connection()
        # One step (all pages): the destination changes in one transaction, or not at all.
        source.backup(connection.connection)
    finally:
        source.close()
