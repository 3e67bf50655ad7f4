"""The fragments built in Python for speed print exactly what their template equivalents did."""

import datetime

import pytest
from django.template import Context, Template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone

from tracker.templatetags.tracker_tags import iso_date, long_date, short_date

DATES = [datetime.date(2025, 11, 21), datetime.date(2025, 1, 3), datetime.date(2026, 5, 31), datetime.date(1999, 9, 9)]


@pytest.mark.parametrize("day", DATES)
def test_dates_read_as_the_date_filter_prints_them(day):
    assert short_date(day) == date_filter(day, "j M Y")
    assert long_date(day) == date_filter(day, "j F Y")
    assert iso_date(day) == date_filter(day, "Y-m-d")


def test_a_missing_date_prints_nothing():
    assert short_date(None) == long_date(None) == iso_date(None) == ""


def test_a_moment_is_printed_in_the_time_zone_in_force_as_the_date_filter_prints_it():
    late_evening_utc = datetime.datetime(2025, 11, 21, 23, 30, tzinfo=datetime.UTC)
    ours = Template("{% load tracker_tags %}{{ t|long_date }} {{ t|iso_date }} {{ t|short_date }}")
    django = Template('{{ t|date:"j F Y" }} {{ t|date:"Y-m-d" }} {{ t|date:"j M Y" }}')
    with timezone.override("Europe/Kyiv"):
        assert ours.render(Context({"t": late_evening_utc})) == "22 November 2025 2025-11-22 22 Nov 2025"
        assert django.render(Context({"t": late_evening_utc})) == "22 November 2025 2025-11-22 22 Nov 2025"


@pytest.mark.parametrize(
    "comparator, value, low, high, words",
    [
        ("lte", "800000", None, None, "above the cap by 200,000 (33.3%)"),
        ("lte", "550000", None, None, "within the cap (50,000 below it)"),
        ("lte", "600000", None, None, "exactly at the cap"),
        ("gte", "500000", None, None, "below the minimum by 100,000 (16.7%)"),
        ("gte", "700000", None, None, "meets the minimum (100,000 above it)"),
        (
            "lte",
            None,
            "500000",
            "700000",
            "the range runs from 100,000 below to 100,000 above the cap: partly outside it",
        ),
        ("lte", None, "850000", "880000", "above the cap by 250,000 to 280,000"),
    ],
)
def test_a_gap_reads_in_plain_words(comparator, value, low, high, words):
    from decimal import Decimal

    from tracker.models import ClauseTarget, Figure
    from tracker.templatetags.tracker_tags import gap_words

    def number(text):
        return Decimal(text) if text else None

    target = ClauseTarget(comparator=comparator, value=Decimal("600000"))
    figure = Figure(value=number(value), low=number(low), high=number(high))
    assert gap_words(target.gap(figure)) == words


# The stance badge, the citation and a position's subject are built in Python for speed (see
# tracker_tags.py); these are their template equivalents, which must print the same.
STANCE_BADGE = (
    '{% if url %}<a class="stance stance--{{ stance }}" href="{{ url }}"{% if title %} title="{{ title }}"{% endif %}>'
    '{% else %}<span class="stance stance--{{ stance }}"{% if title %} title="{{ title }}"{% endif %}>{% endif %}'
    '<span class="stance__symbol" aria-hidden="true">{{ parts.symbol }}</span> {{ parts.label }}'
    "{% if url %}</a>{% else %}</span>{% endif %}\n"
)
SOURCE_LINK = (
    '{% load i18n content_language tracker_tags %}<cite class="source"><a href="{{ source.get_absolute_url }}">'
    "{% if short %}{{ source.publisher }}{% if source.published_on %}, {{ source.published_on|short_date }}{% endif %}"
    "{% else %}{% source_title source %}{% endif %}</a>"
    "{% if not short %} ({{ source.publisher }}{% if source.published_on %}, "
    '{% if source.date_is_approximate %}{% translate "c. " context "circa, before a date" %}{% endif %}'
    "{{ source.published_on|short_date }}{% endif %}){% endif %}"
    '{% if source.url %} <a class="source__original" href="{{ source.url }}" rel="noopener noreferrer external">'
    '{% translate "original" context "a source\'s original publication" %}<span class="visually-hidden"> '
    "{% blocktranslate with title=source.title %}of {{ title }}{% endblocktranslate %}</span></a>{% endif %}"
    "</cite>\n"
)
POSITION_SUBJECT = (
    "{% load i18n %}{% if position.clause_id %}{% with clause=position.clause %}"
    '<a href="{{ clause.get_absolute_url }}">{{ clause.version.name }}, {{ clause.point_name }}</a>: '
    "{{ clause.heading }}"
    "{% endwith %}{% else %}{% with version=position.version %}"
    '<a href="{{ version.get_absolute_url }}">{{ version.name }}</a> '
    '<span class="muted">{% translate "(the version as a whole)" %}</span>{% endwith %}{% endif %}'
)


def _both(tag, template, **context):
    """What the tag prints, and what its template equivalent prints, from the same context."""
    arguments = " ".join(f"{name}={name}" for name in context if name != "parts")
    ours = Template("{% load tracker_tags %}{% " + tag + " " + arguments + " %}").render(Context(context))
    return ours, Template(template).render(Context(context))


@pytest.mark.parametrize("language", ["en", "uk", "ru"])
def test_a_stance_badge_prints_what_its_template_would(language):
    from django.utils import translation

    from tracker.models import Stance
    from tracker.templatetags.tracker_tags import stance_parts

    with translation.override(language):
        for stance in [*Stance.values, "unheard-of"]:
            for url, title in [(None, ""), ("/positions/7/?a=1&b=2", ""), ("/positions/7/", 'Ukraine "UA" <&>')]:
                context = {"stance": stance, "url": url, "title": title, "parts": stance_parts(stance)}
                ours, theirs = _both("stance_badge", STANCE_BADGE, **context)
                assert ours == theirs
                assert "stance--" + stance in ours and ("&lt;&amp;&gt;" in ours) == ("<&>" in title)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "uk", "ru"])
def test_a_citation_prints_what_its_template_would(language):
    from django.utils import translation

    from tests.factories import SourceFactory

    sources = [
        SourceFactory(),
        SourceFactory(title='Risks & "guarantees" <b>', publisher="Wire & Co", url="https://example.org/?a=1&b=2"),
        SourceFactory(url="", no_url_reason="Printed only.", published_on=None),
        SourceFactory(date_is_approximate=True, language="uk", title="Заява"),
    ]
    with translation.override(language):
        for source in sources:
            for short in (True, False):
                ours, theirs = _both("source_link", SOURCE_LINK, source=source, short=short)
                assert ours == theirs, (source.key, short)
    assert "Risks &amp; &quot;guarantees&quot; &lt;b&gt;" in ours or "Заява" in ours


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "uk", "ru"])
def test_a_positions_subject_prints_what_its_template_would(language):
    from django.utils import translation

    from tests.factories import ClauseFactory, PlanVersionFactory, PositionFactory

    on_point = PositionFactory(clause=ClauseFactory(heading="Forces <capped> & counted"))
    on_version = PositionFactory(clause=None, version=PlanVersionFactory(name="E3 & allies"))
    with translation.override(language):
        for position in (on_point, on_version):
            ours, theirs = _both("position_subject", POSITION_SUBJECT, position=position)
            assert ours == theirs
            assert "&amp;" in ours
