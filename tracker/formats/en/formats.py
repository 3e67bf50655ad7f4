"""English as the site always printed it: British day-month-year order (Django's en_GB formats), with the
tracker's own date forms."""

from django.conf.locale.en_GB.formats import *  # noqa: F403

# The tracker's own forms (tracker.templatetags.tracker_tags): 21 Nov 2025, 21 November 2025, 21 Nov.
TRACKER_SHORT_DATE = "j M Y"
TRACKER_LONG_DATE = "j F Y"
TRACKER_DAY_MONTH = "j M"
