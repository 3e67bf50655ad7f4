import csv
import io
import re
import zipfile

import pytest
from django.core.management import CommandError, call_command

from tests import factories as f
from tests.worlds import make_world
from tracker import dataset, models
from tracker.dataset_zip import TABLES, build_export, build_zip

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world(2)


def download(client):
    response = client.get("/data/tracker-dataset.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="tracker-dataset.zip"' in response["Content-Disposition"]
    return response


def read_zip(content):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name.split("/", 1)[1]: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}


def csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_the_zip_holds_one_csv_per_table_a_codebook_and_a_readme(client, world):
    files = read_zip(download(client).content)
    assert set(files) == {f"{t.name}.csv" for t in TABLES} | {"codebook.csv", "README.md"}
    clauses = csv_rows(files["clauses.csv"])
    assert sorted(row["heading"] for row in clauses) == ["Point 1", "Point 1 revised", "Point 2", "Point 2 revised"]
    assert len(csv_rows(files["positions.csv"])) == 5
    assert len(csv_rows(files["event_parties.csv"])) == 4


def test_the_codebook_describes_every_column_of_every_file(client, world):
    files = read_zip(download(client).content)
    described = {(row["table"], row["column"]): row for row in csv_rows(files["codebook.csv"])}
    for name, text in files.items():
        if name in ("codebook.csv", "README.md"):
            continue
        header = next(csv.reader(io.StringIO(text)))
        for column in header:
            assert described[(name, column)]["description"], (name, column)
            assert described[(name, column)]["type"]
    assert "rejects = Rejects" in described[("positions.csv", "stance")]["allowed_values"]
    assert "Refers to parties.id" in described[("positions.csv", "party_id")]["description"]


def test_the_readme_gives_the_version_licence_and_citation(client, world):
    response = download(client)
    readme = read_zip(response.content)["README.md"]
    version = re.search(r"Version \*\*(\d{4}-\d{2}-\d{2}\+[0-9a-f]{12})\*\*", readme).group(1)
    assert response["X-Dataset-Version"] == version
    assert "CC BY 4.0" in readme and "creativecommons.org/licenses/by/4.0" in readme
    assert "How to cite" in readme and version in readme.split("How to cite")[1]
    assert "http://testserver/data/" in readme


def test_the_version_hash_changes_with_the_content_and_only_with_it(world):
    first = build_export()
    assert build_export().content_hash == first.content_hash
    f.EventFactory(title="Another round")
    assert build_export().content_hash != first.content_hash


def test_the_data_page_explains_the_download_and_links_to_it(client, world):
    response = client.get("/data/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/data/tracker-dataset.zip"' in html
    assert "codebook.csv" in html and "CC BY 4.0" in html
    assert 'href="/feeds/positions/"' in html and 'href="/api/docs/"' in html


def test_the_download_answers_a_matching_conditional_request_with_304(client, world):
    first = download(client)
    assert client.get("/data/tracker-dataset.zip", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get("/data/tracker-dataset.zip", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


@pytest.mark.parametrize("size", [2, 8])
def test_the_download_runs_a_bounded_number_of_queries(client, django_assert_max_num_queries, size):
    make_world(size)
    with django_assert_max_num_queries(len(TABLES) + 4):
        download(client)


def empty_database():
    for model in dataset.CURATED_MODELS:  # dependants first
        model.objects.all().delete()
    assert not dataset.has_content()


def _snapshot(client):
    """Every published row as the export writes it, and every API list, for a record-by-record comparison."""
    tables = {name: text for name, text in read_zip(download(client).content).items() if name != "README.md"}
    api = {}
    for endpoint in ["plans", "versions", "clauses", "positions", "figures", "events", "sources", "parties"]:
        api[endpoint] = client.get(f"/api/v1/{endpoint}/", {"page_size": 200}).json()["results"]
    return tables, api


def test_the_zip_imported_into_an_empty_database_reproduces_the_published_content(client, world, tmp_path):
    clause = world["clauses"][0]
    clause.summary = "=HYPERLINK(1) is how a spreadsheet formula starts"
    clause.save()
    draft = f.PlanVersionFactory(plan=world["plan"], slug="draft-version", is_published=False)
    f.PlanVersionFactory(plan=world["plan"], slug="based-on-draft", based_on=draft)
    f.EventFactory(title="A draft event", is_published=False)
    before = _snapshot(client)
    assert "'=HYPERLINK(1)" in before[0]["clauses.csv"]
    path = tmp_path / "tracker-dataset.zip"
    path.write_bytes(download(client).content)

    empty_database()
    call_command("import_dataset_zip", str(path), stdout=io.StringIO())

    after = _snapshot(client)
    for name in before[0]:
        assert csv_rows(after[0][name]) == csv_rows(before[0][name]), name
    assert after[1] == before[1]
    assert models.Clause.objects.get(pk=clause.pk).summary.startswith("=HYPERLINK(1)")
    assert not models.PlanVersion.objects.filter(slug="draft-version").exists()
    assert models.PlanVersion.objects.get(slug="based-on-draft").based_on is None
    # Imported rows have a history, and new rows get fresh ids after the imported ones.
    imported = models.Position.history.filter(history_change_reason="Imported from the dataset download")
    assert sorted(imported.values_list("id", flat=True)) == sorted(models.Position.objects.values_list("pk", flat=True))
    assert f.EventFactory().pk > max(row["id"] for row in before[1]["events"])


def test_the_import_refuses_a_database_that_already_holds_content(client, world, tmp_path):
    path = tmp_path / "tracker-dataset.zip"
    path.write_bytes(download(client).content)
    events = models.Event.objects.count()
    with pytest.raises(CommandError, match="already holds tracker content"):
        call_command("import_dataset_zip", str(path))
    assert models.Event.objects.count() == events


def test_the_import_refuses_a_file_that_is_not_a_dataset_zip(tmp_path):
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("hello")
    with pytest.raises(CommandError, match="not a zip file"):
        call_command("import_dataset_zip", str(not_zip))
    other_zip = tmp_path / "other.zip"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(CommandError, match="no sources.csv"):
        call_command("import_dataset_zip", str(other_zip))


def test_the_shipped_dataset_survives_the_round_trip_byte_for_byte(loaded, tmp_path):
    before = build_export()
    path = tmp_path / "tracker-dataset.zip"
    path.write_bytes(build_zip(before))
    empty_database()
    call_command("import_dataset_zip", str(path), stdout=io.StringIO())
    after = build_export()
    assert before.counts["positions"] > 0 and before.counts["clause_links"] > 0
    assert after.files == before.files
    assert after.content_hash == before.content_hash


AWKWARD_TEXTS = [
    "=HYPERLINK(1)",
    "+1 formula",
    "-1 formula",
    "@SUM(1)",
    "\t=tab before a formula",
    "\r=carriage return before a formula",
    "a lone\rcarriage return inside",
    "a line\nbreak and a \r\n pair",
    "'quoted by the editor'",
    "'=an apostrophe the editor typed before a formula",
    "''two apostrophes",
]


def test_the_zip_defuses_formulas_like_the_page_csvs_and_keeps_every_row_whole(client, world):
    version = world["first"]
    for i, text in enumerate(AWKWARD_TEXTS, start=10):
        f.ClauseFactory(version=version, number=str(i), sort_order=i, heading=f"Awkward {i}", summary=text)
    raw = read_zip(download(client).content)["clauses.csv"]
    rows = {row["heading"]: row["summary"] for row in csv.DictReader(io.StringIO(raw, newline=""))}
    assert len(rows) == models.Clause.objects.published().count()  # no row broken by a CR
    for i, text in enumerate(AWKWARD_TEXTS, start=10):
        cell = rows[f"Awkward {i}"]
        if text.startswith(("=", "+", "-", "@", "\t", "\r")):
            assert cell == "'" + text
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    # The page CSVs guard the same cells the same way.
    response = client.get("/plans/us-framework/28-point/", {"format": "csv"})
    page = b"".join(response.streaming_content).decode("utf-8-sig")
    page_rows = {row["heading"]: row for row in csv.DictReader(io.StringIO(page, newline=""))}
    assert page_rows["Awkward 15"]["summary"] == "'\r=carriage return before a formula"


def test_awkward_text_survives_the_zip_round_trip_exactly(client, world, tmp_path):
    version = world["first"]
    for i, text in enumerate(AWKWARD_TEXTS, start=10):
        f.ClauseFactory(version=version, number=str(i), sort_order=i, heading=f"Awkward {i}", summary=text)
    path = tmp_path / "tracker-dataset.zip"
    path.write_bytes(download(client).content)
    empty_database()
    call_command("import_dataset_zip", str(path), stdout=io.StringIO())
    imported = dict(models.Clause.objects.filter(heading__startswith="Awkward").values_list("heading", "summary"))
    assert imported == {f"Awkward {i}": text for i, text in enumerate(AWKWARD_TEXTS, start=10)}


def _edited_zip(client, tmp_path, edits):
    """The site's download with some cells changed: ``edits`` maps (file, row index, column) to text."""
    files = read_zip(download(client).content)
    for (name, index, column), value in edits.items():
        rows = list(csv.reader(io.StringIO(files[name], newline="")))
        rows[index + 1][rows[0].index(column)] = value
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        files[name] = buffer.getvalue()
    path = tmp_path / "edited.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(f"tracker-dataset/{name}", text)
    return path


def test_the_import_refuses_a_javascript_address_naming_the_file_and_row(client, world, tmp_path):
    path = _edited_zip(client, tmp_path, {("sources.csv", 1, "url"): "javascript:alert(1)"})
    source_id = csv_rows(read_zip(download(client).content)["sources.csv"])[1]["id"]
    empty_database()
    with pytest.raises(CommandError) as refused:
        call_command("import_dataset_zip", str(path))
    assert f"sources.csv, row 2 (id {source_id}): url: Enter a valid URL." in str(refused.value)
    assert "nothing was imported" in str(refused.value)
    assert not dataset.has_content() and not models.Source.objects.exists()


def test_the_import_checks_every_row_and_refuses_the_whole_zip_listing_each_mistake(client, world, tmp_path):
    edits = {
        ("sources.csv", 0, "published_on"): "2025-13-45",
        ("parties.csv", 0, "kind"): "empire",
        ("clauses.csv", 0, "number"): "6/1",
        ("clauses.csv", 1, "version_id"): "999999",
        ("positions.csv", 0, "stance"): "loves",
        ("positions.csv", 1, "date_is_approximate"): "maybe",
        ("figures.csv", 0, "value"): "99999999999999999.999",
        ("events.csv", 0, "ends_on"): "2000-01-01",
    }
    path = _edited_zip(client, tmp_path, edits)
    empty_database()
    with pytest.raises(CommandError) as refused:
        call_command("import_dataset_zip", str(path))
    message = str(refused.value)
    for fragment in [
        "sources.csv, row 1 (id ",
        "published_on: ",
        "parties.csv, row 1 (id ",
        "kind: Value 'empire' is not a valid choice.",
        "clauses.csv, row 1 (id ",
        "number: Use letters and digits",
        "clauses.csv, row 2 (id ",
        "version_id: no row with id 999999 in versions.csv",
        "stance: Value 'loves' is not a valid choice.",
        "positions.csv, row 2 (id ",
        "date_is_approximate: Write true or false.",
        "figures.csv, row 1 (id ",
        "value: Ensure that there are no more than 15 digits in total.",
        "events.csv, row 1 (id ",
        "ends_on: An event cannot end before it starts.",
    ]:
        assert fragment in message
    assert not dataset.has_content()
