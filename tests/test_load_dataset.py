"""The load_dataset command and its loader, on an empty database and on small copies of the shipped files."""

import shutil

import pytest
from django.core.management import CommandError, call_command

from tracker import dataset
from tracker.models import Clause, ClauseLink, PlanVersion, Source, Topic

SHIPPED = dataset.DATA_DIR
SHIPPED_SOURCES = len(dataset.read_files()[0]["source"])


@pytest.fixture
def data_dir(tmp_path):
    """A copy of the shipped files that a test may break."""
    copy = tmp_path / "data"
    shutil.copytree(SHIPPED, copy)
    return copy


def replace_once(path, old, new):
    text = path.read_text()
    assert text.count(old) >= 1, f"{old!r} not found in {path.name}"
    path.write_text(text.replace(old, new, 1))


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("load_dataset", *args, stdout=out)
    return out.getvalue()


def test_an_unknown_source_key_is_named_with_its_file_and_row_and_nothing_is_written(db, data_dir):
    replace_once(data_dir / "plan.toml", 'sources = ["S01", "S03", "S05", "S06", "S00"]', 'sources = ["S999"]')

    with pytest.raises(CommandError) as caught:
        run("--data-dir", str(data_dir))

    message = str(caught.value)
    assert "plan.toml, [[clause]] row 6" in message
    assert "'S999'" in message
    assert "nothing was written" in message
    assert not Source.objects.exists()
    assert not Clause.objects.exists()


def test_a_link_to_an_unknown_clause_key_is_refused(db, data_dir):
    with (data_dir / "plan.toml").open("a") as handle:
        handle.write('\n[[link]]\nfrom = "28-point/6"\nto = "19-point/99"\nrelation = "amended"\nsource = "S27"\n')

    with pytest.raises(dataset.DatasetError) as caught:
        dataset.load(data_dir)

    assert "[[link]]" in str(caught.value)
    assert "unknown clause '19-point/99'" in str(caught.value)
    assert not ClauseLink.objects.exists() and not Source.objects.exists()


def test_a_row_that_fails_model_validation_rolls_back_the_whole_load(db, data_dir):
    # A source with neither URL nor reason passes the reference checks but not the model's own rules.
    replace_once(
        data_dir / "sources.toml",
        'url = "https://newsukraine.rbc.ua/news/axios-unveils-full-28-point-peace-plan-for-1763709875.html"',
        'url = ""',
    )

    with pytest.raises(dataset.DatasetError) as caught:
        dataset.load(data_dir)

    assert "sources.toml, [[source]] row 2 (key='S01')" in str(caught.value)
    assert "no_url_reason" in str(caught.value)
    assert not Source.objects.exists() and not Topic.objects.exists()


def test_a_misspelt_field_is_refused_rather_than_silently_ignored(db, data_dir):
    replace_once(data_dir / "plan.toml", "released_on_note =", "released_note =")

    with pytest.raises(dataset.DatasetError, match=r"\[\[version\]\] row 1 \(slug='28-point'\): unknown field"):
        dataset.load(data_dir)


def test_a_missing_file_is_named_and_the_other_files_still_load(db, data_dir):
    (data_dir / "events.toml").unlink(missing_ok=True)
    (data_dir / "positions.toml").unlink(missing_ok=True)

    output = run("--data-dir", str(data_dir))

    assert "Missing file: events.toml" in output
    assert "Missing file: positions.toml" in output
    assert Source.objects.count() == SHIPPED_SOURCES
    assert PlanVersion.objects.count() == 4


def test_if_empty_loads_an_empty_database_and_then_leaves_it_alone(db, data_dir):
    (data_dir / "positions.toml").unlink(missing_ok=True)
    run("--if-empty", "--data-dir", str(data_dir))
    clause = Clause.objects.get(version__slug="28-point", number="6")
    clause.summary = "An editor's own wording."
    clause.save()

    output = run("--if-empty", "--data-dir", str(data_dir))

    assert "already holds tracker content; nothing was changed" in output
    clause.refresh_from_db()
    assert clause.summary == "An editor's own wording."
    assert Source.objects.count() == SHIPPED_SOURCES


def test_without_a_flag_the_command_refuses_to_load_over_existing_content(db):
    Source.objects.create(key="E1", title="An editor's source", publisher="Wire", url="https://example.org/e1")

    with pytest.raises(CommandError, match="--reload"):
        run()

    assert list(Source.objects.values_list("key", flat=True)) == ["E1"]


def test_reload_asks_for_confirmation_and_a_no_changes_nothing(db, monkeypatch):
    Source.objects.create(key="E1", title="An editor's source", publisher="Wire", url="https://example.org/e1")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="cancelled"):
        run("--reload")

    assert list(Source.objects.values_list("key", flat=True)) == ["E1"]


def test_loaded_objects_carry_a_history_entry_with_the_change_reason(db, data_dir):
    (data_dir / "positions.toml").unlink(missing_ok=True)
    dataset.load(data_dir)

    clause = Clause.objects.get(version__slug="28-point", number="6")
    [created] = clause.history.all()
    assert created.history_type == "+"
    assert created.history_change_reason == dataset.CHANGE_REASON
    # The one creation row records the relations too, so reverting to it keeps them.
    assert {row.topic.slug for row in created.topics.all()} == {"armed-forces"}
    assert created.sources.count() == 5
    assert Source.objects.get(key="S01").history.count() == 1


def test_a_reload_from_a_broken_file_keeps_the_content_already_there(db, data_dir):
    (data_dir / "positions.toml").unlink(missing_ok=True)
    run("--data-dir", str(data_dir))
    clause = Clause.objects.get(version__slug="28-point", number="6")
    clause.summary = "An editor's own wording."
    clause.save()
    replace_once(data_dir / "plan.toml", 'source = "S22"', 'source = "S404"')

    with pytest.raises(CommandError, match="S404"):
        run("--reload", "--noinput", "--data-dir", str(data_dir))

    clause.refresh_from_db()
    assert clause.summary == "An editor's own wording."
    assert Source.objects.count() == SHIPPED_SOURCES


def test_a_row_marked_unpublished_loads_as_a_draft_and_the_rest_as_published(db, data_dir):
    for name in ("positions.toml", "events.toml", "evidence.toml"):
        (data_dir / name).unlink(missing_ok=True)
    replace_once(data_dir / "plan.toml", 'number = "23"\n', 'number = "23"\nis_published = false\n')

    dataset.load(data_dir)

    assert Clause.objects.get(is_published=False).number == "23"
    assert Clause.objects.published().filter(version__slug="28-point").count() == 27
