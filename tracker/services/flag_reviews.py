"""The editors mark a consistency flag reviewed, with a note readers see next to it."""

from django.db import transaction
from django.utils import timezone

from tracker.models import FlagReview


@transaction.atomic
def mark_reviewed(flag, note, user):
    """Record (or renew) the review of ``flag`` (a ``tracker.selectors.flags.Flag``) as its arithmetic now
    reads; the history keeps every earlier review of it."""
    review = FlagReview.objects.select_for_update().filter(key=flag.key).first() or FlagReview(key=flag.key)
    review.rule = flag.rule
    review.figure_id = flag.figure.pk
    review.other_id = flag.other.pk if flag.other else None
    review.target_id = flag.target_id
    review.arithmetic = flag.arithmetic
    review.note = note
    review.reviewed_by = user
    review.reviewed_at = timezone.now()
    review._history_user = user
    review._change_reason = "Flag reviewed"
    review.save()
    return review
