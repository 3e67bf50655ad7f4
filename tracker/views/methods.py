"""How the tracker works: how stances are coded, sources and figures graded, gaps computed, and how to cite.

The terms listed come from the models' own choices, so a new stance or grade cannot go unexplained
(a test checks every choice has its explanation here).
"""

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from tracker.lineage import Change
from tracker.models import Confidence, FigureKind, Grade, Reliability, Stance, TextBasis
from tracker.selectors.flags import SAME_PERIOD_DAYS, SHARE_THRESHOLD

STANCES = {
    Stance.SUPPORTS: _("The party accepts the point as it stands, on the record."),
    Stance.CONDITIONAL: _("The party accepts the point only if something changes or is added, and says what."),
    Stance.AMBIGUOUS: _("The party has spoken about the point without saying whether it accepts it."),
    Stance.OPPOSES: _("The party objects to the point but leaves room for a changed version."),
    Stance.REJECTS: _("The party refuses the point outright."),
}

GRADES = {
    Grade.CONFIRMED: _("On the record: the text, a named official or an official document says so."),
    Grade.REPORTED: _("Reported by a news outlet, usually from unnamed sources; not confirmed on the record."),
    Grade.UNVERIFIED: _("Circulating, but neither confirmed nor reported by an outlet we could check."),
}

CONFIDENCE = {
    Confidence.CONFIRMED: _("Published by the body that counts it, or matched by an independent count."),
    Confidence.UNVERIFIED: _("Given by one source; nobody has checked it independently."),
    Confidence.DISPUTED: _("Other sources give clearly different figures for the same thing."),
    Confidence.UNSUBSTANTIATED: _("Given without any basis the source shows; kept so readers can see it was said."),
}

FIGURE_KINDS = {
    FigureKind.OFFICIAL: _("Published by a government or an official body."),
    FigureKind.REPORTED: _("Reported by a news outlet, citing officials or documents."),
    FigureKind.CLAIM: _("Asserted by a party to the conflict, often in its own interest."),
    FigureKind.ESTIMATE: _("Worked out by analysts or researchers from other data."),
    FigureKind.DERIVED: _("Computed by the project from other published figures, with the sum shown."),
}

RELIABILITY = {
    Reliability.OFFICIAL: _("The document or transcript itself."),
    Reliability.STANDARD: _("An independent news outlet with its own reporting."),
    Reliability.WIRE_REPRINT: _(
        "A site that reprints or summarises another outlet's report; we name the original where known."
    ),
    Reliability.STATE_MEDIA: _("Media owned or steered by a state; used for what that state's officials said."),
    Reliability.LOW: _("Used only where nothing better reports the fact, and marked as such."),
}

TEXT_BASES = {
    TextBasis.OFFICIAL_FULL: _("The whole text was published officially."),
    TextBasis.LEAKED_FULL: _("The whole text leaked and was reported in full."),
    TextBasis.PARTIAL: _("Only parts of the text are known, from reports."),
    TextBasis.ORAL_SUMMARY: _("Known only from what officials said about it."),
}

CHANGES = {
    Change.UNCHANGED: _("The point carries over word for word."),
    Change.REWORDED: _("The wording changed but not the substance."),
    Change.AMENDED: _("The substance changed: a number, a condition, a party's obligation."),
    Change.MERGED: _("Several earlier points became one."),
    Change.SPLIT: _("One earlier point became several."),
    Change.RESTRUCTURED: _("Points were merged and split at once."),
    Change.DROPPED: _("The point is gone from a text that is known in full."),
    Change.NEW: _("The point first appears in this version."),
    Change.FATE_NOT_REPORTED: _(
        "The later text is only partly known and no source says what became of the point: "
        "it may be there, changed, or gone."
    ),
    Change.ORIGIN_NOT_REPORTED: _("The earlier text is only partly known, so we cannot say where the point came from."),
}


def glossary():
    return {
        "stances": [(value, STANCES[value]) for value in Stance.values],
        "grades": [(Grade(value).label, GRADES[value]) for value in Grade.values],
        "confidence": [(Confidence(value).label, CONFIDENCE[value]) for value in Confidence.values],
        "figure_kinds": [(FigureKind(value).label, FIGURE_KINDS[value]) for value in FigureKind.values],
        "reliability": [(Reliability(value).label, RELIABILITY[value]) for value in Reliability.values],
        "text_bases": [(TextBasis(value).label, TEXT_BASES[value]) for value in TextBasis.values],
        "changes": [(Change(value).label, CHANGES[value]) for value in Change.values],
    }


def methods(request):
    rules = {"same_period_days": SAME_PERIOD_DAYS, "share_threshold": SHARE_THRESHOLD}
    return render(request, "tracker/methods.html", {**glossary(), **rules})
