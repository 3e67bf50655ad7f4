"""The shipped dataset of the 2025 US framework: its integrity and the facts a reader will check.

The real files are loaded once for the module, inside a transaction rolled back at the end;
each test runs in its own savepoint, so tests that edit or reload leave the others untouched.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from tracker import dataset
from tracker.models import Clause, Plan, PlanVersion, Source


@pytest.fixture(scope="module")
def shipped(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        result = dataset.load()
        yield result
        transaction.set_rollback(True)


@pytest.fixture
def loaded(shipped, db):
    return shipped


def cited_sources():
    """Every source something on the site cites."""
    keys = set()
    for version in PlanVersion.objects.prefetch_related("sources"):
        keys |= {s.key for s in version.sources.all()}
    for clause in Clause.objects.prefetch_related("sources"):
        keys |= {s.key for s in clause.sources.all()}
    for model_source in ("clause_links", "version_claims", "figures", "positions", "events"):
        keys |= set(Source.objects.filter(**{f"{model_source}__isnull": False}).values_list("key", flat=True))
    return Source.objects.filter(key__in=keys)


def test_the_shipped_files_load_without_any_missing_file_warnings_for_the_plan(loaded):
    assert "plan.toml" not in loaded.missing_files
    assert "sources.toml" not in loaded.missing_files
    assert Plan.objects.published().get().slug == "us-framework-2025"


def test_the_28_point_draft_has_28_clauses_with_distinct_numbers_1_to_28(loaded):
    numbers = list(Clause.objects.filter(version__slug="28-point").values_list("number", flat=True))
    assert len(numbers) == 28
    assert sorted(numbers, key=int) == [str(n) for n in range(1, 29)]


def test_every_source_from_s00_to_s144_is_shipped(loaded):
    assert set(Source.objects.values_list("key", flat=True)) == {f"S{n:02d}" for n in range(145)}


def test_every_version_cites_at_least_one_dated_source(loaded):
    versions = PlanVersion.objects.prefetch_related("sources")
    assert versions.count() == 4
    for version in versions:
        assert [s for s in version.sources.all() if s.published_on], version.slug


def test_every_clause_cites_at_least_one_source(loaded):
    for clause in Clause.objects.prefetch_related("sources"):
        assert clause.sources.exists(), str(clause)


def test_every_cited_source_has_a_url_or_a_stated_reason_and_a_date_or_a_note(loaded):
    sources = cited_sources()
    assert sources.count() > 40
    for source in sources:
        assert source.url or source.no_url_reason, source.key
        assert source.published_on or source.date_note, source.key


def test_the_commentary_the_project_started_from_says_why_it_has_no_url(loaded):
    s00 = Source.objects.get(key="S00")
    assert s00.url == ""
    assert "no URL" in s00.no_url_reason
    assert s00.date_is_approximate


def test_no_version_or_clause_has_an_empty_summary(loaded):
    assert Plan.objects.get().summary.strip()
    assert not PlanVersion.objects.filter(summary="").exists()
    assert not Clause.objects.filter(summary="").exists()
    assert not Clause.objects.filter(heading="").exists()


def test_the_text_basis_of_each_version_matches_how_its_text_is_known(loaded):
    bases = dict(PlanVersion.objects.values_list("slug", "text_basis"))
    assert bases == {
        "28-point": "leaked_full",
        "e3-counter-proposal": "partial",
        "19-point": "partial",
        "20-point": "oral_summary",
    }


def test_the_disputed_point_counts_are_claims_with_sources(loaded):
    version = PlanVersion.objects.get(slug="19-point")
    values = set(version.claims.values_list("value", flat=True))
    assert {"19", "22"} <= values
    assert all(claim.source_id for claim in version.claims.all())


def test_load_dataset_if_empty_on_a_loaded_database_keeps_an_editors_change(loaded):
    clause = Clause.objects.get(version__slug="28-point", number="6")
    clause.summary = "An editor rewrote this."
    clause.save()

    out = StringIO()
    call_command("load_dataset", "--if-empty", stdout=out)

    assert "nothing was changed" in out.getvalue()
    clause.refresh_from_db()
    assert clause.summary == "An editor rewrote this."
    assert Clause.objects.count() == len(dataset.read_files()[0]["clause"])


def test_load_dataset_reload_restores_the_shipped_content(loaded):
    clause = Clause.objects.get(version__slug="28-point", number="6")
    shipped_summary = clause.summary
    clause.summary = "An editor rewrote this."
    clause.save()
    Source.objects.create(key="E1", title="An editor's source", publisher="Wire", url="https://example.org/e1")

    call_command("load_dataset", "--reload", "--noinput", stdout=StringIO())

    assert Clause.objects.get(version__slug="28-point", number="6").summary == shipped_summary
    assert not Source.objects.filter(key="E1").exists()
    assert Source.objects.count() == 145
