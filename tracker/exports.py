"""Downloads built once per change of the data and served as files: the dataset zip and the whole-list CSVs.

At 100 times the shipped dataset the zip takes seconds to build and the longest CSVs about one:
too long to build per request. A view wrapped in ``stored_download`` answers its whole download
(the zip; a list's CSV without filters) from a file under ``EXPORT_DIR``, built by calling the view
itself, so the file holds exactly what the view would send: published rows only, never drafts.

- The file remembers the content stamp (``tracker.conditional.content_stamp``: the newest change to
  the tracker's data) it was built at. While the stamp is unchanged the file is sent as it is, with
  an ETag and Last-Modified of its own.
- Once the data has changed, the request that notices it is still sent the previous file, and one
  rebuild starts off the request, in a background thread: a lock in the cache (``add``, with a
  timeout) lets one process at a time rebuild a given download, and a download is rebuilt at most
  once every ``EXPORT_REBUILD_SECONDS``, so a burst of saves costs one build, not one per save. A
  download is therefore at most ``EXPORT_REBUILD_SECONDS`` plus one build behind the data.
- Only when there is no file yet does a request build it itself.

Each build is written to a new file and then named in a small JSON index with an atomic rename, so a
reader never gets half a file; older files are removed a build later. ``manage.py build_exports``
builds every download (after a deploy, or from cron).

Each language keeps its own file of a download (``stored_name``): a Ukrainian reader's ``/uk/data/``
zip carries a Ukrainian codebook, and the rows of a list may carry translated wording.
"""

import hashlib
import json
import logging
import os
import threading
import time
import uuid
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connection
from django.http import FileResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from tracker.cache import untracked
from tracker.conditional import content_stamp

logger = logging.getLogger(__name__)

# Headers of the view's response that the stored file keeps.
_KEPT_HEADERS = ("Content-Type", "Content-Disposition", "X-Dataset-Version")
# Every download registered with stored_download: name -> (view, URL name, query string), for build_exports.
REGISTRY = {}


def stored_name(name, language):
    """The name a download is stored under in a language; the default language's keeps the plain name."""
    return name if language == settings.LANGUAGE_CODE else f"{language}-{name}"


def stored_names():
    """Every download in every language."""
    return [stored_name(name, code) for name in sorted(REGISTRY) for code, _ in settings.LANGUAGES]


def _language():
    return translation.get_language() or settings.LANGUAGE_CODE


def _directory():
    path = Path(settings.EXPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _index_path(name):
    return _directory() / f"{name}.json"


def _read_index(name):
    try:
        return json.loads(_index_path(name).read_text())
    except (FileNotFoundError, ValueError):
        return None


def _stamp_text(stamp):
    return stamp.isoformat() if stamp is not None else ""


def current_stamp():
    # Only a freshness check: a page that answers with a stored file does not show the stamp.
    with untracked():
        return _stamp_text(content_stamp())


def build(name, request_factory, language=None):
    """Build a download now, in a language (the default one unless given), by calling its view; returns the
    index written."""
    view, url_name, query = REGISTRY[name]
    language = language or settings.LANGUAGE_CODE
    stamp = current_stamp()
    directory = _directory()
    with translation.override(language):
        request = request_factory(reverse(url_name) + (f"?{query}" if query else ""))
        request.building_export = True
        request.LANGUAGE_CODE = language
        response = view(request)
        if response.status_code != 200:
            raise RuntimeError(f"Building {name} in {language} answered {response.status_code}.")
        stored = stored_name(name, language)
        file_name = f"{stored}.{uuid.uuid4().hex[:12]}"
        digest = hashlib.sha256()
        try:
            with open(directory / file_name, "wb") as out:
                for chunk in response.streaming_content if response.streaming else [response.content]:
                    chunk = chunk.encode() if isinstance(chunk, str) else chunk
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            (directory / file_name).unlink(missing_ok=True)
            raise
    index = {
        "file": file_name,
        "stamp": stamp,
        "built_at": time.time(),
        "etag": f'"{digest.hexdigest()[:32]}"',
        "headers": {header: response[header] for header in _KEPT_HEADERS if response.has_header(header)},
    }
    temporary = directory / f"{stored}.json.{uuid.uuid4().hex[:8]}"
    temporary.write_text(json.dumps(index))
    previous = _read_index(stored)
    os.replace(temporary, _index_path(stored))
    # The file before the previous one: any reader still sending it opened it a whole build ago.
    for old in directory.glob(f"{stored}.*"):
        if old.name not in {file_name, f"{stored}.json", previous and previous["file"]} and not old.name.startswith(
            f"{stored}.json."
        ):
            old.unlink(missing_ok=True)
    return index


def _lock_key(name):
    return f"exports:{name}:lock"


def _rebuild_in_background(name, request_factory, language):
    token = uuid.uuid4().hex
    lock = _lock_key(stored_name(name, language))
    if not cache.add(lock, token, settings.EXPORT_LOCK_SECONDS):
        return  # another request is rebuilding it

    def run():
        try:
            build(name, request_factory, language)
        except Exception:
            logger.exception("Rebuilding %s (%s) failed; the previous file is still served.", name, language)
        finally:
            if cache.get(lock) == token:
                cache.delete(lock)
            if threading.current_thread() is not threading.main_thread():
                connection.close()

    start_rebuild(run)


def start_rebuild(run):
    """Run a rebuild off the request (tests replace this to run it when they choose)."""
    close_old_connections()
    threading.Thread(target=run, name="export-rebuild", daemon=True).start()


def _factory_like(request):
    """Build requests for the same host and scheme as this one, without its cookies or anything else."""
    host, secure = request.get_host(), request.is_secure()

    def factory(path):
        return RequestFactory().get(path, HTTP_HOST=host, secure=secure)

    return factory


def serve(name, request):
    language = _language()
    index = _read_index(stored_name(name, language))
    if index is None or not (_directory() / index["file"]).exists():
        index = build(name, _factory_like(request), language)
    elif index["stamp"] != current_stamp() and time.time() - index["built_at"] >= settings.EXPORT_REBUILD_SECONDS:
        _rebuild_in_background(name, _factory_like(request), language)
    last_modified = int(index["built_at"])
    not_modified = get_conditional_response(request, etag=index["etag"], last_modified=last_modified)
    if not_modified is not None:
        return not_modified
    response = FileResponse(open(_directory() / index["file"], "rb"))
    for header, value in index["headers"].items():
        response[header] = value
    response["ETag"] = index["etag"]
    response["Last-Modified"] = http_date(last_modified)
    return response


def _is_whole_list_csv(request):
    return list(request.GET.items()) == [("format", "csv")]


def stored_download(name, url_name, query="format=csv", whole=_is_whole_list_csv):
    """Serve the view's whole download (``whole(request)``) from a stored file; anything else as before."""

    def decorator(view):
        REGISTRY[name] = (view, url_name, query)

        @wraps(view)
        def wrapped(request, *args, **kwargs):
            building = getattr(request, "building_export", False)
            if building or not settings.EXPORTS_STORED or request.method not in ("GET", "HEAD") or not whole(request):
                return view(request, *args, **kwargs)
            return serve(name, request)

        return wrapped

    return decorator
