"""Lineage between two versions of a plan, computed from the links editors record.

Links run from an earlier clause to a later one. Comparing an earlier version E with a
later version L groups the links between their clauses into connected pieces:

- one clause to one clause: unchanged, reworded or amended (the link's relation);
- one to several: split; several to one: merged; several to several: restructured;
- an E clause with no link into L: dropped when L's text is fully known or a removal
  is recorded, otherwise "fate not reported";
- an L clause with no link back: new when E's text is fully known, otherwise "origin
  not reported".

Where two versions have no direct link (both revise a third), pieces are joined through
the versions in between and marked indirect; the relation is then the strongest change
met on the way.
"""

from collections import defaultdict, deque
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from tracker.models import Clause, ClauseLink, LinkRelation

_SEVERITY = [LinkRelation.UNCHANGED, LinkRelation.REWORDED, LinkRelation.AMENDED]


class Change(models.TextChoices):
    UNCHANGED = "unchanged", _("Unchanged")
    REWORDED = "reworded", _("Reworded")
    AMENDED = "amended", _("Amended")
    MERGED = "merged", _("Merged")
    SPLIT = "split", _("Split")
    RESTRUCTURED = "restructured", _("Merged and split")
    DROPPED = "dropped", _("Dropped")
    NEW = "new", _("New")
    FATE_NOT_REPORTED = "fate_not_reported", _("Fate not reported")
    ORIGIN_NOT_REPORTED = "origin_not_reported", _("Origin not reported")


@dataclass
class Row:
    """One pairing in a comparison: earlier clauses, later clauses, what happened, and why we know."""

    change: str
    earlier: list = field(default_factory=list)
    later: list = field(default_factory=list)
    links: list = field(default_factory=list)
    indirect: bool = False

    @property
    def label(self):
        return Change(self.change).label

    @property
    def sort_key(self):
        first = (self.earlier or self.later)[0]
        side = 0 if self.earlier else 1
        return (side, first.sort_order, first.pk)


@dataclass
class Comparison:
    earlier: object
    later: object
    rows: list
    reversed: bool = False

    def counts(self):
        totals = {change: 0 for change in Change.values}
        for row in self.rows:
            totals[row.change] += 1
        return totals


def _chronological(a, b):
    return (a.released_on, a.pk) <= (b.released_on, b.pk)


def compare_versions(a, b, *, clauses=None, links=None):
    """Compare two versions of one plan, in either order; rows are chronological.

    ``clauses`` and ``links`` may be passed in (already limited to what readers may see);
    by default every published clause and link of the plan is used. Runs two queries.
    """
    if a.plan_id != b.plan_id:
        raise ValueError("Only versions of the same plan can be compared.")
    is_reversed = not _chronological(a, b)
    earlier, later = (b, a) if is_reversed else (a, b)
    if clauses is None:
        clauses = list(
            Clause.objects.published().filter(version__plan_id=a.plan_id).select_related("version", "version__plan")
        )
    if links is None:
        links = list(ClauseLink.objects.published().filter(from_version__plan_id=a.plan_id).select_related("source"))
    by_id = {clause.pk: clause for clause in clauses}
    edges = defaultdict(list)  # clause id -> [(other clause id, link)]
    removals = defaultdict(list)  # (clause id, version id) -> [link]
    for link in links:
        if link.to_clause_id is None:
            removals[(link.from_clause_id, link.to_version_id)].append(link)
        elif link.from_clause_id in by_id and link.to_clause_id in by_id:
            edges[link.from_clause_id].append((link.to_clause_id, link))
            edges[link.to_clause_id].append((link.from_clause_id, link))

    side = {c.pk: c.version_id for c in clauses}
    earlier_ids = [c.pk for c in sorted(clauses, key=lambda c: (c.sort_order, c.pk)) if c.version_id == earlier.pk]
    later_ids = [c.pk for c in sorted(clauses, key=lambda c: (c.sort_order, c.pk)) if c.version_id == later.pk]

    def reach(start):
        """Clauses of the other end version reachable from start, with the links on the way."""
        target_version = later.pk if side[start] == earlier.pk else earlier.pk
        found = {}
        seen = {start}
        queue = deque([(start, [])])
        while queue:
            node, path = queue.popleft()
            for other, link in edges[node]:
                if other in seen:
                    continue
                seen.add(other)
                if side[other] == target_version:
                    found[other] = path + [link]
                elif side[other] not in (earlier.pk, later.pk):
                    queue.append((other, path + [link]))
        return found

    # Join clauses into connected pieces across the two versions.
    partner = {cid: reach(cid) for cid in earlier_ids + later_ids}
    rows, placed = [], set()
    for cid in earlier_ids + later_ids:
        if cid in placed:
            continue
        group, stack = {cid}, [cid]
        while stack:
            node = stack.pop()
            for other in partner[node]:
                if other not in group:
                    group.add(other)
                    stack.append(other)
        placed |= group
        olds = [by_id[i] for i in earlier_ids if i in group]
        news = [by_id[i] for i in later_ids if i in group]
        paths = [partner[o][n] for o in (c.pk for c in olds) for n in (c.pk for c in news) if n in partner[o]]
        path_links = list(dict.fromkeys(link for path in paths for link in path))
        indirect = any(len(path) > 1 for path in paths)
        if olds and news:
            if len(olds) == 1 and len(news) == 1:
                relations = [link.relation for link in path_links]
                change = max(relations, key=_SEVERITY.index)
            elif len(olds) == 1:
                change = Change.SPLIT
            elif len(news) == 1:
                change = Change.MERGED
            else:
                change = Change.RESTRUCTURED
            rows.append(Row(str(change), olds, news, path_links, indirect))
        elif olds:
            removal = removals.get((cid, later.pk), [])
            if removal:
                rows.append(Row(Change.DROPPED, olds, [], removal))
            elif later.text_is_complete:
                rows.append(Row(Change.DROPPED, olds, []))
            else:
                rows.append(Row(Change.FATE_NOT_REPORTED, olds, []))
        else:
            change = Change.NEW if earlier.text_is_complete else Change.ORIGIN_NOT_REPORTED
            rows.append(Row(change, [], news))
    rows.sort(key=lambda row: row.sort_key)
    return Comparison(earlier=earlier, later=later, rows=rows, reversed=is_reversed)
