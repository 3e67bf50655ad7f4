"""The editors' review of a consistency flag (figures that cannot all be true).

Flags are worked out from the figures on every read (``tracker.selectors.flags``); a review is the
one thing about a flag that is stored: which flag, who reviewed it, when, and a note readers see
next to it. A flag is named by its key, the rule and the figures (and term) it concerns, so the
review stays with it as long as the same rule fires on the same figures. The review keeps the
flag's arithmetic as the editor read it: when the figures change so that it reads otherwise, the
flag needs review again and readers no longer see the note.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class FlagRule(models.TextChoices):
    """The consistency rules (their arithmetic: ``tracker.selectors.flags``)."""

    FAR_FROM_OFFICIAL = "far-from-official", _("Far from the official figure")
    IMPLIED_RATE = "implied-rate", _("Implied rate")
    OUTSIDE_RANGE = "outside-range", _("Outside another figure's range")
    FLIPS_GAP = "flips-gap", _("Would flip a term's gap")


def flag_key(rule, figure_id, other_id=None, target_id=None):
    """The stable name of a flag: its rule and the pks of the figures and term it concerns."""
    return f"{rule}-{figure_id}-{other_id or ''}-{target_id or ''}"


class FlagReview(models.Model):
    key = models.CharField(
        max_length=80, unique=True, help_text=_("The flag reviewed: its rule and the figures (and term) it concerns.")
    )
    rule = models.CharField(max_length=20, choices=FlagRule)
    figure = models.ForeignKey("tracker.Figure", on_delete=models.CASCADE, related_name="flag_reviews")
    other = models.ForeignKey(
        "tracker.Figure",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The figure it is checked against, if any."),
    )
    target = models.ForeignKey(
        "tracker.ClauseTarget", on_delete=models.CASCADE, null=True, blank=True, related_name="flag_reviews"
    )
    arithmetic = models.TextField(help_text=_("The flag's arithmetic as it read when reviewed."))
    note = models.TextField(
        help_text=_(
            "Shown to readers next to the flag, as 'Reviewed by the editors: …'. Say what the sources "
            "show, e.g. which figure counts what."
        )
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="flag_reviews"
    )
    reviewed_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-reviewed_at", "pk"]
        verbose_name = "flag review"
        verbose_name_plural = "flags to review"
        constraints = [models.CheckConstraint(condition=~models.Q(note=""), name="flag_review_has_a_note")]

    def __str__(self):
        return f"{self.get_rule_display()} on figure {self.figure_id}"

    @property
    def reviewed_on(self):
        return timezone.localdate(self.reviewed_at)

    def covers(self, arithmetic):
        """Whether the review still holds for a flag whose arithmetic now reads so."""
        return self.arithmetic == arithmetic
