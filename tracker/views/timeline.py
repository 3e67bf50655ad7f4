"""The timeline: dated events and the positions parties took, in one chronological list.

Events and positions live in two tables; the page sorts and paginates their (date, kind, id)
keys in one UNION query, then loads only the rows of the page shown, so it runs the same
handful of queries however long the timeline grows.
"""

import heapq
from dataclasses import dataclass

from django.db.models import CharField, F, Q, Value
from django.shortcuts import render

from tracker.exports import stored_download
from tracker.filters import TimelineFilter
from tracker.models import Event, Plan, Position, Stance
from tracker.models.positions import subject_label
from tracker.views.common import filtered, paginate, stream_csv, wants_csv

EVENT, POSITION = "event", "position"


@dataclass
class Entry:
    kind: str
    date: object
    item: object

    @property
    def change(self):
        """For a position: 'first', 'changed' or 'reaffirmed' against the party's previous stance."""
        if self.kind != POSITION:
            return None
        previous = self.item.previous_stance
        if previous is None:
            return "first"
        return "reaffirmed" if previous == self.item.stance else "changed"

    @property
    def previous_label(self):
        previous = getattr(self.item, "previous_stance", None)
        return Stance(previous).label if previous else ""


def timeline_entries(request):
    """The filterset, and the filtered events and positions as one query of sortable keys."""
    filterset, events, positions = timeline_querysets(request)
    keys = (
        events.order_by()
        .annotate(day=F("happened_on"), entry_kind=Value(EVENT, output_field=CharField()))
        .values_list("day", "entry_kind", "pk")
        .union(
            positions.order_by()
            .annotate(day=F("stated_on"), entry_kind=Value(POSITION, output_field=CharField()))
            .values_list("day", "entry_kind", "pk"),
            all=True,
        )
        .order_by("day", "entry_kind", "pk")
    )
    return filterset, keys


def timeline_querysets(request):
    """The filterset, the filtered events and the filtered positions."""
    filterset = TimelineFilter(request.GET, queryset=Position.objects.published(), request=request)
    positions = filtered(filterset)
    data = filterset.form.cleaned_data
    events = Event.objects.published()
    if data.get("party"):
        events = events.filter(parties=data["party"])
    if data.get("start"):
        events = events.filter(Q(ends_on__gte=data["start"]) | Q(happened_on__gte=data["start"]))
    if data.get("end"):
        events = events.filter(happened_on__lte=data["end"])
    # Events have no speaker, and "positions only" or "events only" drops the other kind.
    if data.get("actor") or data.get("show") == POSITION + "s":
        events = events.none()
    if data.get("show") == EVENT + "s":
        positions = positions.none()
    if data.get("show") == "changes":
        # A first statement counts as a change; a reaffirmation of the same stance does not. The previous
        # position may lie outside the filters (another speaker, before the start), so compare among all.
        positions = positions.filter(pk__in=Position.objects.published().changes_of_stance())
    return filterset, events, positions


def load_entries(keys):
    """The events and positions behind a list of (date, kind, id) keys, in the keys' order."""
    event_ids = [pk for _, kind, pk in keys if kind == EVENT]
    position_ids = [pk for _, kind, pk in keys if kind == POSITION]
    events = {}
    if event_ids:
        events = Event.objects.filter(pk__in=event_ids).prefetch_related("parties", "sources").in_bulk()
    positions = {}
    if position_ids:
        positions = Position.objects.filter(pk__in=position_ids).with_related().in_bulk()
        previous = Position.objects.published().previous_stances(positions.values())
        for pk, position in positions.items():
            position.previous_stance = previous[pk]
    return [
        Entry(kind, day, events[pk] if kind == EVENT else positions[pk])
        for day, kind, pk in keys
        if pk in (events if kind == EVENT else positions)
    ]


@stored_download("timeline.csv", "tracker:timeline")
def timeline(request):
    if wants_csv(request):
        _, events, positions = timeline_querysets(request)
        return timeline_csv(events, positions)
    filterset, keys = timeline_entries(request)
    page = paginate(request, keys)
    return render(
        request,
        "tracker/timeline.html",
        {
            "filterset": filterset,
            "page": page,
            "entries": load_entries(list(page)),
            # Where the record stops, so the end of the timeline is not read as the end of events.
            "coverage": Plan.objects.published().exclude(coverage_note="").only("title", "coverage_note"),
        },
    )


def _names_by_event(through, events, name_field, ordering):
    """For each of these events' ids, the names it links to through an M2M table, in the linked model's order."""
    names = {}
    rows = through.objects.filter(event__in=events.order_by().values("pk")).order_by("event_id", *ordering)
    for event_id, name in rows.values_list("event_id", name_field).iterator(chunk_size=2000):
        names.setdefault(event_id, []).append(name)
    return {event_id: "; ".join(found) for event_id, found in names.items()}


def _event_rows(events):
    parties = _names_by_event(
        Event.parties.through, events, "party__name", ["party__display_order", "party__name", "party_id"]
    )
    sources = _names_by_event(Event.sources.through, events, "source__key", ["source__key", "source_id"])
    rows = events.order_by("happened_on", "pk").values_list("happened_on", "pk", "title", "description")
    for day, pk, title, description in rows.iterator(chunk_size=2000):
        yield (day, EVENT, pk), [day, EVENT, parties.get(pk, ""), "", title, "", "", description, sources.get(pk, "")]


def _position_rows(positions):
    previous = Position.objects.published().previous_stance_by_pk()
    fields = [
        "stated_on", "pk", "clause_id", "party__name", "actor__name", "clause__version__name", "clause__number",
        "clause__heading", "version__name", "stance", "quote", "source__key",
    ]  # fmt: skip
    for row in positions.order_by("stated_on", "pk").values(*fields).iterator(chunk_size=2000):
        if row["clause_id"]:
            subject = subject_label(row["clause__version__name"], row["clause__number"], row["clause__heading"])
        else:
            subject = subject_label(row["version__name"])
        day = row["stated_on"]
        yield (day, POSITION, row["pk"]), [
            day, POSITION, row["party__name"], row["actor__name"] or "", subject, row["stance"],
            previous.get(row["pk"], ""), row["quote"], row["source__key"],
        ]  # fmt: skip


def timeline_csv(events, positions):
    """Stream the timeline as CSV: events and positions each read in one pass as plain values, then merged by date.

    A handful of queries whatever the size, and no model objects built: time linear in the rows.
    """
    header = [
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
    merged = heapq.merge(_event_rows(events), _position_rows(positions), key=lambda keyed: keyed[0])
    return stream_csv("timeline", header, (row for _, row in merged))
