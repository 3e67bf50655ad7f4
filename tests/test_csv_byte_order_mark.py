"""Every CSV the site serves opens in Excel with Cyrillic and typographic quotes intact.

Excel reads a UTF-8 file without a byte-order mark in the reader's legacy code page, so each file
starts with EF BB BF; a reader decoding it as ``utf-8-sig`` gets the exact text back.
"""

import csv
import io
import zipfile

import pytest
from django.core.management import call_command

from tests import factories as f
from tests.worlds import make_world
from tracker import dataset, exports, models

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"
# Cyrillic, typographic quotes and dashes, an apostrophe inside a word: what Excel garbled without the mark.
HEADING = "Збройні сили України — «600 тисяч» “cap” ’"
SUMMARY = "Численность ВСУ: «не более 600 000» — 'согласовано'"


@pytest.fixture
def world(db):
    made = make_world(1)
    f.ClauseFactory(version=made["first"], number="9", sort_order=9, heading=HEADING, summary=SUMMARY)
    return made


def _bytes(response):
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def _rows(raw):
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_a_page_csv_starts_with_the_mark_once_and_keeps_cyrillic(client, world):
    raw = _bytes(client.get(world["first"].get_absolute_url(), {"format": "csv"}))
    assert raw.startswith(BOM) and raw.count(BOM) == 1
    rows = _rows(raw)
    assert "number" in rows[0], "the first column's name carries no stray mark"
    assert {(row["heading"], row["summary"]) for row in rows} >= {(HEADING, SUMMARY)}


@pytest.mark.parametrize(
    "address",
    ["/plans/?format=csv", "/parties/?format=csv", "/sources/?format=csv", "/timeline/?format=csv"],
)
def test_every_list_csv_starts_with_the_mark(client, world, address):
    raw = _bytes(client.get(address))
    assert raw.startswith(BOM) and raw.count(BOM) == 1, address
    assert _rows(raw), address


def test_a_stored_whole_list_csv_keeps_the_mark(client, world, settings, tmp_path):
    settings.EXPORTS_STORED = True
    settings.EXPORT_DIR = str(tmp_path)
    first = _bytes(client.get("/timeline/", {"format": "csv"}))
    again = _bytes(client.get("/timeline/", {"format": "csv"}))
    assert exports._read_index("timeline.csv") is not None, "served from the stored file"
    assert first.startswith(BOM) and first.count(BOM) == 1 and again == first


def _zip_files(content):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}


def test_every_csv_in_the_dataset_zip_starts_with_the_mark_and_round_trips(client, world, tmp_path):
    content = _bytes(client.get("/data/tracker-dataset.zip"))
    files = _zip_files(content)
    csv_names = [name for name in files if name.endswith(".csv")]
    assert "codebook.csv" in csv_names and "clauses.csv" in csv_names
    for name in csv_names:
        assert files[name].startswith(BOM) and files[name].count(BOM) == 1, name
    assert {(row["heading"], row["summary"]) for row in _rows(files["clauses.csv"])} >= {(HEADING, SUMMARY)}

    # The import reads the marked files back to the same text.
    path = tmp_path / "tracker-dataset.zip"
    path.write_bytes(content)
    for model in dataset.CURATED_MODELS:  # dependants first
        model.objects.all().delete()
    call_command("import_dataset_zip", str(path), stdout=io.StringIO())
    assert models.Clause.objects.get(heading=HEADING).summary == SUMMARY
