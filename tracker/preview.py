"""Draft preview: an editor opens any public page with ``?preview=drafts`` to see it with drafts included.

The page is built with every ``published()`` rule switched off (``tracker.models.base.drafts_included``),
carries a banner saying so, and is sent with ``Cache-Control: private, no-store`` so no cache keeps it;
the page cache never serves or stores it either (editors have a session, and no-store responses are
not stored). Anyone else asking for a preview, readers without a session included, gets a 404, as
for a page that does not exist.
"""

from django.http import Http404
from django.utils.cache import add_never_cache_headers, patch_cache_control

from tracker.models.base import drafts_included

PREVIEW_PARAMETER = "preview"
PREVIEW_VALUE = "drafts"


def can_preview(user):
    """Editors: active staff allowed to see the tracker's versions in the admin."""
    return bool(user and user.is_active and user.is_staff and user.has_perm("tracker.view_planversion"))


class DraftPreviewMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if PREVIEW_PARAMETER not in request.GET or request.path.startswith("/admin/"):
            return self.get_response(request)
        if request.GET[PREVIEW_PARAMETER] != PREVIEW_VALUE or not can_preview(getattr(request, "user", None)):
            raise Http404("There is no such page.")
        request.draft_preview = True
        with drafts_included():
            response = self.get_response(request)
        add_never_cache_headers(response)
        patch_cache_control(response, private=True, no_store=True)
        response["X-Robots-Tag"] = "noindex"
        return response
