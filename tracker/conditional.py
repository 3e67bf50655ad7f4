"""HTTP validators for everything derived from the published content: API, feeds, downloads.

One stamp, the newest change anywhere in the tracker's data, gives Last-Modified and (with the
address) the ETag, so a client that already has the current answer gets a 304 for the cost of
one small query. Any save leaves a history row, and a deletion too, which ``updated_at`` alone
would miss; ``updated_at`` also counts, for rows written without history (bulk loads).
"""

import hashlib

from django.apps import apps
from django.db import connection
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware
from django.views.decorators.http import condition

from tracker.cache import untracked


def _stamp_sql():
    quote = connection.ops.quote_name
    parts = []
    for model in apps.get_app_config("tracker").get_models():
        table = quote(model._meta.db_table)
        field_names = {field.name for field in model._meta.concrete_fields}
        if "history_date" in field_names:
            parts.append(f"SELECT MAX({quote('history_date')}) AS stamp FROM {table}")
        elif "updated_at" in field_names:
            parts.append(f"SELECT MAX({quote('updated_at')}) AS stamp FROM {table}")
    return f"SELECT MAX(stamp) FROM ({' UNION ALL '.join(parts)}) AS stamps"


def content_stamp():
    """When the tracker's data last changed, or None for an empty database."""
    with connection.cursor() as cursor:
        cursor.execute(_stamp_sql())
        (value,) = cursor.fetchone()
    if isinstance(value, str):  # SQLite hands back text from an aggregate over a subquery
        value = parse_datetime(value)
    if value is not None and is_naive(value):
        value = make_aware(value)
    return value


def _last_modified(request, *args, **kwargs):
    if not hasattr(request, "_content_stamp"):
        # As a validator the stamp reads every table, yet a stored response stays right while the tables
        # it shows are unchanged: only a page that shows the stamp itself depends on all of them.
        with untracked():
            request._content_stamp = content_stamp()
    return request._content_stamp


def _etag(request, *args, **kwargs):
    stamp = _last_modified(request)
    if stamp is None:
        return None
    key = f"{stamp.isoformat()} {request.get_full_path()}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


conditional = condition(etag_func=_etag, last_modified_func=_last_modified)
conditional.__doc__ = "Answer 304 when the client's copy is current; set ETag and Last-Modified otherwise."
