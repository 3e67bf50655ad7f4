"""Start a version from another; publish a version with everything in it. Each in one transaction."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tracker.history import save_with_relations
from tracker.models import Clause, ClauseLink, Figure, Grade, LinkRelation, PlanVersion, Position
from tracker.translation import in_english, language_columns


def _stamp(obj, user, reason):
    obj._change_reason = reason
    if user is not None:
        obj._history_user = user


@dataclass(frozen=True)
class StartedVersion:
    version: PlanVersion
    clauses: list
    links: list


@in_english
@transaction.atomic
def start_version_from(
    earlier, *, name, slug, released_on, status, text_basis, sources, copy_points=True, copy_topics=False, user=None
):
    """A new draft version of the same plan revising ``earlier``, optionally with a copy of its points.

    Each copied point is a new draft clause (same number, heading, summary, text, sources, and the
    topics when asked), linked from the earlier point as "unchanged": a proposal the editor then
    confirms or changes on the lineage page. The name given is English; a copied point keeps its
    translations.
    """
    version = PlanVersion(
        plan=earlier.plan,
        name=name,
        slug=slug,
        released_on=released_on,
        status=status,
        text_basis=text_basis,
        based_on=earlier,
        is_published=False,
    )
    version.full_clean(exclude=["sources"])
    _stamp(version, user, f"Started from {earlier.name}")
    save_with_relations(version, {"sources": list(sources)})
    clauses, links = [], []
    if copy_points:
        originals = list(earlier.clauses.order_by("sort_order", "pk").prefetch_related("topics", "sources"))
        for original in originals:
            copy = Clause(
                version=version,
                number=original.number,
                sort_order=original.sort_order,
                heading=original.heading,
                summary=original.summary,
                text=original.text,
                text_basis=original.text_basis,
                is_published=False,
                **{column: getattr(original, column) for column in language_columns(Clause)},
            )
            _stamp(copy, user, f"Copied from {earlier.name} point {original.number}")
            relations = {"sources": list(original.sources.all())}
            if copy_topics:
                relations["topics"] = list(original.topics.all())
            save_with_relations(copy, relations)
            link = ClauseLink(
                from_clause=original,
                to_clause=copy,
                relation=LinkRelation.UNCHANGED,
                grade=Grade.UNVERIFIED,
                note="Proposed when the version was started from the earlier one: check it.",
            )
            _stamp(link, user, "Proposed when the version was started")
            link.save()
            clauses.append(copy)
            links.append(link)
    return StartedVersion(version=version, clauses=clauses, links=links)


@dataclass(frozen=True)
class PublishPlan:
    """What publishing a version changes, and what readers will then see of it."""

    version: PlanVersion
    plan_is_draft: bool
    clauses: list  # every point of the version (drafts are published)
    draft_clauses: list
    links: list  # lineage links that readers will see once both ends are public
    targets: list
    positions: list  # draft positions on the version or its points
    figures: list  # draft figures of the indicators its points target or cite

    @property
    def nothing_to_do(self):
        return not (self.plan_is_draft or not self.version.is_published or self.draft_clauses or self.positions)


def publish_plan(version):
    """Everything that publishing ``version`` would make public, for the editor to check first."""
    clauses = list(version.clauses.order_by("sort_order", "pk").prefetch_related("targets__indicator"))
    clause_ids = [c.pk for c in clauses]
    links = list(
        ClauseLink.objects.filter(Q(from_clause__in=clause_ids) | Q(to_clause__in=clause_ids) | Q(to_version=version))
        .select_related("from_clause", "from_clause__version", "to_clause", "to_clause__version", "to_version")
        .order_by("from_clause__version__released_on", "from_clause__sort_order", "pk")
    )
    targets = [target for clause in clauses for target in clause.targets.all()]
    context = Clause.context_indicators.through.objects.filter(clause_id__in=clause_ids)
    indicator_ids = {t.indicator_id for t in targets} | set(context.values_list("indicator_id", flat=True))
    positions = list(
        Position.objects.filter(is_published=False)
        .filter(Q(clause__in=clause_ids) | Q(version=version))
        .select_related("party", "actor", "clause", "clause__version", "version", "source")
        .order_by("stated_on", "pk")
    )
    figures = list(
        Figure.objects.filter(is_published=False, indicator__in=indicator_ids)
        .select_related("indicator", "source")
        .order_by("indicator__name", "reported_on", "pk")
    )
    return PublishPlan(
        version=version,
        plan_is_draft=not version.plan.is_published,
        clauses=clauses,
        draft_clauses=[c for c in clauses if not c.is_published],
        links=links,
        targets=targets,
        positions=positions,
        figures=figures,
    )


@dataclass(frozen=True)
class Published:
    count: int


@transaction.atomic
def publish_version(version, *, position_ids=None, figure_ids=None, user=None):
    """Publish the version, its plan if still a draft, all its points, and the chosen draft positions
    and figures, in one transaction: readers see all of it or none of it.

    Each object is saved on its own, so its history row records it with its topics and sources.
    ``position_ids`` and ``figure_ids`` limit what is published among the drafts ``publish_plan``
    lists (None: all of them).
    """
    version = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version.pk)
    plan = publish_plan(version)
    positions = [p for p in plan.positions if position_ids is None or p.pk in set(position_ids)]
    figures = [f for f in plan.figures if figure_ids is None or f.pk in set(figure_ids)]
    objects = []
    if plan.plan_is_draft:
        objects.append(version.plan)
    if not version.is_published:
        objects.append(version)
    objects += plan.draft_clauses + positions + figures
    now = timezone.now()
    for obj in objects:
        obj.is_published = True
        obj.updated_at = now
        obj.edit_version += 1  # a form opened before publishing is now stale
        _stamp(obj, user, f"Published with {version.name}")
        obj.save(update_fields=["is_published", "updated_at", "edit_version"])
    return Published(count=len(objects))
