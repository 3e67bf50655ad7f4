"""Cross-table invariants used to be installed here; they now live in tracker/db_triggers.py.

The triggers are created after every migrate and removed before one, because SQLite
rebuilds tables to alter them and a trigger naming a table mid-rebuild breaks the rebuild.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tracker", "0002_editor_help_texts")]

    operations = []
