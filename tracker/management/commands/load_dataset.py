from django.core.management.base import BaseCommand, CommandError

from tracker import dataset
from tracker.cache import bump_generation


class Command(BaseCommand):
    help = (
        "Load the shipped dataset (tracker/data/*.toml) into the database. "
        "With --if-empty, do nothing when the database already holds tracker content; "
        "with --reload, replace the curated content with the shipped dataset."
    )

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--if-empty", action="store_true", help="Load only into an empty database; otherwise change nothing."
        )
        mode.add_argument(
            "--reload", action="store_true", help="Delete the curated content (editors' work too) and load again."
        )
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="Do not ask for confirmation."
        )
        parser.add_argument("--data-dir", default=str(dataset.DATA_DIR), help="Directory holding the TOML files.")

    def handle(self, *args, if_empty, reload, interactive, data_dir, **options):
        if not reload and dataset.has_content():
            message = "The database already holds tracker content; nothing was changed."
            if if_empty:
                self.stdout.write(message)
                return
            raise CommandError(message + " Use --reload to replace it with the shipped dataset.")
        if reload and interactive:
            answer = input(
                "This deletes every plan, clause, position, figure, event and source in the database, "
                "editors' changes included, and loads the shipped dataset again.\nType 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Reload cancelled; nothing was changed.")
        try:
            result = dataset.load(data_dir, replace=reload)
        except dataset.DatasetError as error:
            raise CommandError(str(error)) from error
        bump_generation()
        self.stdout.write(self.style.SUCCESS(result.summary()))
