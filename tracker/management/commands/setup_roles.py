from django.core.management.base import BaseCommand

from tracker.roles import ensure_editors_group


class Command(BaseCommand):
    help = "Create or refresh the Editors group with permissions on the tracker's models only."

    def handle(self, *args, **options):
        group = ensure_editors_group()
        self.stdout.write(f"Group '{group.name}' has {group.permissions.count()} permissions.")
