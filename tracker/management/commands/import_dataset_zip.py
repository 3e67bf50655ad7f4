import zipfile

from django.core.management.base import BaseCommand, CommandError

from tracker.cache import bump_generation
from tracker.dataset_zip import ImportRefused, import_zip


class Command(BaseCommand):
    help = "Rebuild the published content of a dataset download (tracker-dataset.zip) in an empty database."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The zip downloaded from /data/tracker-dataset.zip.")

    def handle(self, *args, file, **options):
        try:
            with open(file, "rb") as fileobj:
                counts = import_zip(fileobj)
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        except zipfile.BadZipFile:
            raise CommandError(f"{file} is not a zip file.") from None
        except ImportRefused as error:
            raise CommandError(str(error)) from None
        # Rows were written in bulk, without the signals that keep cached pages fresh.
        bump_generation()
        self.stdout.write(self.style.SUCCESS(f"Imported {sum(counts.values())} rows from {file}."))
        for table, count in counts.items():
            self.stdout.write(f"  {table}: {count}")
