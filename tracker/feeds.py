"""Atom feeds to follow changes: parties' positions (all, per party, per clause) and versions.

Each entry links to the position or version on its public page and, as a ``related`` link, to
its source (the document itself, or its page on the site when it has no address). Entry ids are
tag URIs that never change, and ``<updated>`` is the row's last change, so a reader shows an
edited entry once, updated.

Each feed speaks the language of its address (``/uk/feeds/...``, ``/ru/feeds/...``, English without a
prefix): titles, subtitles, the words around each entry and its dates; links lead to the pages in
that language. Entry ids are the same in every language.
"""

import datetime
import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker.models import Clause, Event, Indicator, Party, PlanVersion, Position
from tracker.selectors.changes import changes

ENTRIES = 50

# XML 1.0 refuses these; editors sometimes paste them with text from PDFs.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0B\x0C\x0E-\x1F]")


def clean(text):
    return _CONTROL_CHARACTERS.sub("", text or "")


def tag_uri(kind, pk):
    return f"tag:{settings.FEED_TAG_AUTHORITY}:{kind}/{pk}"


def long_date(date):
    """21 November 2025, 21 листопада 2025: the date in words in the active language."""
    return date_format(date, "TRACKER_LONG_DATE")


def _quote(item):
    kind = _("Paraphrase") if item.quote_is_paraphrase else _("Quote")
    return f"{kind}: \u201c{item.quote}\u201d"


def _midnight(date):
    return datetime.datetime.combine(date, datetime.time.min, tzinfo=datetime.UTC)


class SourcedAtomFeed(Atom1Feed):
    """Atom with a ``related`` link from each entry to the source it cites."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("source_url"):
            handler.addQuickElement(
                "link", "", {"rel": "related", "href": item["source_url"], "title": item["source_title"]}
            )


class TrackerFeed(Feed):
    """Atom's ``<summary type="html">`` holds HTML: the feed writer escapes it once for XML and a feed
    reader unescapes that and renders the rest as markup. Editors write plain text, so each entry's
    description (``description_text``) is escaped as HTML first, and a quoted ``<script>`` stays text."""

    feed_type = SourcedAtomFeed

    def item_description(self, item):
        return escape(clean(self.description_text(item)))

    def item_guid(self, item):
        return tag_uri(self.entry_kind, item.pk)

    item_guid_is_permalink = False

    def item_updateddate(self, item):
        return item.updated_at

    def item_extra_kwargs(self, item):
        source = self.item_source(item)
        if source is None:
            return {}
        return {
            "source_url": source.url or source.get_absolute_url(),
            "source_title": clean(f"{source.title} ({source.publisher})"),
        }


class PositionFeed(TrackerFeed):
    """Every party's newly recorded or changed positions, newest change first."""

    entry_kind = "position"

    def feed_guid(self, obj=None):
        return tag_uri("feed", "positions")

    title = gettext_lazy("Peace-plan tracker: positions")
    subtitle = gettext_lazy("Parties' stances on clauses and versions, each with its date and source.")

    def link(self, obj=None):
        return reverse("tracker:timeline")

    def positions(self, obj):
        return Position.objects.published()

    def items(self, obj=None):
        return self.positions(obj).with_related().order_by("-updated_at", "-pk")[:ENTRIES]

    def item_title(self, item):
        voice = f" ({item.actor.name})" if item.actor_id else ""
        return clean(f"{item.party.short_name}{voice} {item.get_stance_display().lower()} {item.subject_words()}")

    def description_text(self, item):
        if item.date_is_approximate:
            stated = _("Stated on %(date)s (approximate date).")
        else:
            stated = _("Stated on %(date)s.")
        parts = [stated % {"date": item.stated_on.isoformat()}]
        if item.quote:
            parts.append(_quote(item))
        if item.note:
            parts.append(item.note)
        parts.append(_("Source: %(source)s.") % {"source": f"{item.source.title} ({item.source.publisher})"})
        return " ".join(parts)

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return _midnight(item.stated_on)

    def item_source(self, item):
        return item.source


class PartyPositionFeed(PositionFeed):
    """One party's positions."""

    def get_object(self, request, slug):
        return get_object_or_404(Party, slug=slug)

    def title(self, obj):
        return clean(_("Peace-plan tracker: positions of %(party)s") % {"party": obj.name})

    def feed_guid(self, obj):
        return tag_uri("feed", f"positions/party/{obj.pk}")

    def link(self, obj):
        return obj.get_absolute_url()

    def positions(self, obj):
        return Position.objects.published().filter(party=obj)


class ClausePositionFeed(PositionFeed):
    """Every party's positions on one clause."""

    def get_object(self, request, plan, version, number):
        clauses = Clause.objects.published().with_version()
        return get_object_or_404(clauses, version__plan__slug=plan, version__slug=version, number=number)

    def title(self, obj):
        title = _("Peace-plan tracker: positions on %(point)s of %(version)s")
        return clean(title % {"point": obj.point_name, "version": obj.version.name})

    def feed_guid(self, obj):
        return tag_uri("feed", f"positions/clause/{obj.pk}")

    def link(self, obj):
        return obj.get_absolute_url()

    def positions(self, obj):
        return Position.objects.published().filter(clause=obj)


class VersionFeed(TrackerFeed):
    """New or changed versions of every plan, newest change first."""

    entry_kind = "version"
    title = gettext_lazy("Peace-plan tracker: plan versions")
    subtitle = gettext_lazy("New texts of the plans, and changes to what is known about them.")

    def feed_guid(self):
        return tag_uri("feed", "versions")

    def link(self):
        return reverse("tracker:home")

    def items(self):
        return (
            PlanVersion.objects.published()
            .select_related("plan")
            .prefetch_related("sources")
            .order_by("-updated_at", "-pk")[:ENTRIES]
        )

    def item_title(self, item):
        return clean(f"{item.plan.title}: {item.name} ({item.get_status_display().lower()})")

    def description_text(self, item):
        released = item.released_on.isoformat() + (f" ({item.released_on_note})" if item.released_on_note else "")
        parts = [
            _("Released on %(date)s.") % {"date": released},
            _("Text known from: %(basis)s.") % {"basis": item.get_text_basis_display().lower()},
        ]
        if item.summary:
            parts.append(item.summary)
        sources = self._sources(item)
        if sources:
            parts.append(
                _("Sources: %(sources)s.") % {"sources": "; ".join(f"{s.title} ({s.publisher})" for s in sources)}
            )
        return " ".join(parts)

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return _midnight(item.released_on)

    def _sources(self, item):
        return sorted(item.sources.all(), key=lambda source: (source.published_on or datetime.date.max, source.pk))

    def item_source(self, item):
        sources = self._sources(item)
        return sources[0] if sources else None


class ChangesFeed(TrackerFeed):
    """Everything the "What changed" page lists: versions, stance changes, figures and events."""

    title = gettext_lazy("Peace-plan tracker: what changed")
    subtitle = gettext_lazy(
        "New and revised plan versions, changes of stance, new figures and events, each with its source."
    )

    def feed_guid(self):
        return tag_uri("feed", "changes")

    def link(self):
        return reverse("tracker:changes")

    def items(self):
        return changes(limit=ENTRIES).entries

    def item_guid(self, item):
        return tag_uri(item.kind, item.item.pk)

    def item_title(self, item):
        return clean(item.headline)

    def item_description(self, item):
        return clean(change_description(item))

    def item_link(self, item):
        return item.url

    def item_pubdate(self, item):
        return _midnight(item.date)

    def item_updateddate(self, item):
        return item.item.updated_at

    def item_source(self, item):
        return item.sources[0] if item.sources else None


def change_description(entry):
    """A change in plain words, with the date and the sources named by publisher and date."""
    item = entry.item
    parts = [f"{long_date(entry.date)}."]
    if entry.kind == "stance" and item.quote:
        parts.append(_quote(item))
    summary = getattr(item, "summary", "") or getattr(item, "description", "") or getattr(item, "caveat", "")
    if summary:
        parts.append(summary)
    if entry.sources:
        parts.append(_("Source: %(source)s.") % {"source": "; ".join(source_name(s) for s in entry.sources)})
    return " ".join(parts)


def source_name(source):
    when = f", {date_format(source.published_on, 'TRACKER_SHORT_DATE')}" if source.published_on else ""
    return f"{source.title} ({source.publisher}{when})"


class EventFeed(TrackerFeed):
    """Dated events (summits, talks, publications), newest first."""

    entry_kind = "event"
    title = gettext_lazy("Peace-plan tracker: events")
    subtitle = gettext_lazy("Summits, talks and publications, each with its sources.")

    def feed_guid(self):
        return tag_uri("feed", "events")

    def link(self):
        return reverse("tracker:timeline") + "?show=events"

    def items(self):
        return Event.objects.published().prefetch_related("sources").order_by("-happened_on", "-pk")[:ENTRIES]

    def item_title(self, item):
        return clean(item.title)

    def item_description(self, item):
        parts = [f"{long_date(item.happened_on)}."]
        if item.description:
            parts.append(item.description)
        sources = self._sources(item)
        if sources:
            parts.append(_("Sources: %(sources)s.") % {"sources": "; ".join(source_name(s) for s in sources)})
        return clean(" ".join(parts))

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return _midnight(item.happened_on)

    def _sources(self, item):
        return sorted(item.sources.all(), key=lambda source: (source.published_on or datetime.date.max, source.pk))

    def item_source(self, item):
        sources = self._sources(item)
        return sources[0] if sources else None


class IndicatorFigureFeed(TrackerFeed):
    """The figures reported for one indicator, newest report first."""

    entry_kind = "figure"

    def get_object(self, request, slug):
        return get_object_or_404(Indicator.objects.public(), slug=slug)

    def title(self, obj):
        return clean(_("Peace-plan tracker: figures for %(indicator)s") % {"indicator": obj.name})

    def feed_guid(self, obj):
        return tag_uri("feed", f"figures/indicator/{obj.pk}")

    def link(self, obj):
        return obj.get_absolute_url()

    def items(self, obj):
        return obj.figures.published().select_related("source", "indicator").order_by("-reported_on", "-pk")[:ENTRIES]

    def item_title(self, item):
        period = f" ({item.period_label})" if item.period_label else ""
        claimed = f" ({item.claimed_by})" if item.claimed_by else ""
        return clean(f"{item.indicator.name}: {item.display_value} {item.indicator.unit}{period}{claimed}")

    def item_description(self, item):
        grade = f"{item.get_kind_display()}, {item.get_confidence_display().lower()}"
        parts = [_("Reported on %(date)s.") % {"date": long_date(item.reported_on)}, f"{grade}."]
        if item.caveat:
            parts.append(item.caveat)
        parts.append(_("Source: %(source)s.") % {"source": source_name(item.source)})
        return clean(" ".join(parts))

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return _midnight(item.reported_on)

    def item_source(self, item):
        return item.source
