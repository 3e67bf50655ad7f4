"""The timeline page and its CSV: the reader's filters, one page of entries, or every entry as CSV."""

import heapq

from django.shortcuts import get_object_or_404, redirect, render

from tracker.exports import stored_download
from tracker.filters import TimelineFilter
from tracker.models import Event, Position
from tracker.selectors import timeline as selectors
from tracker.views.common import PAGE_SIZE, filtered, page_address, paginate, stream_csv, wants_csv


def timeline_querysets(request):
    """The filterset, the filtered events and the filtered positions."""
    filterset = TimelineFilter(request.GET, queryset=Position.objects.published(), request=request)
    positions = filtered(filterset)
    return (filterset, *selectors.events_and_positions(filterset.form.cleaned_data, positions))


def _is_changes_csv(request):
    return sorted(request.GET.items()) == [("format", "csv"), ("show", "changes")]


# The two CSVs as long as the whole timeline are stored files: every entry, and every change of stance
# with every event. A CSV the reader narrows further is built on the request, at the size of its rows.
@stored_download("timeline.csv", "tracker:timeline")
@stored_download("timeline-changes.csv", "tracker:timeline", query="show=changes&format=csv", whole=_is_changes_csv)
def timeline(request):
    filterset, events, positions = timeline_querysets(request)
    if wants_csv(request):
        data = filterset.form.cleaned_data
        party = data.get("party") or (data["actor"].party if data.get("actor") else None)
        return timeline_csv(events, positions, party)
    page = paginate(request, selectors.entry_keys(events, positions))
    return render(
        request,
        "tracker/timeline.html",
        {
            "filterset": filterset,
            "page": page,
            "entries": selectors.load_entries(list(page)),
            "coverage": selectors.coverage(),
        },
    )


def event_detail(request, pk):
    """An event's permanent address: the page of the whole timeline that lists it, at its entry."""
    event = get_object_or_404(Event.objects.published(), pk=pk)
    return redirect(page_address("tracker:timeline", selectors.entries_before(event) // PAGE_SIZE + 1, f"event-{pk}"))


CSV_HEADER = [
    "date",
    "kind",
    "party",
    "actor",
    "subject_or_title",
    "stance",
    "previous_stance",
    "quote_or_description",
    "source_keys",
]


def timeline_csv(events, positions, party=None):
    """Stream the timeline as CSV: events and positions each read in one pass as plain values, then merged by date.

    A handful of queries whatever the size, and no model objects built: time linear in the rows.
    """
    rows = heapq.merge(
        selectors.event_rows(events), selectors.position_rows(positions, party), key=lambda keyed: keyed[0]
    )
    return stream_csv("timeline", CSV_HEADER, (row for _, row in rows))
