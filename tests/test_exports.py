"""Stored downloads: the dataset zip and whole-list CSVs built once per change and served as files."""

import io
import zipfile

import pytest
from django.core.cache import cache
from django.core.management import call_command

from tests import factories as f
from tests.public_data import DRAFT_MARK
from tests.worlds import make_world
from tracker import exports
from tracker.models import Party

pytestmark = pytest.mark.django_db

ZIP = "/data/tracker-dataset.zip"


@pytest.fixture
def stored(settings, tmp_path, monkeypatch):
    """Stored downloads on, in a directory of the test's own; rebuilds wait in a list until the test runs them."""
    settings.EXPORTS_STORED = True
    settings.EXPORT_DIR = str(tmp_path)
    settings.EXPORT_REBUILD_SECONDS = 0
    pending = []
    monkeypatch.setattr(exports, "start_rebuild", pending.append)
    # A rebuild lock an earlier test left behind (its rows rolled back) would hold this test's rebuilds.
    cache.delete_many([exports._lock_key(name) for name in exports.stored_names()])
    return pending


def body(response):
    assert response.status_code == 200
    return response.getvalue()


def zipped_text(content):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "\n".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())


def test_the_zip_is_built_once_then_sent_from_its_file_without_a_query(client, stored, django_assert_num_queries):
    make_world(2)
    first = body(client.get(ZIP))
    assert "Point 2 revised" in zipped_text(first)
    with django_assert_num_queries(0):  # the stamp of the newest change is kept until the data changes
        again = client.get(ZIP)
        assert body(again) == first
    assert again["Content-Disposition"] == 'attachment; filename="tracker-dataset.zip"'
    assert again["X-Dataset-Version"]
    assert client.get(ZIP, HTTP_IF_NONE_MATCH=again["ETag"]).status_code == 304
    assert stored == []


def test_after_a_change_readers_get_the_previous_file_while_one_rebuild_runs_off_the_request(client, stored):
    make_world(2)
    before = body(client.get(ZIP))
    version = f.PlanVersionFactory(name="20-point framework", slug="20-point")
    f.ClauseFactory(version=version, heading="Security guarantees")

    meanwhile = [body(client.get(ZIP)) for _ in range(3)]
    assert meanwhile == [before] * 3, "the previous file, not a build per request"
    assert len(stored) == 1, "one rebuild, however many readers noticed the change"

    stored.pop()()
    after = body(client.get(ZIP))
    assert "Security guarantees" in zipped_text(after)
    assert stored == []


def test_stored_downloads_never_show_drafts_before_or_after_a_rebuild(client, stored):
    make_world(2)
    f.ClauseFactory(heading=f"{DRAFT_MARK} clause", is_published=False)
    f.PositionFactory(quote=DRAFT_MARK, is_published=False)
    assert DRAFT_MARK not in zipped_text(body(client.get(ZIP)))
    assert DRAFT_MARK.encode() not in body(client.get("/timeline/", {"format": "csv"}))

    f.SourceFactory(key="S99", title="A new source")
    client.get(ZIP), client.get("/timeline/", {"format": "csv"})
    for rebuild in stored:
        rebuild()
    assert DRAFT_MARK not in zipped_text(body(client.get(ZIP)))
    assert DRAFT_MARK.encode() not in body(client.get("/timeline/", {"format": "csv"}))


def test_a_whole_list_csv_is_stored_and_rebuilt_after_a_change(client, stored):
    source = f.SourceFactory(key="S01", title="Axios report")
    f.PositionFactory(source=source)  # the list holds the sources something published cites
    assert b"Axios report" in body(client.get("/sources/", {"format": "csv"}))
    source.title = "Axios report, corrected"
    source.save()
    assert b"corrected" not in body(client.get("/sources/", {"format": "csv"}))
    stored.pop()()
    assert b"Axios report, corrected" in body(client.get("/sources/", {"format": "csv"}))


def test_a_filtered_csv_is_built_for_its_request_and_never_stored(client, stored, tmp_path):
    make_world(2)
    rows = body(client.get("/timeline/", {"party": "ukraine", "format": "csv"}))
    assert rows.startswith(b"\xef\xbb\xbfdate,kind,party")
    assert list(tmp_path.iterdir()) == []


def test_the_timeline_of_changes_csv_is_stored_and_rebuilt_and_a_narrower_one_is_built_on_the_request(
    client, stored, settings, tmp_path
):
    make_world(2)
    f.PositionFactory(quote=DRAFT_MARK, is_published=False)
    changes = {"show": "changes", "format": "csv"}
    first = body(client.get("/timeline/", changes))
    assert exports._read_index("timeline-changes.csv") is not None, "stored"
    assert body(client.get("/timeline/", {"format": "csv", "show": "changes"})) == first
    settings.EXPORTS_STORED = False
    assert body(client.get("/timeline/", changes)) == first, "the file holds what the view sends"
    settings.EXPORTS_STORED = True
    assert DRAFT_MARK.encode() not in first and b"position" in first

    f.PositionFactory(party=Party.objects.get(slug="russia"), quote="A brand-new stance", stance="rejects")
    narrower = {**changes, "party": "russia"}
    assert b"A brand-new stance" in body(client.get("/timeline/", narrower)), "built for its request"
    assert body(client.get("/timeline/", changes)) == first, "the previous file until the rebuild"
    assert len(stored) == 1
    stored.pop()()
    assert b"A brand-new stance" in body(client.get("/timeline/", changes))
    assert {path.name for path in tmp_path.iterdir() if path.suffix == ".json"} == {"timeline-changes.csv.json"}


def test_a_download_is_rebuilt_at_most_once_per_interval(client, stored, settings):
    settings.EXPORT_REBUILD_SECONDS = 3600
    make_world(2)
    before = body(client.get(ZIP))
    f.SourceFactory(key="S99", title="A new source")
    assert body(client.get(ZIP)) == before
    assert stored == []


def test_build_exports_builds_every_stored_download(stored, tmp_path):
    make_world(2)
    call_command("build_exports", verbosity=0)
    built = {path.name for path in tmp_path.iterdir() if path.suffix == ".json"}
    assert built == {f"{name}.json" for name in exports.stored_names()}
    assert "tracker-dataset.zip.json" in built
