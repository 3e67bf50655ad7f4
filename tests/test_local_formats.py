"""Numbers and dates in each language's convention; English exactly as it always printed them."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from tracker.models import ClauseTarget, Figure
from tracker.templatetags.tracker_tags import (
    day_month,
    figure_value,
    gap_words,
    long_date,
    plain_number,
    short_date,
    signed,
)

NBSP = "\xa0"
DAY = datetime.date(2025, 11, 21)


def test_english_numbers_and_dates_are_unchanged():
    with translation.override("en"):
        assert plain_number(Decimal("600000")) == "600,000"
        assert signed(Decimal("-50000.5")) == "−50,000.5"
        assert short_date(DAY) == "21 Nov 2025"
        assert long_date(DAY) == "21 November 2025"
        assert day_month(DAY) == "21 Nov"


@pytest.mark.parametrize(
    "code, long, short",
    [("uk", "21 листопада 2025", "21.11.2025"), ("ru", "21 ноября 2025", "21.11.2025")],
)
def test_ukrainian_and_russian_dates_put_the_month_in_the_genitive(code, long, short):
    with translation.override(code):
        assert long_date(DAY) == long
        assert short_date(DAY) == short
        assert day_month(DAY) == "21.11"
        assert long_date(datetime.date(2026, 5, 3)) == {"uk": "3 травня 2026", "ru": "3 мая 2026"}[code]
        moment = datetime.datetime(2025, 11, 21, 12, 0, tzinfo=datetime.UTC)
        assert long_date(moment) == long


@pytest.mark.parametrize("code", ["uk", "ru"])
def test_ukrainian_and_russian_numbers_group_thousands_with_a_no_break_space_and_use_a_decimal_comma(code):
    with translation.override(code):
        assert plain_number(Decimal("600000")) == f"600{NBSP}000"
        assert plain_number(Decimal("1234567.25")) == f"1{NBSP}234{NBSP}567,25"
        assert signed(Decimal("200000")) == f"+200{NBSP}000"
        figure = Figure(value=Decimal("600000"), low=Decimal("500000"), high=Decimal("700000"))
        assert f"600{NBSP}000" in figure_value(figure) and f"500{NBSP}000" in figure_value(figure)


def test_a_gap_reads_in_each_languages_words_and_numbers():
    target = ClauseTarget(comparator="lte", value=Decimal("600000"))
    gap = target.gap(Figure(value=Decimal("800000")))
    with translation.override("en"):
        assert gap_words(gap) == "above the cap by 200,000 (33.3%)"
    with translation.override("uk"):
        assert gap_words(gap) == f"перевищує граничне значення на 200{NBSP}000 (33,3%)"
    with translation.override("ru"):
        assert gap_words(gap) == f"превышает предельное значение на 200{NBSP}000 (33,3%)"
