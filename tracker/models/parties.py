from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import readers_rule
from .sources import public_if_used


class PartyKind(models.TextChoices):
    STATE = "state", _("State")
    BLOC = "bloc", _("Group of states")
    ORGANISATION = "organisation", _("International organisation")
    OTHER = "other", _("Other")


class Party(models.Model):
    """A side in the negotiation: a state, a group of states or an organisation."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120, unique=True)
    short_name = models.CharField(max_length=30, help_text=_("Used in tables and the stance matrix, e.g. US."))
    kind = models.CharField(max_length=14, choices=PartyKind, default=PartyKind.STATE)
    description = models.TextField(blank=True)
    display_order = models.PositiveSmallIntegerField(
        default=100, help_text=_("Parties appear in this order in matrices; lower comes first.")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "name", "pk"]
        verbose_name_plural = "parties"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("tracker:party-detail", kwargs={"slug": self.slug})


class ActorQuerySet(models.QuerySet):
    @readers_rule
    def public(self):
        """Actors who voiced a published position or made a claim about a published version; one
        entered for a draft stays with the editors until then."""
        return public_if_used(self, self.public_uses())

    def public_uses(self):
        """What makes an actor public (see ``public_if_used``)."""
        from .plans import VersionClaim
        from .positions import Position

        return [(Position.objects.published(), "actor"), (VersionClaim.objects.published(), "claimed_by")]


class Actor(models.Model):
    """A person or office that speaks for a party."""

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="actors")
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    role = models.CharField(
        max_length=200, blank=True, help_text=_("Office held when speaking, e.g. Foreign Minister.")
    )

    objects = ActorQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["party__display_order", "name", "pk"]

    def __str__(self):
        return f"{self.name} ({self.party.short_name})"

    def get_absolute_url(self):
        return reverse("tracker:actor-detail", kwargs={"slug": self.slug})

    def clean(self):
        # Positions name both the actor and the party they spoke for; moving the actor would split them.
        if self.pk and self.party_id and self.positions.exclude(party_id=self.party_id).exists():
            raise ValidationError(
                {"party": "This actor's recorded positions speak for another party; change those positions first."}
            )
