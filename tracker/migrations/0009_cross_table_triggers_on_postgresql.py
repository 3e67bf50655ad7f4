"""On PostgreSQL, the invariants that span two tables are held by triggers that live in the schema.

A CHECK constraint sees one row only. These triggers make the database refuse a position whose actor
speaks for another party, an actor moved away from the party its positions speak for, and a lineage
link between versions of two plans. As part of the schema, they stay in place while later migrations
run (a deploy never runs without them). SQLite rebuilds tables to alter them, which a trigger naming
another table would break, so there ``tracker/db_triggers.py`` installs its own after every migrate.
"""

from django.db import migrations

INSTALL = [
    """
    CREATE OR REPLACE FUNCTION tracker_position_actor_speaks_for_party() RETURNS trigger AS $$
    BEGIN
      IF NEW.actor_id IS NOT NULL
         AND (SELECT party_id FROM tracker_actor WHERE id = NEW.actor_id) <> NEW.party_id THEN
        RAISE EXCEPTION 'position_actor_speaks_for_party' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER position_actor_speaks_for_party
    BEFORE INSERT OR UPDATE OF actor_id, party_id ON tracker_position
    FOR EACH ROW EXECUTE FUNCTION tracker_position_actor_speaks_for_party()
    """,
    """
    CREATE OR REPLACE FUNCTION tracker_actor_keeps_party_of_positions() RETURNS trigger AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM tracker_position WHERE actor_id = NEW.id AND party_id <> NEW.party_id) THEN
        RAISE EXCEPTION 'position_actor_speaks_for_party' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER actor_keeps_party_of_positions
    BEFORE UPDATE OF party_id ON tracker_actor
    FOR EACH ROW EXECUTE FUNCTION tracker_actor_keeps_party_of_positions()
    """,
    """
    CREATE OR REPLACE FUNCTION tracker_link_joins_versions_of_one_plan() RETURNS trigger AS $$
    BEGIN
      IF NEW.to_version_id IS NOT NULL
         AND (SELECT plan_id FROM tracker_planversion WHERE id = NEW.from_version_id)
          <> (SELECT plan_id FROM tracker_planversion WHERE id = NEW.to_version_id) THEN
        RAISE EXCEPTION 'link_joins_versions_of_one_plan' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER link_joins_versions_of_one_plan
    BEFORE INSERT OR UPDATE OF from_version_id, to_version_id ON tracker_clauselink
    FOR EACH ROW EXECUTE FUNCTION tracker_link_joins_versions_of_one_plan()
    """,
]

DROP = [
    """
    DROP TRIGGER IF EXISTS position_actor_speaks_for_party ON tracker_position
    """,
    """
    DROP FUNCTION IF EXISTS tracker_position_actor_speaks_for_party()
    """,
    """
    DROP TRIGGER IF EXISTS actor_keeps_party_of_positions ON tracker_actor
    """,
    """
    DROP FUNCTION IF EXISTS tracker_actor_keeps_party_of_positions()
    """,
    """
    DROP TRIGGER IF EXISTS link_joins_versions_of_one_plan ON tracker_clauselink
    """,
    """
    DROP FUNCTION IF EXISTS tracker_link_joins_versions_of_one_plan()
    """,
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("tracker", "0008_reported_dates_reprints_coverage")]

    # Dropped first: databases migrated before this one had them installed after every migrate.
    operations = [migrations.RunPython(_run(DROP + INSTALL), _run(DROP))]
