"""HTTP validators for everything derived from the published content: API, feeds, downloads.

One stamp, the newest change readers could see anywhere in the tracker's data, gives
Last-Modified and (with the address) the ETag, so a client that already has the current answer
gets a 304 for the cost of one small query. Any save leaves a history row, and a deletion too,
which ``updated_at`` alone would miss; ``updated_at`` also counts, for rows written without
history (bulk loads).

Only changes to rows readers could ever have seen count: a draft edited, created or deleted
before it was ever published leaves the validators as they were. A row that was published once
counts for good, so unpublishing or deleting it changes them. Rows without a draft state of their
own count when their clause or version was ever published; sources, actors, topics and indicators
when readers see them now (``public()``: something published uses them); parties always.
"""

import hashlib

from django.apps import apps
from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware
from django.views.decorators.http import condition

from tracker.cache import depends_on_everything, remembered_per_generation, untracked
from tracker.models.base import showing_drafts

# Rows readers see through another row's publication: the column naming it, and its model.
_SEEN_THROUGH = {
    "ClauseTarget": ("clause_id", "Clause"),
    "ClauseLink": ("from_clause_id", "Clause"),
    "VersionClaim": ("version_id", "PlanVersion"),
}


def _history_table(model_name):
    return apps.get_model("tracker", model_name).history.model._meta.db_table


def _ever_published(history_table, id_sql):
    """SQL: the row with this id was published at some point of its history."""
    quote = connection.ops.quote_name
    return (
        f"EXISTS (SELECT 1 FROM {quote(history_table)} AS seen "
        f"WHERE seen.{quote('id')} = {id_sql} AND seen.{quote('is_published')})"
    )


def _newest(table, column, condition=None):
    """SQL: the newest value of a date column, walking its index from the newest row down."""
    quote = connection.ops.quote_name
    where = f" WHERE {condition}" if condition else ""
    return (
        f"SELECT (SELECT changed.{quote(column)} FROM {quote(table)} AS changed{where} "
        f"ORDER BY changed.{quote(column)} DESC LIMIT 1) AS stamp"
    )


def _public_rows(model, id_sql):
    """SQL and parameters: the row with this id is one readers see now (``objects.public()``), for the
    models that are public only once something published uses them; None for the others.

    The stamp asks this of the newest rows only, until one is public (mostly the first): for a model whose
    rule is "something published uses it" (``public_uses``), each use is an EXISTS on this id, which stops at
    the first use found, where ``public()`` works out every public row of the table first (at 100 times the
    shipped data, most of the stamp's time on a cold cache)."""
    uses = getattr(model._default_manager, "public_uses", None)
    if uses is not None and not showing_drafts():  # (a preview makes every row public: public() says so)
        # PostgreSQL would plan each EXISTS twice, once as a hashed set of every use, and pick at run time;
        # OFFSET 0 leaves it the lookup by id only: at 100 times the shipped data, planning takes a third less
        # and running a few ms instead of 15-30.
        fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
        conditions, params = [], []
        for rows, column in uses():
            sql, more = rows.filter(**{column: RawSQL(id_sql, ())}).order_by().values("pk").query.sql_with_params()
            conditions.append(f"EXISTS ({sql}{fence})")
            params += more
        return f"({' OR '.join(conditions)})", params
    if not hasattr(model._default_manager, "public"):
        return None
    sql, params = model._default_manager.public().values("pk").query.sql_with_params()
    return f"{id_sql} IN ({sql})", params


# The stamp's SQL, built once per process (building it takes longer than the query runs): by database and
# by whether a draft preview is on (the published() rules it is built from are switched off then).
_built = {}


def _stamp_sql():
    """The stamp's SQL and its parameters."""
    key = (connection.vendor, bool(showing_drafts()))
    if key not in _built:
        _built[key] = _build_stamp_sql()
    sql, params = _built[key]
    return sql, list(params)


def _build_stamp_sql():
    quote = connection.ops.quote_name
    parts, params = [], []
    for model in apps.get_app_config("tracker").get_models():
        table = model._meta.db_table
        field_names = {field.name for field in model._meta.concrete_fields}
        if "history_date" in field_names:
            instance = model.instance_type
            public = _public_rows(instance, f"changed.{quote('id')}")
            if "is_published" in field_names:
                condition = _ever_published(table, f"changed.{quote('id')}")
            elif instance.__name__ in _SEEN_THROUGH:
                column, parent = _SEEN_THROUGH[instance.__name__]
                condition = _ever_published(_history_table(parent), f"changed.{quote(column)}")
            elif public is not None:
                condition, more = public
                params += more
            else:
                condition = None
            parts.append(_newest(table, "history_date", condition))
        elif "updated_at" in field_names:
            public = _public_rows(model, f"changed.{quote('id')}")
            if "is_published" in field_names:
                condition = f"changed.{quote('is_published')}"
            elif public is not None:
                condition, more = public
                params += more
            else:
                condition = None
            parts.append(_newest(table, "updated_at", condition))
    return f"SELECT MAX(stamp) FROM ({' UNION ALL '.join(parts)}) AS stamps", params


def content_stamp():
    """When the tracker's data last changed, or None for an empty database.

    Kept in the cache until the next change (the page cache's generation moves on every one): the
    query reads every table and takes most of a second at 100 times the shipped data.
    """
    depends_on_everything()
    if showing_drafts():
        # A preview's stamp counts drafts; remembered, it would be the date readers see until the next save.
        return _read_content_stamp()
    return remembered_per_generation("content-stamp", _read_content_stamp)


def _read_content_stamp():
    with connection.cursor() as cursor:
        cursor.execute(*_stamp_sql())
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
    # The language too: the API answers one address in the language the request asks for.
    key = f"{stamp.isoformat()} {translation.get_language()} {request.get_full_path()}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


conditional = condition(etag_func=_etag, last_modified_func=_last_modified)
conditional.__doc__ = "Answer 304 when the client's copy is current; set ETag and Last-Modified otherwise."
