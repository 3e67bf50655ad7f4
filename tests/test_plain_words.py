"""Readers see plain words: no working keys as point numbers, no source keys in the shipped prose."""

import datetime
import re

import pytest

from tests import factories as f
from tracker import dataset, models
from tracker.dataset import Row


@pytest.mark.django_db
def test_a_point_whose_number_is_not_reported_is_not_shown_with_its_working_key(client):
    clause = f.ClauseFactory(number="force-size", heading="Size of the armed forces")
    f.PositionFactory(clause=clause)
    html = client.get(clause.get_absolute_url()).content.decode()
    assert '<h1><span class="clause-number">Point (number not reported)</span>: Size of the armed forces' in html
    version_page = client.get(clause.version.get_absolute_url()).content.decode()
    text_only = re.sub(r'(href|id)="[^"]*"', "", version_page)
    assert "force-size" not in text_only
    assert "Size of the armed forces" in text_only


def test_source_keys_in_the_files_running_text_become_the_publisher_and_date():
    rows = {
        "source": [
            Row("source", 1, {"key": "S107", "publisher": "Komersant.ua", "published_on": datetime.date(2025, 10, 15)}),
            Row("source", 2, {"key": "S00", "publisher": "AntiWar.com"}),
        ],
        "figure": [
            Row("figure", 1, {"caveat": "Cases, not people (S107). S00 says so; S999 is unknown.", "quote": "S00"})
        ],
    }
    dataset.name_cited_sources(rows)
    figure = rows["figure"][0].data
    assert (
        figure["caveat"]
        == "Cases, not people (Komersant.ua, 15 Oct 2025). AntiWar.com (undated) says so; S999 is unknown."
    )
    assert figure["quote"] == "S00"  # quotes stay verbatim


def test_the_shipped_prose_readers_see_names_sources_by_publisher_and_date_never_by_key(loaded):
    keyed = []
    for model, fields in [
        (models.Figure, ["caveat"]),
        (models.Indicator, ["description", "caveat"]),
        (models.Position, ["note"]),
        (models.Source, ["notes", "date_note"]),
        (models.ClauseLink, ["note"]),
        (models.Event, ["description"]),
        (models.PlanVersion, ["summary", "released_on_note"]),
        (models.Clause, ["summary"]),
        (models.VersionClaim, ["note"]),
    ]:
        for row in model.objects.values(*fields):
            keyed += [f"{model.__name__}: {text[:80]}" for text in row.values() if re.search(r"\bS\d{2,3}\b", text)]
    assert keyed == []
