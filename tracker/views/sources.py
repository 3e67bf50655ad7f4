"""Sources, and everything on the site that cites each of them."""

from django.shortcuts import get_object_or_404, render

from tracker.exports import stored_download
from tracker.filters import SourceListFilter
from tracker.models import Source
from tracker.selectors import sources as selectors
from tracker.views.common import csv_download, filtered, paginate, wants_csv


@stored_download("sources.csv", "tracker:source-list")
def source_list(request):
    filterset = SourceListFilter(request.GET, queryset=selectors.source_list(), request=request)
    sources = filtered(filterset)
    if wants_csv(request):
        return csv_download(
            "sources",
            sources,
            [
                ("key", "key"),
                ("title", "title"),
                ("publisher", "publisher"),
                ("url", "url"),
                ("no_url_reason", "no_url_reason"),
                ("published_on", "published_on"),
                ("date_is_approximate", "date_is_approximate"),
                ("date_note", "date_note"),
                ("reliability", "reliability"),
                ("notes", "notes"),
            ],
        )
    # Which sources readers may see is worked out over everything that cites them: once, not once to count
    # and again to list.
    page = paginate(request, sources, counted_with_rows=True)
    return render(request, "tracker/source_list.html", {"page": page, "filterset": filterset})


def source_detail(request, key):
    source = get_object_or_404(Source.objects.public_one(), key=key)
    return render(request, "tracker/source_detail.html", {"source": source, **selectors.source_page(source)})
