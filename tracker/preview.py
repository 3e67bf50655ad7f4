"""Draft preview: an editor opens any public page with ``?preview=drafts`` to see it with drafts included.

The page is built with every ``published()`` rule switched off (``tracker.models.base.drafts_included``),
carries a banner saying so, and is sent with ``Cache-Control: private, no-store`` so no cache keeps it;
the page cache never serves or stores it either (editors have a session, and no-store responses are
not stored). The editor's session remembers the preview, so following links stays in it, until
``?preview=off`` (the banner's "Leave the preview"). Anyone else asking for a preview, readers without
a session included, gets a 404, as for a page that does not exist.
"""

from django.conf import settings
from django.http import Http404
from django.utils.cache import add_never_cache_headers, patch_cache_control

from tracker.models.base import drafts_included

PREVIEW_PARAMETER = "preview"
PREVIEW_ON = "drafts"
PREVIEW_OFF = "off"
SESSION_KEY = "tracker_draft_preview"


def can_preview(user):
    """Editors: active staff allowed to see the tracker's versions in the admin."""
    return bool(user and user.is_active and user.is_staff and user.has_perm("tracker.view_planversion"))


def _has_session(request):
    # Only a request that brings a session cookie reads the session (reading it makes responses vary on Cookie).
    return settings.SESSION_COOKIE_NAME in request.COOKIES and hasattr(request, "session")


class DraftPreviewMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/admin/") or not self._wants_preview(request):
            return self.get_response(request)
        request.draft_preview = True
        # The API's and feeds' validators come from the published data: a preview must never be
        # answered "304, as before" from the reader's version of the page the browser kept.
        for header in ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE"):
            request.META.pop(header, None)
        with drafts_included():
            response = self.get_response(request)
        for header in ("ETag", "Last-Modified"):
            if response.has_header(header):
                del response[header]
        add_never_cache_headers(response)
        patch_cache_control(response, private=True, no_store=True)
        response["X-Robots-Tag"] = "noindex"
        return response

    def _wants_preview(self, request):
        asked = request.GET.get(PREVIEW_PARAMETER)
        user = getattr(request, "user", None)
        if asked == PREVIEW_OFF:
            if _has_session(request):
                request.session.pop(SESSION_KEY, None)
            return False
        if asked is not None:
            if asked != PREVIEW_ON or not can_preview(user):
                raise Http404("There is no such page.")
            request.session[SESSION_KEY] = True
            return True
        if _has_session(request) and request.session.get(SESSION_KEY):
            if can_preview(user):
                return True
            request.session.pop(SESSION_KEY, None)
        return False
