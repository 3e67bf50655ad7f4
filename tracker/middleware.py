from csp.middleware import CSPMiddleware
from django.core.signals import request_finished
from django.http import HttpResponseBadRequest, JsonResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers

from tracker import languages


class RejectNulBytesMiddleware:
    """Answer 400 to a NUL byte in the path or query string.

    PostgreSQL refuses NUL in text, so such input would otherwise surface as a 500
    wherever raw request data reaches a query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw_query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in raw_query or "\x00" in raw_query:
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "The request contains a NUL byte, which is not allowed."}, status=400)
            return HttpResponseBadRequest(
                "The request contains a NUL byte, which is not allowed.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


# What the back office needs beyond the public pages' policy: Django's admin and the editors' tools
# set inline style attributes (and the tools one <style> block); scripts still come only from the site.
ADMIN_POLICY_UPDATE = {"style-src": ["'unsafe-inline'"]}
# Feature policy for every response: the site uses none of these browser features.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "browsing-topics",
    )
)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's header (settings.CONTENT_SECURITY_POLICY, strict: the public pages have no inline
    code), relaxed for the admin, plus a Permissions-Policy that turns off features the site never uses.
    Views relax it further for themselves with django-csp's decorators (the API documentation)."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith("/admin/") and parts.update is None:
            parts.update = ADMIN_POLICY_UPDATE
        return parts

    def process_response(self, request, response):
        response = super().process_response(request, response)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class LocaleMiddleware(DjangoLocaleMiddleware):
    """The language of the address for the public pages (/uk/..., /ru/..., English without a prefix, so a
    reader always gets the language of the link they followed and the page cache keys a copy by its path).

    The admin has no language prefix: it follows the editor's browser (Accept-Language), falling back to
    English. Everything else without a prefix (health checks) answers in English here; the API then picks
    its own (ApiLanguageMiddleware).
    """

    def process_request(self, request):
        super().process_request(request)
        if request.path_info.startswith("/admin/"):
            translation.activate(translation.get_language_from_request(request))
            request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response = super().process_response(request, response)
        if not request.path_info.startswith("/admin/") and not languages.is_negotiated(request.path_info):
            # Django says an unprefixed page varies by Accept-Language; here its address alone decides (English),
            # so shared caches and CDNs keep one copy of it, not one per browser language.
            vary = [value.strip() for value in response.get("Vary", "").split(",") if value.strip()]
            kept = [value for value in vary if value.lower() != "accept-language"]
            if kept != vary:
                if kept:
                    response["Vary"] = ", ".join(kept)
                else:
                    del response["Vary"]
        return response


def _forget_language(**kwargs):
    # Once a response is sent (streamed ones included), the next thing the thread does (another request's
    # first middleware, a background rebuild) starts in the default language, not the last reader's.
    translation.deactivate()


request_finished.connect(_forget_language, dispatch_uid="tracker.middleware.forget_language")


class ApiLanguageMiddleware:
    """The API's language: ``?lang=`` (en, uk, ru), else Accept-Language, else English (tracker.languages).

    The answer says which it is in Content-Language, and varies by Accept-Language; a ``?lang=`` the site
    does not offer is a 400 naming the choices. Pages keep the language of their address.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not languages.is_negotiated(request.path_info):
            return self.get_response(request)
        try:
            meta = request.META
            language = languages.negotiate(meta.get("QUERY_STRING", ""), meta.get("HTTP_ACCEPT_LANGUAGE"))
        except languages.UnknownLanguage as error:
            response = JsonResponse({languages.LANG_PARAMETER: [error.message]}, status=400)
            patch_vary_headers(response, ["Accept-Language"])
            return response
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
        response["Content-Language"] = language
        patch_vary_headers(response, ["Accept-Language"])
        return response
