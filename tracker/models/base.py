"""Pieces shared by the tracker's models."""

from functools import lru_cache

from django.db import models
from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse


def remembered_reverse(name, **kwargs):
    """``reverse(name, kwargs=kwargs)``, remembered: a page links to hundreds of objects, and each
    reverse() walks the URL patterns again. Keyed on the URL configuration in force and the script
    prefix, so a site mounted under a path, or URLs reloaded, never get another's addresses."""
    return _reverse(get_resolver(get_urlconf()), get_script_prefix(), name, tuple(kwargs.items()))


@lru_cache(maxsize=8192)
def _reverse(resolver, prefix, name, kwargs):
    return reverse(name, kwargs=dict(kwargs))


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
