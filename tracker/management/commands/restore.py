from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from tracker.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Replace everything in the database (content, history, editors) with a backup made by `manage.py backup`. "
        "The file is checked first and the database changes in one transaction: a failed restore changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A file written by `manage.py backup`.")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args, path, interactive=True, **options):
        name = connection.settings_dict["NAME"]
        if interactive:
            answer = input(f"This replaces everything in the database {name} with {path}. Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            restore(path)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Restored {path} into {name}."))
