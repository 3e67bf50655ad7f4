from functools import reduce
from operator import or_

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import Publishable, PublishableQuerySet, readers_rule, written_language_field


class Reliability(models.TextChoices):
    STANDARD = "standard", _("Independent outlet")
    WIRE_REPRINT = "reprint", _("Reprint or aggregator of wire or major-outlet text")
    STATE_MEDIA = "state", _("State or state-aligned media")
    LOW = "low", _("Low reliability")
    OFFICIAL = "official", _("Official document or transcript")


def public_if_used(queryset, uses, row_by_row=False):
    """The rows of ``queryset`` that at least one of ``uses`` refers to: one query.

    Each use is ``(published rows, the column naming this model's row)``. Each becomes ``pk IN (SELECT
    column FROM published rows)``, which the database computes once per query and looks rows up in,
    where an EXISTS per use (correlated) ran once per candidate row: at 100 times the shipped data,
    counting the public sources took 2 s that way and 0.09 s this way. For a query that picks one row
    (an object's page), ``row_by_row`` asks the EXISTS instead: a few index lookups for that row rather
    than every published use of every row (0.04 s for one source at 100 times the data). (The data
    stamp, which asks of the newest few rows only, takes the correlated form too: see
    ``tracker/conditional.py: _public_rows``.)"""
    if row_by_row:
        return queryset.filter(reduce(or_, (Exists(rows.filter(**{column: OuterRef("pk")})) for rows, column in uses)))
    return queryset.filter(
        reduce(or_, (Q(pk__in=rows.filter(**{f"{column}__isnull": False}).values(column)) for rows, column in uses))
    )


class SourceQuerySet(models.QuerySet):
    @readers_rule
    def public(self):
        """Sources something published cites. A source entered for a draft stays with the editors until
        then: its title alone can reveal what the draft is about."""
        return public_if_used(self, self.public_uses())

    @readers_rule
    def public_one(self):
        """``public()`` for a query that picks one source (its page): the same rule, checked for that row."""
        return public_if_used(self, self.public_uses(), row_by_row=True)

    def public_uses(self):
        """What makes a source public (see ``public_if_used``)."""
        from .evidence import Figure
        from .plans import Clause, ClauseLink, PlanVersion, VersionClaim
        from .positions import Position

        return [
            (Figure.objects.published(), "source"),
            (Figure.objects.published(), "other_sources"),
            (Position.objects.published(), "source"),
            (Position.objects.published(), "other_sources"),
            (Event.objects.published(), "sources"),
            (PlanVersion.objects.published(), "sources"),
            (Clause.objects.published(), "sources"),
            (ClauseLink.objects.published(), "source"),
            (VersionClaim.objects.published(), "source"),
        ]


class Source(models.Model):
    """A document that facts on the site are taken from: an article, a statement, a transcript."""

    key = models.SlugField(
        max_length=40,
        unique=True,
        help_text=_("A short stable identifier used in the shipped dataset and in citations, such as S01."),
    )
    title = models.CharField(max_length=300, help_text=_("As the source printed it, in its own language."))
    language = written_language_field(
        default="en",
        help_text=_(
            "The language the source is written in (en, uk, ru, it...): its title and the quotes taken "
            "from it are marked with it, whatever language the reader reads the site in."
        ),
    )
    publisher = models.CharField(max_length=200, help_text=_("The outlet or body that published it."))
    url = models.URLField("URL", max_length=600, blank=True)
    no_url_reason = models.CharField(
        "reason for no URL",
        max_length=300,
        blank=True,
        help_text=_("Required when there is no URL: say why (print only, private briefing...)."),
    )
    published_on = models.DateField(
        null=True, blank=True, help_text=_("The date the source shows, or the likely date from context.")
    )
    date_is_approximate = models.BooleanField(
        default=False, help_text=_("Tick when the page shows no date and the date is inferred from context.")
    )
    date_note = models.CharField(max_length=200, blank=True)
    reliability = models.CharField(max_length=12, choices=Reliability, default=Reliability.STANDARD)
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SourceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["key", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(url="") | ~Q(no_url_reason=""),
                name="source_has_url_or_reason",
            ),
        ]
        indexes = [models.Index(fields=["updated_at"], name="source_updated")]

    def __str__(self):
        return f"{self.key}: {self.title} ({self.publisher})"

    def get_absolute_url(self):
        return reverse("tracker:source-detail", kwargs={"key": self.key})

    def clean(self):
        if not self.url and not self.no_url_reason:
            raise ValidationError({"no_url_reason": "Give a URL, or say why the source has none."})


class EventKind(models.TextChoices):
    SUMMIT = "summit", _("Summit")
    TALKS = "talks", _("Talks")
    PUBLICATION = "publication", _("Publication or leak")
    STATEMENT = "statement", _("Statement")
    DECISION = "decision", _("Decision")
    OTHER = "other", _("Other")


class EventQuerySet(PublishableQuerySet):
    def as_of(self, date):
        return self.filter(happened_on__lte=date)


class Event(Publishable):
    """A dated happening: a summit, a round of talks, the publication of a text."""

    happened_on = models.DateField("date")
    ends_on = models.DateField(null=True, blank=True, help_text=_("Last day, for events over several days."))
    date_is_approximate = models.BooleanField(default=False)
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=12, choices=EventKind, default=EventKind.OTHER)
    description = models.TextField(blank=True, help_text=_("What happened, in the project's own words."))
    parties = models.ManyToManyField("tracker.Party", blank=True, related_name="events")
    sources = models.ManyToManyField(Source, related_name="events")

    objects = EventQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[parties, sources])

    class Meta:
        ordering = ["happened_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("happened_on")),
                name="event_ends_after_it_starts",
            ),
        ]
        indexes = [
            # The newest events first (home page, timeline) without sorting every event.
            models.Index(fields=["happened_on", "id"], name="event_date"),
            models.Index(fields=["updated_at"], name="event_updated"),
        ]

    def __str__(self):
        return f"{self.happened_on}: {self.title}"

    def get_absolute_url(self):
        """An address that always shows the event: it answers with the page of the timeline that lists it."""
        return reverse("tracker:event-detail", kwargs={"pk": self.pk})

    def clean(self):
        if self.ends_on and self.happened_on and self.ends_on < self.happened_on:
            raise ValidationError({"ends_on": "An event cannot end before it starts."})

    @staticmethod
    def sources_dated_before(happened_on, sources):
        """The cited sources whose inferred date falls before the event they report: a source reports what
        happened, so its date is no earlier. (A source with a date of its own may announce an event to come.)
        Takes anything with key, published_on and date_is_approximate: sources, or rows of the dataset."""
        return [
            source
            for source in sources
            if happened_on and source.date_is_approximate and source.published_on and source.published_on < happened_on
        ]

    @staticmethod
    def describe_sources_dated_before(happened_on, sources):
        return "; ".join(
            f"source {source.key!r} is given the inferred date {source.published_on}, before the event it reports "
            f"({happened_on}); date the source no earlier than what it reports"
            for source in Event.sources_dated_before(happened_on, sources)
        )
