"""Build every stored download (the dataset zip, the whole-list CSVs) now: after a deploy, or from cron."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.test import RequestFactory

from tracker import exports


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default=None, help="The host the downloads' links name (default: the first allowed host)."
        )

    def handle(self, *args, host=None, **options):
        named = [name for name in settings.ALLOWED_HOSTS if name and not name.startswith((".", "*"))]
        host = host or (named[0] if named else "localhost")
        # The views are imported with the URLconf: that registers every stored download.
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018

        def factory(path):
            return RequestFactory().get(path, HTTP_HOST=host, secure=not settings.DEBUG)

        for name in sorted(exports.REGISTRY):
            for language, _ in settings.LANGUAGES:
                index = exports.build(name, factory, language)
                self.stdout.write(f"{exports.stored_name(name, language)}: built ({index['file']})")
