from bisect import bisect_left
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Value, Window
from django.db.models.functions import Coalesce, Lag, RowNumber
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import Publishable, readers_rule, written_language_field
from .plans import point_name, visible_clause, visible_version


class Stance(models.TextChoices):
    """An ordered scale, from full support to outright rejection."""

    SUPPORTS = "supports", _("Supports")
    CONDITIONAL = "conditional", _("Supports with conditions")
    AMBIGUOUS = "ambiguous", _("Ambiguous")
    OPPOSES = "opposes", _("Opposes")
    REJECTS = "rejects", _("Rejects")

    @classmethod
    def rank(cls, value):
        """Position on the scale: 0 for supports up to 4 for rejects."""
        return _STANCE_RANKS[value]


# Worked out once: ``Stance.values`` builds a new list on every call, and ranks are read per position.
_STANCE_RANKS = {value: rank for rank, value in enumerate(Stance.values)}


# What a position is about: a point of a version, or a version as a whole (never both; a CHECK
# constraint holds it). Written once here for rows, values and words.


def subject_version():
    """The expression for the version a position bears on, whether through its point or directly."""
    return Coalesce("clause__version", "version")


# Where a point's heading would be, for a position on a version as a whole (English in data files).
WHOLE_VERSION = gettext_noop("(the version as a whole)")


def subject_label(version_name, number=None, heading=""):
    """What a position is about, as a table row or CSV cell names it: "28-point draft, point 6: Armed
    forces", or "28-point draft (the version as a whole)". ``number`` is the point's, None for a version."""
    if number is None:
        return f"{version_name} {gettext(WHOLE_VERSION)}"
    return f"{version_name}, {point_name(number)}: {heading}"


def subject_words(version_name, number=None, heading=""):
    """The same in running text: "point 6 of the 28-point draft (Armed forces)", "the 28-point draft as a
    whole"; without ``heading``, "point 6 of the 28-point draft"."""
    if number is None:
        return gettext("the %(version)s as a whole") % {"version": version_name}
    words = gettext("%(point)s of the %(version)s") % {"point": point_name(number), "version": version_name}
    return words + (f" ({heading})" if heading else "")


def stated_by(date):
    """The condition on a position stated on or before the date (for a count or filter of its own)."""
    return Q(stated_on__lte=date)


class PositionQuerySet(models.QuerySet):
    @readers_rule
    def published(self):
        """Published positions on published subjects: a clause of a published version, or the version."""
        return self.filter(is_published=True).filter(
            (Q(clause__isnull=False) & visible_clause("clause__"))
            | (Q(clause__isnull=True) & visible_version("version__"))
        )

    def as_of(self, date):
        """Positions stated on or before the date."""
        return self.filter(stated_by(date))

    def latest(self):
        """Each party's latest position on each subject (a clause, or a version as a whole).

        Two positions stated on the same day are ordered by entry: the later entry stands.
        Apply published(), as_of() and any narrowing to parties or subjects first; the choice is
        made among those rows only. Filters chained after latest() (stance, actor) narrow the
        result without changing which position counts as the latest; chain select_related() and
        ordering after it too. The rows are ranked in one pass (a window function) rather than by
        a subquery per row, so the cost grows with the rows ranked, not with their square.
        """
        newest = self.ranked().filter(_newest_first=1).values("pk")
        # A fresh QuerySet: the ranked rows already passed this one's filters, and repeating them
        # outside the subquery only misleads the database's planner.
        return self.model._default_manager.db_manager(self.db).filter(pk__in=newest)

    def ranked(self):
        """Each position numbered from the newest within its party and subject (1 = the latest)."""
        return self.annotate(
            _newest_first=Window(
                RowNumber(),
                # A position has either a clause or a version: NULLs share a partition.
                partition_by=[F("party"), F("clause"), F("version")],
                order_by=[F("stated_on").desc(), F("pk").desc()],
            )
        )

    def _with_previous(self):
        # One pass over the rows with a window function: the cost grows with the rows, not their square.
        return self.annotate(
            _previous=Window(
                Lag("stance", default=Value("")),
                partition_by=[F("party"), F("clause"), F("version")],
                order_by=[F("stated_on").asc(), F("pk").asc()],
            )
        )

    def changes_of_stance(self):
        """The pks of positions that are the party's first on their subject or change its stance.

        Compared with the previous position among these rows: apply published() first, and no
        narrowing that should not hide a previous position.
        """
        return self._with_previous().filter(~Q(_previous=F("stance"))).values("pk")

    def with_previous_stance(self):
        """Each row annotated ``previous_stance``: the party's previous stance on its subject among these rows
        ("" for a first statement), looked up row by row (an index on the subject, a few rows each).

        For reading the newest few changes, or those of a short while: the database stops once it has
        enough, where ``changes_of_stance()`` numbers every position first. Apply published() first, and
        no narrowing that should not hide a previous position; narrow to dates after this.
        """
        earlier = Q(stated_on__lt=OuterRef("stated_on")) | Q(stated_on=OuterRef("stated_on"), pk__lt=OuterRef("pk"))
        rows = self.filter(earlier, party=OuterRef("party")).order_by("-stated_on", "-pk").values("stance")
        # A position is on a clause or on a version, never both: the other lookup finds nothing.
        on_clause = Subquery(rows.filter(clause=OuterRef("clause"))[:1])
        on_version = Subquery(rows.filter(version=OuterRef("version"))[:1])
        return self.annotate(previous_stance=Coalesce(on_clause, on_version, Value("")))

    def changes_of_stance_newest_first(self):
        """The positions that are the party's first on their subject or change its stance, newest first, each
        with its ``previous_stance`` (see with_previous_stance())."""
        return self.with_previous_stance().filter(~Q(previous_stance=F("stance"))).order_by("-stated_on", "-pk")

    def previous_stance_by_pk(self):
        """Every row's pk, mapped to the party's previous stance on the same subject among these rows ("" if none)."""
        return dict(self._with_previous().order_by().values_list("pk", "_previous"))

    def previous_stances(self, positions):
        """For each of these positions, the stance of the party's previous position on its subject among these rows.

        A dict from pk to stance (None for a first statement), read with one query over just the
        subjects and parties of ``positions``: linear in the rows asked about.
        """
        positions = list(positions)
        if not positions:
            return {}
        parties = {p.party_id for p in positions}
        clauses = {p.clause_id for p in positions if p.clause_id}
        versions = {p.version_id for p in positions if not p.clause_id}
        track = defaultdict(list)
        rows = self.filter(party__in=parties).filter(
            Q(clause__in=clauses) | Q(clause__isnull=True, version__in=versions)
        )
        for party, clause, version, stated_on, pk, stance in rows.order_by("stated_on", "pk").values_list(
            "party", "clause", "version", "stated_on", "pk", "stance"
        ):
            track[party, clause, None if clause else version].append(((stated_on, pk), stance))
        previous = {}
        for position in positions:
            subject = position.clause_id, None if position.clause_id else position.version_id
            earlier = track.get((position.party_id, *subject), [])
            index = bisect_left(earlier, (position.stated_on, position.pk), key=lambda entry: entry[0])
            previous[position.pk] = earlier[index - 1][1] if index else None
        return previous

    def track(self):
        """The sequence of positions over time."""
        return self.order_by("stated_on", "pk")

    def with_related(self):
        return self.select_related("party").with_subject()

    def with_subject(self):
        """With who voiced each position, its source and what it is about, but not the party."""
        return self.select_related(
            "actor", "source", "clause", "clause__version", "clause__version__plan", "version", "version__plan"
        )


class Position(Publishable):
    """A party's stance on a clause, or on a whole version, stated on a date."""

    party = models.ForeignKey("tracker.Party", on_delete=models.PROTECT, related_name="positions")
    actor = models.ForeignKey(
        "tracker.Actor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="positions",
        help_text=_("Who voiced it, if a named person or office did. Must speak for the party."),
    )
    clause = models.ForeignKey(
        "tracker.Clause",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="positions",
        help_text=_("The clause this position is about. Leave empty for a position on a whole version."),
    )
    version = models.ForeignKey(
        "tracker.PlanVersion",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="positions",
        help_text=_("For a position on a version as a whole. Leave empty when a clause is chosen."),
    )
    stance = models.CharField(max_length=12, choices=Stance)
    stated_on = models.DateField()
    date_is_approximate = models.BooleanField(default=False)
    quote = models.CharField(
        max_length=300, blank=True, help_text=_("A short verbatim quote (under 15 words), attributed to the actor.")
    )
    quote_language = written_language_field(
        blank=True,
        help_text=_(
            "The language of the quote as the source printed it (en, uk, ru...). Left empty, the source's "
            "language is taken."
        ),
    )
    quote_is_paraphrase = models.BooleanField(
        default=False, help_text=_("Tick when the words are a reported paraphrase rather than a verbatim quote.")
    )
    note = models.TextField(blank=True, help_text=_("Context, in the project's own words."))
    source = models.ForeignKey("tracker.Source", on_delete=models.PROTECT, related_name="positions")
    other_sources = models.ManyToManyField(
        "tracker.Source", blank=True, related_name="corroborated_positions", help_text=_("Further sources that agree.")
    )

    objects = PositionQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[other_sources])

    class Meta:
        ordering = ["stated_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(clause__isnull=False) & Q(version__isnull=True))
                | (Q(clause__isnull=True) & Q(version__isnull=False)),
                name="position_on_a_clause_or_a_version",
            ),
            models.CheckConstraint(condition=Q(stance__in=Stance.values), name="position_stance_is_on_the_scale"),
        ]
        indexes = [
            models.Index(fields=["party", "stated_on"], name="position_party_date"),
            # The newest positions first (home page, feeds) without sorting every position.
            models.Index(fields=["stated_on", "id"], name="position_date"),
            models.Index(fields=["updated_at"], name="position_updated"),
        ]

    def __str__(self):
        return f"{self.party.short_name} {self.get_stance_display().lower()} {self.subject} ({self.stated_on})"

    @property
    def subject(self):
        return self.clause if self.clause_id else self.version

    @property
    def subject_version(self):
        """The version the position bears on (its point's, or the one it is about as a whole)."""
        return self.clause.version if self.clause_id else self.version

    @property
    def subject_label(self):
        clause = self.clause if self.clause_id else None
        return subject_label(self.subject_version.name, clause and clause.number, clause and clause.heading)

    def subject_words(self, with_heading=False):
        clause = self.clause if self.clause_id else None
        heading = clause.heading if clause and with_heading else ""
        return subject_words(self.subject_version.name, clause and clause.number, heading)

    @property
    def stance_rank(self):
        return Stance.rank(self.stance)

    def get_absolute_url(self):
        """An address that always shows the position: it answers with the right page of the party's positions."""
        return reverse("tracker:position-detail", kwargs={"pk": self.pk})

    def save(self, *args, **kwargs):
        # The quote is in the words its source printed: in the source's language unless the editor says.
        if not self.quote_language and self.source_id:
            self.quote_language = self.source.language
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "quote_language"}
        super().save(*args, **kwargs)

    def date_conflicts(self):
        """Dates that cannot be right: a statement about a text before anyone reported the text, or a
        statement made after the source that reports it was published."""
        errors = {}
        version = self.subject_version if self.clause_id or self.version_id else None
        if version is not None and self.stated_on < version.released_on:
            errors["stated_on"] = (
                f"{version.name} was first reported on {version.released_on:%d %b %Y}; a position on it "
                "cannot be dated earlier. File it on the text being discussed at the time."
            )
        if self.source_id and self.source.published_on and self.stated_on > self.source.published_on:
            errors["source"] = (
                f"{self.source.key} is dated {self.source.published_on:%d %b %Y}, before the statement it "
                "is cited for; cite a source that reports it, or correct the date."
            )
        return errors

    def clean(self):
        errors = {}
        if self.clause_id and self.version_id:
            errors["version"] = "Choose a clause or a whole version, not both."
        elif not self.clause_id and not self.version_id:
            errors["clause"] = "Choose the clause this position is about, or a whole version."
        if self.actor_id and self.party_id and self.actor.party_id != self.party_id:
            errors["actor"] = f"{self.actor.name} does not speak for {self.party.name}."
        if self.stated_on and not errors:
            errors.update(self.date_conflicts())
        if errors:
            raise ValidationError(errors)
