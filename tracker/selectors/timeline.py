"""The timeline: dated events and the positions parties took, in one chronological list.

Events and positions live in two tables; the page sorts and paginates their (date, kind, id)
keys in one UNION query, then loads only the rows of the page shown, so it runs the same
handful of queries however long the timeline grows.
"""

from dataclasses import dataclass

from django.db.models import CharField, F, Q, Value

from tracker.models import Event, Plan, Position, Stance
from tracker.models.positions import subject_label

EVENT, POSITION = "event", "position"
SHOW_POSITIONS, SHOW_EVENTS, SHOW_CHANGES = POSITION + "s", EVENT + "s", "changes"


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


def events_and_positions(data, positions):
    """The events and positions the timeline's filters keep: ``data`` is the filter form's cleaned
    data, ``positions`` the published positions the filters already narrowed."""
    events = Event.objects.published()
    if data.get("party"):
        events = events.filter(parties=data["party"])
    if data.get("start"):
        events = events.filter(Q(ends_on__gte=data["start"]) | Q(happened_on__gte=data["start"]))
    if data.get("end"):
        events = events.filter(happened_on__lte=data["end"])
    # Events have no speaker, and "positions only" or "events only" drops the other kind.
    if data.get("actor") or data.get("show") == SHOW_POSITIONS:
        events = events.none()
    if data.get("show") == SHOW_EVENTS:
        positions = positions.none()
    if data.get("show") == SHOW_CHANGES:
        # A first statement counts as a change; a reaffirmation of the same stance does not. The previous
        # position may lie outside the filters (another speaker, before the start), so compare among all.
        positions = positions.filter(pk__in=Position.objects.published().changes_of_stance())
    return events, positions


def entry_keys(events, positions):
    """The events and positions as one query of sortable (date, kind, id) keys, in the timeline's order."""
    return (
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


def entries_before(event):
    """How many entries the whole timeline (no filters) lists before the event: two counts.

    The order is (date, kind, id), and "event" sorts before "position": on the event's day, the
    earlier events come first and every position after."""
    events = Event.objects.published().filter(
        Q(happened_on__lt=event.happened_on) | Q(happened_on=event.happened_on, pk__lt=event.pk)
    )
    positions = Position.objects.published().filter(stated_on__lt=event.happened_on)
    return events.count() + positions.count()


def coverage():
    """Where the record stops, so the end of the timeline is not read as the end of events."""
    return Plan.objects.published().exclude(coverage_note="").only("title", "coverage_note")


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


def _names_by_event(through, events, name_field, ordering):
    """For each of these events' ids, the names it links to through an M2M table, in the linked model's order."""
    names = {}
    rows = through.objects.filter(event__in=events.order_by().values("pk")).order_by("event_id", *ordering)
    for event_id, name in rows.values_list("event_id", name_field).iterator(chunk_size=2000):
        names.setdefault(event_id, []).append(name)
    return {event_id: "; ".join(found) for event_id, found in names.items()}


def event_rows(events):
    """Each event as ((date, kind, id), CSV cells), in date order, read as plain values in one pass."""
    parties = _names_by_event(
        Event.parties.through, events, "party__name", ["party__display_order", "party__name", "party_id"]
    )
    sources = _names_by_event(Event.sources.through, events, "source__key", ["source__key", "source_id"])
    rows = events.order_by("happened_on", "pk").values_list("happened_on", "pk", "title", "description")
    for day, pk, title, description in rows.iterator(chunk_size=2000):
        yield (day, EVENT, pk), [day, EVENT, parties.get(pk, ""), "", title, "", "", description, sources.get(pk, "")]


def position_rows(positions, party=None):
    """Each position as ((date, kind, id), CSV cells), in date order, read as plain values in one pass.

    ``party``: the one party all the positions are of, when the filters say so."""
    # The previous stance is the party's, on the same subject, whatever the other filters: compared among all
    # the party's published positions (one party's CSV does not number every party's).
    among = Position.objects.published()
    if party is not None:
        among = among.filter(party=party)
    previous = among.previous_stance_by_pk()
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
