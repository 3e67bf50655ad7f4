"""On PostgreSQL, each row's stored search text is kept uncompressed.

A long point's row (its text in three languages, and the search text beside it) is over the size at which
PostgreSQL compresses its longest values, the search text among them: a search then decompressed every
point's text before comparing it (at 100 times the shipped data, 70 ms of a 100 ms scan on a busy
machine). EXTERNAL storage leaves the search text uncompressed; the other long columns are compressed
first, so it stays in the row. Rows written before this migration keep their storage until next saved.
"""

from django.db import migrations

TABLES = [
    "tracker_clause",
    "tracker_position",
    "tracker_figure",
    "tracker_indicator",
    "tracker_source",
    "tracker_event",
]


def _storage(kind):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in TABLES:
            schema_editor.execute(f'ALTER TABLE "{table}" ALTER COLUMN search_text SET STORAGE {kind}')

    return run


class Migration(migrations.Migration):
    dependencies = [("tracker", "0016_figure_reported_index")]

    operations = [migrations.RunPython(_storage("EXTERNAL"), _storage("EXTENDED"))]
