"""Which language a request is answered in, where the address does not say it.

Public pages, feeds and downloads take their language from the address: ``/uk/...``, ``/ru/...``,
English without a prefix (``i18n_patterns`` and the locale middleware). The API keeps one address
per object and reads the language from the request instead: ``?lang=`` (one of settings.LANGUAGES)
first, then the Accept-Language header, then English. A ``?lang=`` the site does not speak is an
error (``UnknownLanguage``), never a silent fallback.

``request_language`` reads only the raw WSGI environ, so the page cache computes the same
language for its key before Django builds a request (tracker.wsgi) as the API answers in.
"""

from urllib.parse import parse_qs

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

# The addresses that choose their language from the request rather than from a prefix.
NEGOTIATED_PREFIXES = ("/api/",)
LANG_PARAMETER = "lang"


class UnknownLanguage(ValueError):
    """A ``?lang=`` value that is not one of the site's languages."""

    def __init__(self, value):
        self.value = value
        super().__init__(value)

    @property
    def message(self):
        codes = ", ".join(codes_offered())
        return f"Choose a language the site offers: {codes} (or leave out lang to follow Accept-Language)."


def codes_offered():
    return [code for code, _name in settings.LANGUAGES]


def is_negotiated(path):
    return path.startswith(NEGOTIATED_PREFIXES)


def negotiate(query_string, accept_language):
    """The language code for ``?lang=`` in the query string, else the Accept-Language header, else the default.

    Raises UnknownLanguage for a ``?lang=`` the site does not offer (the last value counts, as in Django's
    QueryDict); an Accept-Language naming no language of the site gives the default.
    """
    values = parse_qs(query_string, keep_blank_values=True).get(LANG_PARAMETER)
    if values:
        value = values[-1].strip().lower()
        if value not in codes_offered():
            raise UnknownLanguage(values[-1])
        return value
    for code, _quality in parse_accept_lang_header(accept_language or ""):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def request_language(environ):
    """What decides the language of the answer, beyond the path: the negotiated code on the API, else ""."""
    if not is_negotiated(environ.get("PATH_INFO", "")):
        return ""
    try:
        return negotiate(environ.get("QUERY_STRING", ""), environ.get("HTTP_ACCEPT_LANGUAGE", ""))
    except UnknownLanguage:
        return "?"  # answered with a 400, which is never stored
