from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import Grade, Publishable, PublishableQuerySet, readers_rule, showing_drafts


class TopicQuerySet(models.QuerySet):
    @readers_rule
    def public(self):
        """Topics of at least one published clause; one made for a draft stays with the editors until then."""
        return self.filter(Exists(Clause.objects.published().filter(topics=OuterRef("pk"))))


class Topic(models.Model):
    """A subject heading clauses are filed under: territory, armed forces, sanctions..."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    objects = TopicQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


class Plan(Publishable):
    """A negotiated framework that goes through versions."""

    slug = models.SlugField(
        max_length=80,
        unique=True,
        help_text=_("Used in the address, e.g. us-framework-2025 in /plans/us-framework-2025/."),
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True, help_text=_("What the plan is about, in the project's own words."))
    coverage_note = models.TextField(
        blank=True,
        help_text=_(
            "What period the record covers and where the sources consulted fall silent, so readers do "
            "not take the end of the record for the end of events. Shown on the home page and the timeline."
        ),
    )

    objects = PublishableQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["title", "pk"]
        indexes = [models.Index(fields=["updated_at"], name="plan_updated")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("tracker:plan-detail", kwargs={"plan": self.slug})


class VersionStatus(models.TextChoices):
    LEAKED = "leaked", _("Leaked")
    PROPOSED = "proposed", _("Proposed")
    COUNTER_PROPOSAL = "counter", _("Counter-proposal")
    REVISED = "revised", _("Revised draft")
    AGREED = "agreed", _("Agreed")
    SUPERSEDED = "superseded", _("Superseded")
    REJECTED = "rejected", _("Rejected")


class TextBasis(models.TextChoices):
    """How completely a version's text is known."""

    OFFICIAL_FULL = "official_full", _("Official full text")
    LEAKED_FULL = "leaked_full", _("Leaked full text")
    PARTIAL = "partial", _("Partial reports")
    ORAL_SUMMARY = "oral_summary", _("Oral summary")


FULL_TEXT_BASES = (TextBasis.OFFICIAL_FULL, TextBasis.LEAKED_FULL)

# Addresses under /plans/<plan>/ that are pages of the plan, so no version may take them as its slug.
RESERVED_VERSION_SLUGS = ("compare",)


def point_name(number):
    """How readers see a point: "point 6", or "point (number not reported)" for an editor's working key
    (a point of a partly known text)."""
    if number[:1].isdigit():
        return gettext("point %(number)s") % {"number": number}
    return gettext("point (number not reported)")


def visible_version(prefix=""):
    """The rule for a version readers may see: it and its plan are published. ``prefix`` reaches it
    from another model (``"clause__version__"``). ``published()`` applies it, and lifts it for an
    editor's draft preview; use it directly only inside another model's ``published()``."""
    return Q(**{f"{prefix}is_published": True, f"{prefix}plan__is_published": True})


def visible_clause(prefix=""):
    """The rule for a clause readers may see: it, its version and its plan are published."""
    return Q(**{f"{prefix}is_published": True}) & visible_version(f"{prefix}version__")


def released_by(date, prefix=""):
    """The condition on a version released on or before the date (``prefix`` as for ``visible_version``)."""
    return Q(**{f"{prefix}released_on__lte": date})


class PlanVersionQuerySet(models.QuerySet):
    @readers_rule
    def published(self):
        return self.filter(visible_version())

    def as_of(self, date):
        """Versions released on or before the date."""
        return self.filter(released_by(date))


class PlanVersion(Publishable):
    """One text of a plan, such as the 28-point draft or the 19-point revision."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="versions")
    slug = models.SlugField(
        max_length=80, help_text=_("Used in the address, e.g. 28-point in /plans/us-framework-2025/28-point/.")
    )
    name = models.CharField(max_length=200)
    released_on = models.DateField(
        help_text=_(
            "When the text was first reported: published, leaked or described by those who had it. "
            "Positions on it cannot be dated earlier; record a later formal release as a claim."
        )
    )
    released_on_note = models.CharField(
        max_length=300, blank=True, help_text=_("Say when the date is uncertain, e.g. 'published overnight 20-21 Nov'.")
    )
    status = models.CharField(max_length=12, choices=VersionStatus, default=VersionStatus.PROPOSED)
    text_basis = models.CharField(
        max_length=14,
        choices=TextBasis,
        default=TextBasis.PARTIAL,
        help_text=_(
            "How completely the text is known. Lineage treats unlinked clauses of a partly known "
            "version as 'fate not reported' rather than 'dropped'."
        ),
    )
    based_on = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="revisions",
        help_text=_("The version this one revises or answers."),
    )
    proposed_by = models.ManyToManyField("tracker.Party", blank=True, related_name="versions_proposed")
    point_count = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Number of points as generally reported; disputed counts go under claims.")
    )
    summary = models.TextField(blank=True, help_text=_("What this version is and how it came about."))
    sources = models.ManyToManyField("tracker.Source", related_name="versions")

    objects = PlanVersionQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[proposed_by, sources])

    class Meta:
        ordering = ["plan", "released_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "slug"], name="unique_version_slug_per_plan"),
            models.CheckConstraint(condition=~Q(based_on=F("pk")), name="version_not_based_on_itself"),
            models.CheckConstraint(condition=~Q(slug__in=RESERVED_VERSION_SLUGS), name="version_slug_not_reserved"),
        ]
        indexes = [
            # The most recently released versions first (home page, party pages) without sorting them all.
            models.Index(fields=["released_on", "id"], name="version_release_date"),
            models.Index(fields=["updated_at"], name="version_updated"),
        ]

    def __str__(self):
        return f"{self.plan.title}: {self.name}"

    @property
    def is_visible(self):
        """``visible_version`` for a row already loaded (say, the version another revises)."""
        return showing_drafts() or (self.is_published and self.plan.is_published)

    def is_released_by(self, date):
        """``released_by`` for a row already loaded."""
        return self.released_on <= date

    def get_absolute_url(self):
        return reverse("tracker:version-detail", kwargs={"plan": self.plan.slug, "version": self.slug})

    @property
    def text_is_complete(self):
        return self.text_basis in FULL_TEXT_BASES

    def clean(self):
        if self.slug in RESERVED_VERSION_SLUGS:
            raise ValidationError({"slug": f"'{self.slug}' is the address of a page of the plan; choose another."})
        if self.based_on_id and self.pk and self.based_on_id == self.pk:
            raise ValidationError({"based_on": "A version cannot revise itself."})
        if self.based_on_id and self.plan_id and self.based_on.plan_id != self.plan_id:
            raise ValidationError({"based_on": "A version can only revise a version of the same plan."})


class VersionClaimQuerySet(models.QuerySet):
    @readers_rule
    def published(self):
        return self.filter(visible_version("version__"))


class VersionClaim(models.Model):
    """A sourced claim about a version's metadata that is disputed, such as its number of points."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="claims")
    attribute = models.CharField(max_length=100, help_text=_("What is claimed about, e.g. 'number of points'."))
    value = models.CharField(max_length=200)
    stated_on = models.DateField()
    claimed_by = models.ForeignKey(
        "tracker.Actor", on_delete=models.PROTECT, null=True, blank=True, related_name="version_claims"
    )
    grade = models.CharField(max_length=12, choices=Grade, default=Grade.REPORTED)
    note = models.TextField(blank=True)
    source = models.ForeignKey("tracker.Source", on_delete=models.PROTECT, related_name="version_claims")

    objects = VersionClaimQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "stated_on", "pk"]

    def __str__(self):
        return f"{self.version.name}: {self.attribute} = {self.value}"


class ClauseTextBasis(models.TextChoices):
    """How a clause's wording is known."""

    OFFICIAL = "official", _("Official text")
    LEAKED = "leaked", _("Leaked text")
    REPORTED = "reported", _("Reported (paraphrase from media accounts)")
    ORAL = "oral", _("Oral summary")


# A clause's number is the last part of its address (/plans/<plan>/<version>/<number>/): letters and
# digits, with dots, hyphens, underscores and brackets between them ("6", "12a", "6.1", "II-3", "4(b)").
# A slash would split the address, so the database refuses it too.
validate_clause_number = RegexValidator(
    r"^[^\W_][\w.()-]*\Z",
    "Use letters and digits, with . - _ ( ) between them, such as 6, 12a or 6.1 (no slash or space).",
    code="invalid_clause_number",
)


class ClauseQuerySet(models.QuerySet):
    @readers_rule
    def published(self):
        return self.filter(visible_clause())

    def with_version(self):
        return self.select_related("version", "version__plan")


class Clause(Publishable):
    """One point of a version. Its identity is the row; its number is only a label."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="clauses")
    number = models.CharField(
        max_length=20,
        validators=[validate_clause_number],
        help_text=_("The label the text gives the point, such as 6 or 12a. Unique within a version."),
    )
    sort_order = models.PositiveIntegerField(default=0, help_text=_("Clauses are listed by this number."))
    heading = models.CharField(max_length=200)
    summary = models.TextField(
        blank=True,
        help_text=_(
            "What the point says, in the project's own words. May stay empty while the verbatim text says enough."
        ),
    )
    text = models.TextField(blank=True, help_text=_("The verbatim text, where it is public."))
    text_basis = models.CharField(max_length=10, choices=ClauseTextBasis, default=ClauseTextBasis.REPORTED)
    topics = models.ManyToManyField(Topic, blank=True, related_name="clauses")
    sources = models.ManyToManyField("tracker.Source", blank=True, related_name="clauses")
    context_indicators = models.ManyToManyField(
        "tracker.Indicator",
        blank=True,
        related_name="context_clauses",
        help_text=_("Indicators that bear on this clause without being one of its numeric terms."),
    )

    objects = ClauseQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[topics, sources, context_indicators])

    class Meta:
        ordering = ["version", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="unique_clause_number_per_version"),
            models.CheckConstraint(
                condition=~Q(number="") & ~Q(number__contains="/"),
                name="clause_number_fits_an_address",
                violation_error_message="A clause number cannot be empty or contain a slash.",
            ),
        ]
        indexes = [
            models.Index(fields=["updated_at"], name="clause_updated"),
            # Every public position, target and link is joined to its clause to ask whether the clause,
            # its version and plan are published: this narrow index answers that without reading the
            # clauses' texts (the table's rows are wide; the database scans the index alone).
            models.Index(fields=["id", "version", "is_published"], name="clause_publication"),
        ]

    def __str__(self):
        return f"{self.version.name} point {self.number}: {self.heading}"

    def get_absolute_url(self):
        return reverse(
            "tracker:clause-detail",
            kwargs={"plan": self.version.plan.slug, "version": self.version.slug, "number": self.number},
        )

    @property
    def has_reported_number(self):
        """Whether the number is the text's own; editors give points of a partly known text working keys."""
        return self.number[:1].isdigit()  # as point_name() reads it

    @property
    def point_name(self):
        return point_name(self.number)

    def clean(self):
        if not self.summary.strip() and not self.text.strip():
            # Not tied to one field: the version page's rows show the summary only.
            raise ValidationError("Give a summary in the project's own words, or the verbatim text.")

    @property
    def gist(self):
        """What to show readers about the point: the summary, or the verbatim text while there is none."""
        return self.summary or self.text

    def validate_unique(self, exclude=None):
        super().validate_unique(exclude)
        if self.version_id and self.number:
            clash = Clause.objects.filter(version_id=self.version_id, number=self.number).exclude(pk=self.pk)
            if clash.exists():
                raise ValidationError({"number": f"This version already has a point {self.number}."})


class LinkRelation(models.TextChoices):
    UNCHANGED = "unchanged", _("Unchanged")
    REWORDED = "reworded", _("Reworded")
    AMENDED = "amended", _("Amended")
    REMOVED = "removed", _("Removed (reported)")


class ClauseLinkQuerySet(models.QuerySet):
    @readers_rule
    def published(self):
        """Links between published clauses, and reported removals from published versions.

        Joins rather than ``IN (published clauses)``, so the database starts from the links asked
        for (one plan's, one clause's) instead of listing every published clause first.
        """
        return self.filter(visible_clause("from_clause__")).filter(
            visible_clause("to_clause__") | (Q(to_clause__isnull=True) & visible_version("to_version__"))
        )


class ClauseLink(models.Model):
    """Lineage: an earlier clause carried into a later version, or reported removed from it.

    Merges and splits are several links. The two versions are stored on the row so the
    database itself can refuse a link within one version.
    """

    from_clause = models.ForeignKey(Clause, on_delete=models.CASCADE, related_name="links_forward")
    to_clause = models.ForeignKey(
        Clause,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="links_back",
        help_text=_("The later clause. Leave empty to record that the point was removed from the later version."),
    )
    from_version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="+", editable=False)
    to_version = models.ForeignKey(
        PlanVersion,
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
        help_text=_(
            "For a removal: the later version the point was removed from. Filled in from the later clause otherwise."
        ),
    )
    relation = models.CharField(max_length=10, choices=LinkRelation)
    note = models.TextField(blank=True, help_text=_("What changed, in the project's own words."))
    grade = models.CharField(max_length=12, choices=Grade, default=Grade.REPORTED)
    source = models.ForeignKey(
        "tracker.Source", on_delete=models.PROTECT, null=True, blank=True, related_name="clause_links"
    )

    objects = ClauseLinkQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["from_clause__version", "from_clause__sort_order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_version=F("to_version")), name="link_joins_two_different_versions"
            ),
            models.CheckConstraint(
                condition=(Q(to_clause__isnull=False) & ~Q(relation="removed"))
                | (Q(to_clause__isnull=True) & Q(relation="removed") & Q(to_version__isnull=False)),
                name="link_has_later_clause_or_records_removal",
            ),
            models.UniqueConstraint(fields=["from_clause", "to_clause"], name="unique_clause_link"),
            models.UniqueConstraint(
                fields=["from_clause", "to_version"],
                condition=Q(to_clause__isnull=True),
                name="unique_removal_per_version",
            ),
        ]

    def __str__(self):
        target = self.to_clause or f"removed from {self.to_version}"
        return f"{self.from_clause} -> {target}"

    def save(self, *args, **kwargs):
        self._sync_versions()
        super().save(*args, **kwargs)

    def _sync_versions(self):
        if self.from_clause_id:
            self.from_version_id = Clause.objects.values_list("version_id", flat=True).get(pk=self.from_clause_id)
        if self.to_clause_id:
            self.to_version_id = Clause.objects.values_list("version_id", flat=True).get(pk=self.to_clause_id)

    def clean(self):
        errors = {}
        if not self.from_clause_id:
            return
        self._sync_versions()
        if self.to_clause_id:
            if self.relation == LinkRelation.REMOVED:
                errors["relation"] = "A removal has no later clause: clear the later clause, or pick another relation."
            elif self.to_version_id == self.from_version_id:
                errors["to_clause"] = "A link must join clauses of two different versions."
            elif self.to_clause.version.plan_id != self.from_clause.version.plan_id:
                errors["to_clause"] = "A link must join clauses of the same plan."
        else:
            if self.relation != LinkRelation.REMOVED:
                errors["to_clause"] = "Choose the later clause, or set the relation to 'removed'."
            if not self.to_version_id:
                errors["to_version"] = "Name the later version the point was removed from."
            elif self.to_version_id == self.from_version_id:
                errors["to_version"] = "A point cannot be removed from its own version."
            elif PlanVersion.objects.filter(pk=self.to_version_id).values_list("plan_id", flat=True).first() != (
                self.from_clause.version.plan_id
            ):
                errors["to_version"] = "The later version must belong to the same plan."
        if errors:
            raise ValidationError(errors)

    @property
    def is_removal(self):
        return self.to_clause_id is None
