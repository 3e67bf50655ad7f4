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
