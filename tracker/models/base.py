"""Pieces shared by the tracker's models."""

from django.db import models


class Grade(models.TextChoices):
    """How firmly a piece of lineage or metadata is established."""

    CONFIRMED = "confirmed", "Confirmed (on record)"
    REPORTED = "reported", "Reported"
    UNVERIFIED = "unverified", "Unverified"


class PublishableQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def drafts(self):
        return self.filter(is_published=False)


class Publishable(models.Model):
    """Content that stays a draft, invisible to readers, until an editor publishes it."""

    is_published = models.BooleanField(
        "published",
        default=False,
        help_text="Readers see this only once it is published. Leave unticked while it is a draft.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
