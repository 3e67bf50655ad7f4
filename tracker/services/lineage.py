"""Propose and save the lineage between the points of two versions, all in one go."""

import difflib
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from tracker.models import ClauseLink, LinkRelation

REMOVED = "removed"
# Below this similarity, a point is not proposed as another's counterpart (unless it has the same number).
MIN_SCORE = 0.35
SAME_NUMBER_MIN_SCORE = 0.2
SAME_NUMBER_BONUS = 0.1


def _words(clause):
    return re.findall(r"\w+", (clause.text or clause.summary or clause.heading).lower())


def similarity(a_words, b_words):
    """Share of words the two texts have in common, in order (0 to 1)."""
    if not a_words and not b_words:
        return 1.0
    return difflib.SequenceMatcher(None, a_words, b_words, autojunk=False).ratio()


def proposed_relation(score):
    if score >= 0.999:
        return LinkRelation.UNCHANGED
    if score >= 0.8:
        return LinkRelation.REWORDED
    return LinkRelation.AMENDED


@dataclass
class Row:
    """One point of the earlier version with its proposed (or recorded) counterpart in the later one."""

    earlier: object
    later: object  # a Clause, or None
    relation: str  # a LinkRelation value, or "" for no link
    score: float | None
    existing: list  # links already recorded from this point into the later version
    proposed: bool  # True when no link was recorded and this row is a guess

    @property
    def locked(self):
        """Several links (a split) are edited on the point's own page, not here."""
        return len(self.existing) > 1

    @property
    def choice(self):
        if self.relation == LinkRelation.REMOVED:
            return REMOVED
        return str(self.later.pk) if self.later else ""


def propose(earlier, later):
    """A row per point of ``earlier``: its recorded link into ``later``, or the best-matching point there.

    Proposals pair points by text similarity (difflib over words), with a small bonus for the same
    number; each later point is proposed once at most, best pairs first. Recorded links stand as
    they are.
    """
    old = list(earlier.clauses.order_by("sort_order", "pk"))
    new = list(later.clauses.order_by("sort_order", "pk"))
    new_by_id = {c.pk: c for c in new}
    existing = {}
    for link in ClauseLink.objects.filter(from_clause__version=earlier, to_version=later).order_by("pk"):
        existing.setdefault(link.from_clause_id, []).append(link)
    words = {c.pk: _words(c) for c in old + new}
    numbers = {c.pk: c.number for c in old + new}
    scores = {}
    for a in old:
        for b in new:
            matcher = difflib.SequenceMatcher(None, words[a.pk], words[b.pk], autojunk=False)
            if a.number != b.number and matcher.real_quick_ratio() < MIN_SCORE:
                continue
            scores[(a.pk, b.pk)] = matcher.ratio()

    taken = {link.to_clause_id for links in existing.values() for link in links if link.to_clause_id}
    choice = {}

    def ranked(pair):
        a, b = pair
        return scores[pair] + (SAME_NUMBER_BONUS if numbers[a] == numbers[b] else 0)

    for pair in sorted(scores, key=ranked, reverse=True):
        a_id, b_id = pair
        if a_id in existing or a_id in choice or b_id in taken:
            continue
        same_number = numbers[a_id] == numbers[b_id]
        if scores[pair] >= MIN_SCORE or (same_number and scores[pair] >= SAME_NUMBER_MIN_SCORE):
            choice[a_id] = b_id
            taken.add(b_id)

    rows = []
    for a in old:
        links = existing.get(a.pk, [])
        if links:
            link = links[0]
            later_clause = new_by_id.get(link.to_clause_id)
            score = scores.get((a.pk, link.to_clause_id)) if later_clause else None
            if later_clause and score is None:
                score = similarity(words[a.pk], words[later_clause.pk])
            rows.append(Row(a, later_clause, link.relation, score, links, proposed=False))
        elif a.pk in choice:
            score = scores[(a.pk, choice[a.pk])]
            rows.append(Row(a, new_by_id[choice[a.pk]], proposed_relation(score), score, [], proposed=True))
        else:
            rows.append(Row(a, None, "", None, [], proposed=True))
    return rows


@dataclass(frozen=True)
class Saved:
    created: int
    updated: int
    deleted: int


@transaction.atomic
def save_links(earlier, later, choices, *, grade, source=None, user=None):
    """Record the lineage of every point of ``earlier`` into ``later`` in one transaction.

    ``choices`` maps an earlier point's id to ``(to, relation)``: ``to`` is a later point's id,
    ``REMOVED`` (a reported removal) or None (no link: its fate is left open). Points with several
    links into ``later`` (a split) are left alone. Any invalid link raises ValidationError and
    nothing is saved.
    """
    old_ids = set(earlier.clauses.values_list("pk", flat=True))
    new_ids = set(later.clauses.values_list("pk", flat=True))
    existing = {}
    for link in ClauseLink.objects.select_for_update().filter(from_clause__in=old_ids, to_version=later).order_by("pk"):
        existing.setdefault(link.from_clause_id, []).append(link)
    created = updated = deleted = 0
    errors = []
    for from_id, (to, relation) in choices.items():
        if from_id not in old_ids:
            raise ValidationError(f"Point {from_id} is not a point of {earlier.name}.")
        links = existing.get(from_id, [])
        if len(links) > 1:
            continue
        link = links[0] if links else None
        if to is None or to == "":
            if link is not None:
                link._change_reason = "Removed on the lineage page"
                if user is not None:
                    link._history_user = user
                link.delete()
                deleted += 1
            continue
        if to == REMOVED:
            to_clause_id, relation = None, LinkRelation.REMOVED
        else:
            to_clause_id = int(to)
            if to_clause_id not in new_ids:
                raise ValidationError(f"The chosen later point is not a point of {later.name}.")
            if relation not in (LinkRelation.UNCHANGED, LinkRelation.REWORDED, LinkRelation.AMENDED):
                relation = LinkRelation.AMENDED
        if link is None:
            link = ClauseLink(from_clause_id=from_id, grade=grade, source=source)
        elif (link.to_clause_id, link.relation) == (to_clause_id, relation):
            continue
        is_new = link.pk is None
        link.to_clause_id = to_clause_id
        link.to_version = later
        link.relation = relation
        if source is not None and link.source_id is None:
            link.source = source
        try:
            link.full_clean(validate_unique=False)
        except ValidationError as error:
            errors.append(error)
            continue
        link._change_reason = "Saved on the lineage page"
        if user is not None:
            link._history_user = user
        link.save()
        created += is_new
        updated += not is_new
    if errors:
        raise ValidationError([message for error in errors for message in error.messages])
    return Saved(created=created, updated=updated, deleted=deleted)
