"""SQLite's triggers for the invariants that span two tables.

A CHECK constraint sees one row only, so two rules are enforced with triggers:
a position's actor speaks for the position's party, and a lineage link joins two
versions of the same plan. The models' clean() gives editors the friendly message;
the triggers make the database refuse whatever bypasses the forms.

On PostgreSQL the triggers are part of the schema (migration 0009) and stay in place
while migrations run. SQLite rebuilds a table to alter it, and a trigger that names the
table being rebuilt would make that rebuild fail, so on SQLite (development and tests)
they are installed here after every ``migrate`` (and ``flush``) and removed before one.
"""

SQLITE_INSTALL = [
    """
    CREATE TRIGGER position_actor_speaks_for_party_insert
    BEFORE INSERT ON tracker_position
    WHEN NEW.actor_id IS NOT NULL
     AND (SELECT party_id FROM tracker_actor WHERE id = NEW.actor_id) != NEW.party_id
    BEGIN SELECT RAISE(ABORT, 'position_actor_speaks_for_party'); END
    """,
    """
    CREATE TRIGGER position_actor_speaks_for_party_update
    BEFORE UPDATE OF actor_id, party_id ON tracker_position
    WHEN NEW.actor_id IS NOT NULL
     AND (SELECT party_id FROM tracker_actor WHERE id = NEW.actor_id) != NEW.party_id
    BEGIN SELECT RAISE(ABORT, 'position_actor_speaks_for_party'); END
    """,
    """
    CREATE TRIGGER actor_keeps_party_of_positions
    BEFORE UPDATE OF party_id ON tracker_actor
    WHEN EXISTS (SELECT 1 FROM tracker_position WHERE actor_id = NEW.id AND party_id != NEW.party_id)
    BEGIN SELECT RAISE(ABORT, 'position_actor_speaks_for_party'); END
    """,
    """
    CREATE TRIGGER link_joins_versions_of_one_plan_insert
    BEFORE INSERT ON tracker_clauselink
    WHEN NEW.to_version_id IS NOT NULL
     AND (SELECT plan_id FROM tracker_planversion WHERE id = NEW.from_version_id)
      != (SELECT plan_id FROM tracker_planversion WHERE id = NEW.to_version_id)
    BEGIN SELECT RAISE(ABORT, 'link_joins_versions_of_one_plan'); END
    """,
    """
    CREATE TRIGGER link_joins_versions_of_one_plan_update
    BEFORE UPDATE OF from_version_id, to_version_id ON tracker_clauselink
    WHEN NEW.to_version_id IS NOT NULL
     AND (SELECT plan_id FROM tracker_planversion WHERE id = NEW.from_version_id)
      != (SELECT plan_id FROM tracker_planversion WHERE id = NEW.to_version_id)
    BEGIN SELECT RAISE(ABORT, 'link_joins_versions_of_one_plan'); END
    """,
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS position_actor_speaks_for_party_insert",
    "DROP TRIGGER IF EXISTS position_actor_speaks_for_party_update",
    "DROP TRIGGER IF EXISTS actor_keeps_party_of_positions",
    "DROP TRIGGER IF EXISTS link_joins_versions_of_one_plan_insert",
    "DROP TRIGGER IF EXISTS link_joins_versions_of_one_plan_update",
]

INSTALL = {"sqlite": SQLITE_INSTALL}
DROP = {"sqlite": SQLITE_DROP}


def _execute(statements, using):
    from django.db import connections

    connection = connections[using]
    with connection.cursor() as cursor:
        for statement in statements.get(connection.vendor, []):
            cursor.execute(statement)


def drop_triggers(using="default", **signal_kwargs):
    _execute(DROP, using)


def install_triggers(using="default", **signal_kwargs):
    """Create the triggers afresh; safe to run any number of times."""
    _execute(DROP, using)
    _execute(INSTALL, using)
