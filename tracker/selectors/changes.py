"""What changed: new and revised versions, stance changes, new figures and events, newest first.

One function serves the "What changed" page, the home page's first screen and the Atom feed of
changes, so what counts as a change is written once. Each kind is read with one query (two for
events and versions, whose sources are prefetched), however much is recorded.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Max, Prefetch, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tracker.models import Event, Figure, PlanVersion, Position, Source, Stance

DEFAULT_DAYS = 7
LIMIT_PER_KIND = 100

VERSION, STANCE, FIGURE, EVENT = "version", "stance", "figure", "event"
KIND_LABELS = {
    VERSION: _("Plan versions"),
    STANCE: _("Stance changes"),
    FIGURE: _("New figures"),
    EVENT: _("Events"),
}


@dataclass(frozen=True)
class ChangeEntry:
    """One change, as a reader sees it: what, when, and the source behind it."""

    kind: str  # VERSION, STANCE, FIGURE or EVENT
    date: datetime.date
    item: object  # the PlanVersion, Position, Figure or Event
    headline: str  # plain words: "Russia: supports with conditions -> rejects"
    sources: tuple  # the Source rows it cites, first the main one
    previous_stance: str = ""  # for stance changes: the stance before, "" for a first statement

    @property
    def key(self):
        return f"{self.kind}-{self.item.pk}"

    @property
    def url(self):
        return self.item.get_absolute_url()


@dataclass(frozen=True)
class Changes:
    since: datetime.date | None
    until: datetime.date | None
    entries: list  # ChangeEntry, newest first
    counts: dict  # kind -> how many entries of that kind
    truncated: bool  # some kind had more than the limit


def _sources():
    return Source.objects.order_by("published_on", "key", "pk")


def _dated(queryset, field, since, until):
    """The rows dated ``since`` or later (by ``field``), and as of ``until`` (each model's own ``as_of``)."""
    if since:
        queryset = queryset.filter(**{f"{field}__gte": since})
    if until:
        queryset = queryset.as_of(until)
    return queryset


def version_changes(since=None, until=None, limit=LIMIT_PER_KIND):
    versions = (
        _dated(PlanVersion.objects.published(), "released_on", since, until)
        .select_related("plan", "based_on__plan")
        .prefetch_related(Prefetch("sources", queryset=_sources()))
        .order_by("-released_on", "-pk")[:limit]
    )
    entries = []
    for version in versions:
        # A revision of a draft is told as a new version: readers never see the draft's name.
        version.revises = version.based_on if version.based_on_id and version.based_on.is_visible else None
        if version.revises:
            headline = gettext("Revised version of the %(plan)s: %(version)s (revises %(previous)s)") % {
                "plan": version.plan.title,
                "version": version.name,
                "previous": version.revises.name,
            }
        else:
            headline = gettext("New version of the %(plan)s: %(version)s") % {
                "plan": version.plan.title,
                "version": version.name,
            }
        entries.append(ChangeEntry(VERSION, version.released_on, version, headline, tuple(version.sources.all())))
    return entries


def stance_label(stance):
    return Stance(stance).label.lower() if stance else ""


def stance_changes(since=None, until=None, limit=LIMIT_PER_KIND, party=None, clause=None):
    """Positions that were a party's first on their subject or changed its stance; reaffirmations are left out."""
    subjects = Position.objects.published()
    if party is not None:
        subjects = subjects.filter(party=party)
    if clause is not None:
        subjects = subjects.filter(clause=clause)
    # Each compared with the party's previous position on its subject (before any date), looked up row by
    # row from the newest: the database stops at the limit, or at the start of the dates asked for.
    positions = list(
        _dated(subjects.changes_of_stance_newest_first(), "stated_on", since, until).with_related()[:limit]
    )
    for position in positions:
        position.previous = position.previous_stance or None
    entries = []
    for position in positions:
        subject = position.subject_words(with_heading=True)
        voice = f" ({position.actor.name})" if position.actor_id else ""
        if position.previous:
            headline = gettext("%(party)s%(voice)s moved from %(previous)s to %(stance)s on %(subject)s") % {
                "party": position.party.name,
                "voice": voice,
                "previous": stance_label(position.previous),
                "stance": stance_label(position.stance),
                "subject": subject,
            }
        else:
            headline = gettext("%(party)s%(voice)s first stated a position on %(subject)s: %(stance)s") % {
                "party": position.party.name,
                "voice": voice,
                "subject": subject,
                "stance": stance_label(position.stance),
            }
        entries.append(
            ChangeEntry(STANCE, position.stated_on, position, headline, (position.source,), position.previous or "")
        )
    return entries


def figure_changes(since=None, until=None, limit=LIMIT_PER_KIND, indicator=None):
    figures = Figure.objects.published()
    if indicator is not None:
        figures = figures.filter(indicator=indicator)
    figures = (
        _dated(figures, "reported_on", since, until)
        .select_related("indicator", "source")
        .order_by("-reported_on", "-pk")[:limit]
    )
    entries = []
    for figure in figures:
        period = f" ({figure.period_label})" if figure.period_label else ""
        claimed = gettext(", according to %(claimant)s") % {"claimant": figure.claimed_by} if figure.claimed_by else ""
        headline = f"{figure.indicator.name}: {figure.display_value} {figure.indicator.unit}{period}{claimed}"
        entries.append(ChangeEntry(FIGURE, figure.reported_on, figure, headline, (figure.source,)))
    return entries


def event_changes(since=None, until=None, limit=LIMIT_PER_KIND):
    events = Event.objects.published()
    if since:
        events = events.filter(Q(happened_on__gte=since) | Q(ends_on__gte=since))
    if until:
        events = events.as_of(until)
    events = events.prefetch_related(Prefetch("sources", queryset=_sources())).order_by("-happened_on", "-pk")[:limit]
    return [ChangeEntry(EVENT, event.happened_on, event, event.title, tuple(event.sources.all())) for event in events]


# Newest first; on one day, versions before stance changes before figures before events.
_KIND_ORDER = {VERSION: 0, STANCE: 1, FIGURE: 2, EVENT: 3}


def changes(since=None, until=None, *, limit_per_kind=LIMIT_PER_KIND, limit=None):
    """Everything that changed from ``since`` to ``until`` (both inclusive, either open), newest first.

    ``limit`` keeps the newest entries of all kinds together (the home page's few).
    """
    per_kind = limit_per_kind if limit is None else min(limit, limit_per_kind)
    groups = {
        VERSION: version_changes(since, until, per_kind),
        STANCE: stance_changes(since, until, per_kind),
        FIGURE: figure_changes(since, until, per_kind),
        EVENT: event_changes(since, until, per_kind),
    }
    entries = [entry for group in groups.values() for entry in group]
    entries.sort(key=lambda e: (-e.date.toordinal(), _KIND_ORDER[e.kind], -e.item.pk))
    truncated = any(len(group) >= per_kind for group in groups.values()) if limit is None else False
    if limit is not None:
        entries = entries[:limit]
    counts = {kind: sum(1 for e in entries if e.kind == kind) for kind in groups}
    return Changes(since=since, until=until, entries=entries, counts=counts, truncated=truncated)


def newest_date():
    """The newest date anything was released, stated, reported or happened on, or None."""
    dates = [
        PlanVersion.objects.published().aggregate(d=Max("released_on"))["d"],
        Position.objects.published().aggregate(d=Max("stated_on"))["d"],
        Figure.objects.published().aggregate(d=Max("reported_on"))["d"],
        Event.objects.published().aggregate(d=Max("happened_on"))["d"],
    ]
    dates = [d for d in dates if d]
    return max(dates) if dates else None


def default_since(today):
    return today - datetime.timedelta(days=DEFAULT_DAYS)
