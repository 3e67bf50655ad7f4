"""The tracker's data, one module per area."""

from .base import Grade, Publishable
from .evidence import (
    ClauseTarget,
    Comparator,
    Confidence,
    Figure,
    FigureKind,
    Gap,
    GapStatus,
    Indicator,
    figure_date,
)
from .parties import Actor, Party, PartyKind
from .plans import (
    Clause,
    ClauseLink,
    ClauseTextBasis,
    LinkRelation,
    Plan,
    PlanVersion,
    TextBasis,
    Topic,
    VersionClaim,
    VersionStatus,
)
from .positions import Position, Stance
from .reviews import FlagReview, FlagRule, flag_key
from .sources import Event, EventKind, Reliability, Source

__all__ = [
    "Actor",
    "Clause",
    "ClauseLink",
    "ClauseTarget",
    "ClauseTextBasis",
    "Comparator",
    "Confidence",
    "Event",
    "EventKind",
    "Figure",
    "FigureKind",
    "FlagReview",
    "FlagRule",
    "Gap",
    "GapStatus",
    "Grade",
    "Indicator",
    "LinkRelation",
    "Party",
    "PartyKind",
    "Plan",
    "PlanVersion",
    "Position",
    "Publishable",
    "Reliability",
    "Source",
    "Stance",
    "TextBasis",
    "Topic",
    "VersionClaim",
    "VersionStatus",
    "figure_date",
    "flag_key",
]
