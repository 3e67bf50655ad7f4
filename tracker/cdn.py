"""Headers for a CDN in front of the site, and the hook that purges it when the data changes.

Public responses (anonymous GET and HEAD, status 200, nothing under /admin/) say::

    Cache-Control: public, max-age=0, s-maxage=60, stale-while-revalidate=60, stale-if-error=86400
    Surrogate-Key: tracker t:position t:clause position-12 clause-3 ...
    Cache-Tag: tracker,t:position,t:clause,position-12,clause-3,...

so a CDN keeps a page for ``CDN_S_MAXAGE`` seconds, serves it stale for ``CDN_STALE_WHILE_REVALIDATE``
more while it fetches a new one, and for ``CDN_STALE_IF_ERROR`` when the site fails; browsers
revalidate every time (ETag, 304). ``Surrogate-Key`` (Fastly and others) and ``Cache-Tag``
(Cloudflare) carry the same tags: ``tracker`` on everything; ``t:<table>`` for every table of the
tracker the response read (the page cache's own rule of what makes a page stale); ``<model>-<id>``
for the objects it shows (left out past ``MAX_OBJECT_TAGS``, the table tags still cover them). A
streamed response (a CSV, a stored download) is tagged with every table.

Requests with a session cookie (editors) get ``Cache-Control: private`` and ``Vary: Cookie``, so a
CDN neither keeps their pages nor answers them with a reader's copy: the editor who saved sees the
change on the next request, as with the site's own cache.

Purging. ``CDN_PURGE`` names a callable (``"package.module.function"``) that is called with the
list of tags to purge once each change is committed: ``t:<table>`` and ``<model>-<id>`` of the
saved object, or ``tracker`` when everything changed (a bulk load, a migrate). Write it for your
CDN (Fastly: ``POST /service/<id>/purge`` with a ``Surrogate-Key`` header; Cloudflare: ``POST
/zones/<id>/purge_cache`` with ``{"tags": [...]}``); without it, readers behind the CDN see a change
within ``CDN_S_MAXAGE`` seconds. A failing hook is logged and never fails the editor's save.
"""

import logging

from django.conf import settings
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

EVERYTHING = "tracker"
# A list page shows dozens of rows, each with a few related objects; past this, table tags alone.
MAX_OBJECT_TAGS = 200


def table_tag(table):
    return "t:" + table.removeprefix("tracker_")


def object_tag(model, pk):
    return f"{model._meta.model_name}-{pk}"


def tags_for(tables, objects):
    tags = [EVERYTHING, *sorted(table_tag(table) for table in tables)]
    if len(objects) <= MAX_OBJECT_TAGS:
        tags += sorted(objects)
    return tags


def add_public_headers(response, tags):
    """Let shared caches keep this response, tagged for purging."""
    patch_cache_control(
        response,
        public=True,
        max_age=0,
        s_maxage=settings.CDN_S_MAXAGE,
        stale_while_revalidate=settings.CDN_STALE_WHILE_REVALIDATE,
        stale_if_error=settings.CDN_STALE_IF_ERROR,
    )
    # A shared cache must not answer an editor (session cookie) with a reader's copy.
    patch_vary_headers(response, ["Cookie"])
    response["Surrogate-Key"] = " ".join(tags)
    response["Cache-Tag"] = ",".join(tags)


def add_private_headers(response):
    """An editor's response: for the editor's browser alone."""
    if not response.has_header("Cache-Control"):
        patch_cache_control(response, private=True)
    patch_vary_headers(response, ["Cookie"])


def purge(tags):
    """Call the CDN_PURGE hook with these tags, if one is set; never raise."""
    if not settings.CDN_PURGE:
        return
    try:
        import_string(settings.CDN_PURGE)(list(tags))
    except Exception:
        logger.exception("Purging the CDN of %s failed; it will refresh within CDN_S_MAXAGE.", tags)
