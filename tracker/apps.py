from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Peace-plan tracker"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from tracker.cache import connect_signals
        from tracker.db_triggers import drop_triggers, install_triggers
        from tracker.roles import ensure_editors_group

        connect_signals()

        # Keep the Editors group in step with the models after every migrate.
        post_migrate.connect(ensure_editors_group, sender=self)
        # SQLite: cross-table triggers come off while migrations rebuild tables, and back on afterwards
        # (on PostgreSQL they are part of the schema, migration 0009).
        pre_migrate.connect(drop_triggers, sender=self)
        post_migrate.connect(install_triggers, sender=self)
