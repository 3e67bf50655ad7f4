"""On PostgreSQL, each searched table keeps its searched text in one stored, lower-cased column.

Search used to compare every searched column (each language's, each way of writing a number) with
UPPER(...) LIKE, row by row: at 100 times the shipped data a search for a number took over a second.
``search_text`` is a generated column (the database keeps it up to date on every insert and update,
bulk ones included) holding the row's own searched columns, lower-cased, one per line, and a trigram
index lets LIKE '%word%' find the rows without reading the table. The columns are listed here as they
were when this migration was written; ``tracker/selectors/search.py: SEARCH_TEXT_COLUMNS`` must list the
same ones (a test checks). A later migration that changes a listed column's type must drop and re-add
the generated column around it. SQLite keeps comparing the columns one by one.
"""

from django.db import DatabaseError, migrations, transaction

COLUMNS = {
    "tracker_clause": [
        "number",
        *(f"{field}_{language}" for field in ("heading", "summary", "text") for language in ("en", "uk", "ru")),
    ],
    "tracker_position": ["quote", "note"],
    "tracker_figure": ["claimed_by", "caveat", "period_label"],
    "tracker_indicator": [
        f"{field}_{language}" for field in ("name", "unit", "description", "caveat") for language in ("en", "uk", "ru")
    ],
    "tracker_source": ["key", "title", "publisher", "notes"],
    "tracker_event": [f"{field}_{language}" for field in ("title", "description") for language in ("en", "uk", "ru")],
}


def _expression(columns):
    # Each column on its own line: a search word has no line break, so it never matches across two columns.
    return "lower(" + " || E'\\n' || ".join(f"coalesce(\"{column}\"::text, '')" for column in columns) + ")"


def _add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm ships with PostgreSQL and a database's owner may install it; a role that may not gets the stored
    # text without its index (search reads the column row by row: still one short text per row).
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        trigrams = True
    except DatabaseError:
        trigrams = False
    for table, columns in COLUMNS.items():
        schema_editor.execute(
            f'ALTER TABLE "{table}" ADD COLUMN search_text text GENERATED ALWAYS AS ({_expression(columns)}) STORED'
        )
        if trigrams:
            schema_editor.execute(
                f'CREATE INDEX "{table}_search_text" ON "{table}" USING gin (search_text gin_trgm_ops)'
            )


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in COLUMNS:
        schema_editor.execute(f'ALTER TABLE "{table}" DROP COLUMN IF EXISTS search_text')


class Migration(migrations.Migration):
    dependencies = [("tracker", "0014_quote_and_source_languages")]

    operations = [migrations.RunPython(_add, _drop)]
