"""The timeline: dated events and the positions parties took, in one chronological list.

Events and positions live in two tables; the page sorts and paginates their (date, kind, id)
keys in one UNION query, then loads only the rows of the page shown, so it runs the same
handful of queries however long the timeline grows.
"""

import csv
from dataclasses import dataclass

from django.db.models import CharField, F, OuterRef, Q, Subquery, Value
from django.http import StreamingHttpResponse
from django.shortcuts import render

from tracker.filters import TimelineFilter
from tracker.models import Event, Plan, Position, Stance
from tracker.views.common import csv_safe, filtered, paginate, wants_csv

EVENT, POSITION = "event", "position"


def with_previous_stance(positions):
    """Annotate each position with the same party's previous published stance on the same subject."""
    earlier = (
        Position.objects.published()
        .filter(party=OuterRef("party"))
        .filter(
            Q(clause__isnull=False, clause=OuterRef("clause")) | Q(clause__isnull=True, version=OuterRef("version"))
        )
        .filter(Q(stated_on__lt=OuterRef("stated_on")) | Q(stated_on=OuterRef("stated_on"), pk__lt=OuterRef("pk")))
        .order_by("-stated_on", "-pk")
        .values("stance")[:1]
    )
    return positions.annotate(previous_stance=Subquery(earlier))


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
        # A first statement counts as a change; a reaffirmation of the same stance does not.
        positions = with_previous_stance(positions).filter(
            Q(previous_stance__isnull=True) | ~Q(previous_stance=F("stance"))
        )
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


def load_entries(keys):
    """The events and positions behind a list of (date, kind, id) keys, in the keys' order."""
    event_ids = [pk for _, kind, pk in keys if kind == EVENT]
    position_ids = [pk for _, kind, pk in keys if kind == POSITION]
    events = {}
    if event_ids:
        events = Event.objects.filter(pk__in=event_ids).prefetch_related("parties", "sources").in_bulk()
    positions = {}
    if position_ids:
        positions = with_previous_stance(Position.objects.filter(pk__in=position_ids).with_related()).in_bulk()
    return [
        Entry(kind, day, events[pk] if kind == EVENT else positions[pk])
        for day, kind, pk in keys
        if pk in (events if kind == EVENT else positions)
    ]


def timeline(request):
    filterset, keys = timeline_entries(request)
    if wants_csv(request):
        return timeline_csv(keys)
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


class _Echo:
    def write(self, value):
        return value


def _subject(position):
    if position.clause_id:
        clause = position.clause
        return f"{clause.version.name}, point {clause.number}: {clause.heading}"
    return f"{position.version.name} (as a whole)"


def timeline_csv(keys, chunk_size=500):
    writer = csv.writer(_Echo())
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

    def rows():
        yield writer.writerow(header)
        all_keys = list(keys)
        for start in range(0, len(all_keys), chunk_size):
            for entry in load_entries(all_keys[start : start + chunk_size]):
                item = entry.item
                if entry.kind == EVENT:
                    row = [
                        entry.date,
                        EVENT,
                        "; ".join(party.name for party in item.parties.all()),
                        "",
                        item.title,
                        "",
                        "",
                        item.description,
                        "; ".join(source.key for source in item.sources.all()),
                    ]
                else:
                    row = [
                        entry.date,
                        POSITION,
                        item.party.name,
                        item.actor.name if item.actor_id else "",
                        _subject(item),
                        item.stance,
                        item.previous_stance or "",
                        item.quote,
                        item.source.key,
                    ]
                yield writer.writerow([csv_safe(value) for value in row])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="timeline.csv"'
    return response
