from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class AnonymousReaderThrottle(AnonRateThrottle):
    """Throttle anonymous readers at ``settings.API_ANON_THROTTLE_RATE``.

    DRF binds its rates when the module is imported; reading the setting on each request lets
    tests and deployments change it without reloading DRF.
    """

    scope = "anon"

    def get_rate(self):
        return settings.API_ANON_THROTTLE_RATE
