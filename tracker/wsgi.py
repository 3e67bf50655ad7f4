"""WSGI entry point, used by gunicorn: anonymous readers' cache hits first, then Django."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

django_application = get_wsgi_application()

from tracker.cache import CachedPageApplication  # noqa: E402  (needs the settings above)

application = CachedPageApplication(django_application)
