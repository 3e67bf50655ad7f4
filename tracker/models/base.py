"""Pieces shared by the tracker's models."""

from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Grade(models.TextChoices):
    """How firmly a piece of lineage or metadata is established."""

    CONFIRMED = "confirmed", _("Confirmed (on record)")
    REPORTED = "reported", _("Reported")
    UNVERIFIED = "unverified", _("Unverified")


# True while an editor previews the public pages with drafts included (tracker.preview): every
# published() then keeps drafts too, so each page shows what it will once they are published.
_drafts_included = ContextVar("drafts_included", default=False)


@contextmanager
def drafts_included():
    """Within this block, ``published()`` leaves drafts in (for an editor's preview only)."""
    token = _drafts_included.set(True)
    try:
        yield
    finally:
        _drafts_included.reset(token)


def showing_drafts():
    return _drafts_included.get()


def readers_rule(published):
    """Mark a QuerySet's ``published()``: the rule readers get, switched off during a draft preview."""

    @wraps(published)
    def wrapper(self):
        return self.all() if showing_drafts() else published(self)

    return wrapper


class PublishableQuerySet(models.QuerySet):
    @readers_rule
    def published(self):
        return self.filter(is_published=True)


class Publishable(models.Model):
    """Content that stays a draft, invisible to readers, until an editor publishes it."""

    is_published = models.BooleanField(
        "published",
        default=False,
        help_text=_("Readers see this only once it is published. Leave unticked while it is a draft."),
    )
    updated_at = models.DateTimeField(auto_now=True)
    edit_version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text=_(
            "Counts the saves: a form opened before the latest save is refused rather than "
            "overwriting it (two editors at once)."
        ),
    )

    class Meta:
        abstract = True


# The language a source printed its words in, as a BCP 47 tag ("en", "uk", "ru", "it"...): readers' pages
# mark quoted words with it (the lang attribute), so screen readers pronounce them right.
validate_language_tag = RegexValidator(
    r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z",
    "Give the language as a short code such as en, uk, ru, it or de.",
    code="invalid_language_tag",
)


def written_language_field(**kwargs):
    return models.CharField(max_length=20, validators=[validate_language_tag], **kwargs)
