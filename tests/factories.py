"""Factories for tests: each builds a valid, published object unless told otherwise."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from tracker import models
from tracker.roles import ensure_editors_group


class EditorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"editor{n}")
    password = factory.django.Password("correct horse battery staple")
    is_staff = True

    @factory.post_generation
    def editors_group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(ensure_editors_group())


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Source
        django_get_or_create = ["key"]

    key = factory.Sequence(lambda n: f"t{n:04d}")
    title = factory.Sequence(lambda n: f"Report number {n}")
    publisher = "Example Wire"
    url = factory.Sequence(lambda n: f"https://news.example.org/report-{n}")
    published_on = datetime.date(2025, 11, 21)


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Topic
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"topic-{n}")
    name = factory.Sequence(lambda n: f"Topic {n}")


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Party
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"party-{n}")
    name = factory.Sequence(lambda n: f"Party {n}")
    short_name = factory.Sequence(lambda n: f"P{n}")


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Actor

    party = factory.SubFactory(PartyFactory)
    slug = factory.Sequence(lambda n: f"actor-{n}")
    name = factory.Sequence(lambda n: f"Actor {n}")
    role = "Minister"


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Plan

    slug = factory.Sequence(lambda n: f"plan-{n}")
    title = factory.Sequence(lambda n: f"Framework {n}")
    is_published = True


class PlanVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PlanVersion
        skip_postgeneration_save = True

    plan = factory.SubFactory(PlanFactory)
    slug = factory.Sequence(lambda n: f"version-{n}")
    name = factory.Sequence(lambda n: f"Draft {n}")
    released_on = datetime.date(2025, 11, 20)
    text_basis = models.TextBasis.LEAKED_FULL
    is_published = True

    @factory.post_generation
    def sources(self, create, extracted, **kwargs):
        if create:
            self.sources.set(extracted if extracted is not None else [SourceFactory()])


class ClauseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Clause

    version = factory.SubFactory(PlanVersionFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    sort_order = factory.Sequence(lambda n: n + 1)
    heading = factory.Sequence(lambda n: f"Point {n + 1}")
    summary = "The parties agree on a term."
    text_basis = models.ClauseTextBasis.LEAKED
    is_published = True


class ClauseLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ClauseLink

    from_clause = factory.SubFactory(ClauseFactory)
    to_clause = factory.SubFactory(
        ClauseFactory,
        version=factory.SubFactory(PlanVersionFactory, plan=factory.SelfAttribute("...from_clause.version.plan")),
    )
    relation = models.LinkRelation.UNCHANGED
    grade = models.Grade.REPORTED
    source = factory.SubFactory(SourceFactory)


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Position

    party = factory.SubFactory(PartyFactory)
    clause = factory.SubFactory(ClauseFactory)
    stance = models.Stance.SUPPORTS
    stated_on = datetime.date(2025, 11, 21)
    quote = "We can work with this."
    source = factory.SubFactory(SourceFactory)
    is_published = True


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Indicator
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"indicator-{n}")
    name = factory.Sequence(lambda n: f"Measured quantity {n}")
    unit = "personnel"


class FigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Figure

    indicator = factory.SubFactory(IndicatorFactory)
    value = Decimal("800000")
    period_end = datetime.date(2025, 11, 20)
    reported_on = datetime.date(2025, 11, 21)
    claimed_by = "Officials cited by a news site"
    kind = models.FigureKind.REPORTED
    confidence = models.Confidence.UNVERIFIED
    source = factory.SubFactory(SourceFactory)
    is_published = True


class ClauseTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ClauseTarget

    clause = factory.SubFactory(ClauseFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    comparator = models.Comparator.AT_MOST
    value = Decimal("600000")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Event
        skip_postgeneration_save = True

    happened_on = datetime.date(2025, 11, 23)
    title = factory.Sequence(lambda n: f"Round {n} of talks")
    kind = models.EventKind.TALKS
    is_published = True

    @factory.post_generation
    def sources(self, create, extracted, **kwargs):
        if create:
            self.sources.set(extracted if extracted is not None else [SourceFactory()])
