from django.core.management.base import BaseCommand, CommandError

from tracker.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write a backup of the whole database (PostgreSQL: pg_dump's custom format; SQLite: the online backup API). "
        "The file appears only once complete; a failed backup leaves an earlier file of that name as it was."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", help="Where to write it (default: backups/tracker-<UTC time>.dump|.sqlite3)."
        )

    def handle(self, *args, path=None, **options):
        try:
            written = backup(path)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Backup written to {written} ({written.stat().st_size} bytes)."))
