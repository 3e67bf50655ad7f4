"""make backup / make restore: a restore gives back the same dataset and the same history; failures change nothing."""

import hashlib

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from tests.worlds import make_world
from tracker import backup as backup_module
from tracker.dataset_zip import build_export, build_zip
from tracker.models import Clause, PlanVersion

pytestmark = pytest.mark.django_db(transaction=True)


def dataset_hash():
    return hashlib.sha256(build_zip(build_export(), "https://tracker.example.org")).hexdigest()


def history_rows():
    """Every history row of every tracker model, as stored."""
    rows = {}
    for model in apps.get_app_config("tracker").get_models():
        if model.__name__.startswith("Historical"):
            rows[model.__name__] = list(model.objects.order_by("history_id").values())
    return rows


def test_a_restore_gives_back_the_same_dataset_zip_and_the_same_history_rows(tmp_path):
    world = make_world()
    version = world["first"]
    version.name = "28-point leaked draft"
    version.save()
    zip_hash, history = dataset_hash(), history_rows()
    assert sum(len(rows) for rows in history.values()) > 20

    call_command("backup", str(tmp_path / "tracker.backup"))
    # Later mistakes: a clause deleted, a version renamed, more history.
    Clause.objects.filter(pk=world["clauses"][0].pk).delete()
    PlanVersion.objects.get(pk=version.pk).delete()
    assert dataset_hash() != zip_hash

    call_command("restore", str(tmp_path / "tracker.backup"), "--noinput")

    assert dataset_hash() == zip_hash
    assert history_rows() == history
    assert PlanVersion.objects.get(pk=version.pk).name == "28-point leaked draft"


def test_a_backup_that_fails_half_way_leaves_the_previous_backup_of_that_name_in_place(tmp_path, monkeypatch):
    make_world()
    path = tmp_path / "tracker.backup"
    call_command("backup", str(path))
    before = path.read_bytes()

    def dump_half_then_fail(partial):
        partial.write_bytes(before[: len(before) // 2])
        raise backup_module.BackupError("pg_dump failed: server closed the connection unexpectedly")

    monkeypatch.setattr(backup_module, "_pg_dump", dump_half_then_fail)
    monkeypatch.setattr(backup_module, "_sqlite_backup", dump_half_then_fail)
    with pytest.raises(CommandError, match="server closed the connection"):
        call_command("backup", str(path))

    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["tracker.backup"]


def test_restoring_a_truncated_backup_refuses_and_changes_nothing(tmp_path):
    make_world()
    path = tmp_path / "tracker.backup"
    call_command("backup", str(path))
    path.write_bytes(path.read_bytes()[:3000])
    zip_hash, history = dataset_hash(), history_rows()

    with pytest.raises(CommandError):
        call_command("restore", str(path), "--noinput")

    assert dataset_hash() == zip_hash
    assert history_rows() == history
