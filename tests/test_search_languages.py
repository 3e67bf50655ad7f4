"""Search finds a point from its Ukrainian or Russian wording, in any letter case, and numbers written the
local way ("600 000" with a no-break space, "600 тис.", "600 тыс.")."""

from decimal import Decimal

import pytest

from tests import factories as f
from tracker.selectors.search import parse_number, split_words

pytestmark = pytest.mark.django_db


@pytest.fixture
def translated():
    clause = f.ClauseFactory(heading="Amnesty", summary="Full amnesty for all parties for acts in the war.")
    clause.heading_uk, clause.summary_uk = "Амністія", "Повна амністія всім сторонам за дії під час війни."
    clause.heading_ru, clause.summary_ru = "Амнистия", "Полная амнистия всем сторонам за действия во время войны."
    clause.save()
    cap = f.ClauseFactory(version=clause.version, heading="Force ceiling", summary="Forces capped at 600,000.")
    cap.summary_uk = "Чисельність сил обмежено до 600 000 осіб."
    cap.summary_ru = "Численность сил ограничена 600 тыс. человек."
    cap.save()
    f.ClauseFactory(version=clause.version, heading="Elections", summary="Elections within 100 days.")
    return clause, cap


def _points(client, query, path="/search/"):
    response = client.get(path, {"q": query, "kind": "points"})
    assert response.status_code == 200
    return {item.pk for item in response.context["page"].object_list}


@pytest.mark.parametrize("query", ["амністія", "Амністія", "АМНІСТІЯ", "амнистия", "Амнистия", "всім сторонам"])
def test_a_point_is_found_from_its_ukrainian_or_russian_wording_in_any_case(client, translated, query):
    clause, _ = translated
    assert _points(client, query) == {clause.pk}
    assert _points(client, query, "/uk/search/") == {clause.pk}  # on every language's page alike
    assert _points(client, query, "/ru/search/") == {clause.pk}


def test_english_words_still_find_the_point_on_a_ukrainian_page(client, translated):
    clause, _ = translated
    assert _points(client, "amnesty", "/uk/search/") == {clause.pk}


LOCAL_NUMBERS = ["600 000", "600\u00a0000", "600\u202f000", "600 тис.", "600 тыс.", "600тис", "0,6 млн"]


@pytest.mark.parametrize("query", LOCAL_NUMBERS)
def test_a_number_written_the_local_way_finds_the_point(client, translated, query):
    _, cap = translated
    assert _points(client, query, "/uk/search/") == {cap.pk}


def test_local_spellings_of_numbers_are_read():
    assert split_words("армія 800 тис. осіб") == ["армія", "800тис.", "осіб"]
    assert parse_number("800тис.") == Decimal(800000)
    assert parse_number("1,2 млн") == Decimal(1200000)
    assert parse_number("2млрд") == Decimal(2 * 10**9)
    assert split_words("600 m") == ["600", "m"]  # metres, perhaps: two words


def test_a_word_in_no_language_finds_nothing(client, translated):
    assert _points(client, "Бахмут") == set()
