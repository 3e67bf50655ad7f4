"""Starting a version from another, lineage in bulk and publishing a version with everything in it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import (
    ClauseFactory,
    ClauseLinkFactory,
    ClauseTargetFactory,
    FigureFactory,
    PartyFactory,
    PlanFactory,
    PlanVersionFactory,
    PositionFactory,
    SourceFactory,
    TopicFactory,
)
from tracker.models import Clause, ClauseLink, Figure, PlanVersion, Position
from tracker.services import lineage, versions

pytestmark = pytest.mark.django_db


def _version_with_points(texts, **kwargs):
    version = PlanVersionFactory(**kwargs)
    for n, text in enumerate(texts, start=1):
        ClauseFactory(version=version, number=str(n), sort_order=n, heading=f"Heading {n}", text=text)
    return version


# Start a version from another


def test_starting_from_a_version_copies_its_points_as_drafts_with_unchanged_links_proposed(editor_client):
    earlier = _version_with_points(["Ukraine's sovereignty is confirmed.", "Forces are capped at 600,000."])
    topic = TopicFactory()
    earlier.clauses.get(number="1").topics.add(topic)
    source = SourceFactory()
    response = editor_client.post(
        reverse("admin:tracker_planversion_start", args=[earlier.pk]),
        {
            "name": "19-point revision",
            "released_on": "2025-11-24",
            "status": "revised",
            "text_basis": "partial",
            "sources": [str(source.pk)],
            "points": "copy_topics",
        },
    )
    later = PlanVersion.objects.get(slug="19-point-revision")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:tracker_planversion_lineage", args=[later.pk, earlier.pk])
    assert later.based_on == earlier and not later.is_published and list(later.sources.all()) == [source]
    copies = list(later.clauses.all())
    assert [(c.number, c.text, c.is_published) for c in copies] == [
        ("1", "Ukraine's sovereignty is confirmed.", False),
        ("2", "Forces are capped at 600,000.", False),
    ]
    assert list(copies[0].topics.all()) == [topic]
    (row,) = copies[0].history.all()
    assert [r.topic for r in row.topics.all()] == [topic], "one history row, holding the copied topics"
    assert row.history_change_reason == f"Copied from {earlier.name} point 1"
    links = ClauseLink.objects.filter(to_version=later)
    assert sorted((link.from_clause.number, link.to_clause.number, link.relation) for link in links) == [
        ("1", "1", "unchanged"),
        ("2", "2", "unchanged"),
    ]


def test_starting_without_topics_leaves_them_to_the_editor_and_a_taken_slug_is_refused(editor_client):
    earlier = _version_with_points(["One."])
    earlier.clauses.get().topics.add(TopicFactory())
    started = versions.start_version_from(
        earlier,
        name="Next",
        slug="next",
        released_on=datetime.date(2025, 11, 30),
        status="revised",
        text_basis="partial",
        sources=[SourceFactory()],
    )
    assert not started.clauses[0].topics.exists()
    response = editor_client.post(
        reverse("admin:tracker_planversion_start", args=[earlier.pk]),
        {"name": "Next", "released_on": "2025-12-01", "status": "revised", "text_basis": "partial",
         "sources": [str(SourceFactory().pk)], "points": "none"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "already has a version" in response.content.decode()
    assert PlanVersion.objects.filter(slug="next").count() == 1


# Lineage in bulk


def test_proposals_pair_points_by_similarity_and_number_with_a_score():
    plan = PlanFactory()
    earlier = _version_with_points(
        [
            "Ukraine's sovereignty will be confirmed.",
            "The armed forces of Ukraine will be limited to 600,000 personnel.",
            "Full amnesty for all parties to the conflict.",
        ],
        plan=plan,
        released_on=datetime.date(2025, 11, 20),
    )
    later = _version_with_points(
        [
            "The armed forces of Ukraine will be limited to 800,000 personnel in peacetime.",
            "Ukraine's sovereignty will be confirmed.",
            "Something entirely unrelated about shipping lanes and grain.",
        ],
        plan=plan,
        released_on=datetime.date(2025, 11, 24),
    )
    rows = {row.earlier.number: row for row in lineage.propose(earlier, later)}
    assert rows["1"].later.number == "2" and rows["1"].relation == "unchanged" and rows["1"].score == 1.0
    assert rows["2"].later.number == "1" and rows["2"].relation in ("reworded", "amended")
    assert 0.5 < rows["2"].score < 1
    assert rows["3"].later is None and rows["3"].proposed


def test_the_lineage_page_saves_every_row_in_one_submit_and_recorded_links_come_back(editor_client):
    plan = PlanFactory()
    earlier = _version_with_points(["Alpha beta gamma.", "Delta epsilon.", "Zeta eta."], plan=plan)
    later = _version_with_points(["Alpha beta gamma.", "Delta epsilon changed."], plan=plan, is_published=False)
    old = {c.number: c for c in earlier.clauses.all()}
    new = {c.number: c for c in later.clauses.all()}
    url = reverse("admin:tracker_planversion_lineage", args=[later.pk, earlier.pk])
    page = editor_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<del>" in html or "<ins>" in html, "the word-level difference of a proposed pair is shown"
    source = SourceFactory()
    response = editor_client.post(
        url,
        {
            "grade": "confirmed",
            "source": str(source.pk),
            f"to-{old['1'].pk}": str(new["1"].pk),
            f"relation-{old['1'].pk}": "unchanged",
            f"to-{old['2'].pk}": str(new["2"].pk),
            f"relation-{old['2'].pk}": "amended",
            f"to-{old['3'].pk}": "removed",
            f"relation-{old['3'].pk}": "unchanged",
        },
    )
    assert response.status_code == 302
    links = {link.from_clause.number: link for link in ClauseLink.objects.filter(from_version=earlier)}
    assert (links["1"].to_clause, links["1"].relation, links["1"].grade) == (new["1"], "unchanged", "confirmed")
    assert (links["2"].to_clause, links["2"].relation) == (new["2"], "amended")
    assert links["3"].is_removal and links["3"].to_version == later and links["3"].relation == "removed"
    assert links["2"].source == source
    # Recorded links come back as the page's starting point; an emptied row removes its link.
    rows = {row.earlier.number: row for row in lineage.propose(earlier, later)}
    assert not rows["2"].proposed and rows["2"].relation == "amended"
    saved = lineage.save_links(earlier, later, {old["3"].pk: (None, "")}, grade="reported")
    assert saved.deleted == 1 and not ClauseLink.objects.filter(from_clause=old["3"]).exists()


def test_a_bulk_lineage_save_with_one_bad_row_saves_nothing():
    plan = PlanFactory()
    earlier = _version_with_points(["A.", "B."], plan=plan)
    later = _version_with_points(["A.", "B."], plan=plan)
    stranger = ClauseFactory()  # a point of another plan's version
    old = list(earlier.clauses.all())
    new = list(later.clauses.all())
    with pytest.raises(ValidationError):
        lineage.save_links(
            earlier,
            later,
            {old[0].pk: (str(new[0].pk), "unchanged"), old[1].pk: (str(stranger.pk), "unchanged")},
            grade="reported",
        )
    assert not ClauseLink.objects.exists()


def test_a_split_is_left_to_the_points_own_page():
    link = ClauseLinkFactory()
    ClauseLinkFactory(
        from_clause=link.from_clause, to_clause=ClauseFactory(version=link.to_clause.version, number="99")
    )
    rows = lineage.propose(link.from_clause.version, link.to_clause.version)
    assert rows[0].locked
    lineage.save_links(link.from_clause.version, link.to_clause.version, {rows[0].earlier.pk: (None, "")}, grade="x")
    assert ClauseLink.objects.count() == 2


# Publish a version with everything in it


def _draft_version_with_everything():
    plan = PlanFactory(is_published=False)
    version = PlanVersionFactory(plan=plan, is_published=False)
    clauses = [ClauseFactory(version=version, is_published=False) for _ in range(3)]
    clauses[0].topics.add(TopicFactory())
    target = ClauseTargetFactory(clause=clauses[0])
    figure = FigureFactory(indicator=target.indicator, is_published=False)
    unrelated_figure = FigureFactory(is_published=False)
    positions = [
        PositionFactory(clause=clauses[1], is_published=False),
        PositionFactory(clause=None, version=version, party=PartyFactory(), is_published=False),
    ]
    return version, clauses, figure, unrelated_figure, positions


def test_the_publish_page_lists_what_readers_will_see_and_publishes_it_all_at_once(editor_client, editor):
    version, clauses, figure, unrelated_figure, positions = _draft_version_with_everything()
    url = reverse("admin:tracker_planversion_publish", args=[version.pk])
    page = editor_client.get(url).content.decode()
    assert "3 points, of which 3 drafts will be published" in page
    assert str(positions[0]) in page and str(figure) in page and str(unrelated_figure) not in page
    response = editor_client.post(url, {"position": [str(p.pk) for p in positions], "figure": [str(figure.pk)]})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.is_published and version.plan.is_published
    assert Clause.objects.published().filter(version=version).count() == 3
    assert Position.objects.published().count() == 2
    assert set(Figure.objects.published()) == {figure}
    latest = clauses[0].history.latest()
    assert latest.history_user == editor and latest.history_change_reason == f"Published with {version.name}"
    assert [t.topic for t in latest.topics.all()] == list(clauses[0].topics.all()), "history keeps the topics"


def test_positions_left_unticked_stay_drafts():
    version, _, figure, _, positions = _draft_version_with_everything()
    versions.publish_version(version, position_ids=[positions[1].pk], figure_ids=[])
    assert list(Position.objects.published()) == [positions[1]]
    assert not Figure.objects.published().exists()


def test_a_failure_while_publishing_leaves_everything_a_draft(monkeypatch):
    version, clauses, *_ = _draft_version_with_everything()
    saved = []
    original_save = Clause.save

    def failing_save(self, *args, **kwargs):
        saved.append(self.pk)
        if len(saved) == 2:
            raise RuntimeError("the database went away")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(Clause, "save", failing_save)
    with pytest.raises(RuntimeError):
        versions.publish_version(version)
    version.refresh_from_db()
    assert not version.is_published and not version.plan.is_published
    assert not Clause.objects.filter(is_published=True).exists()
    reader = Client()
    assert reader.get(version.get_absolute_url()).status_code == 404


def test_an_editor_without_publish_rights_gets_a_403(client):
    from tests.factories import EditorFactory

    user = EditorFactory()
    user.groups.clear()
    client.force_login(user)
    version, *_ = _draft_version_with_everything()
    assert client.post(reverse("admin:tracker_planversion_publish", args=[version.pk])).status_code == 403
    version.refresh_from_db()
    assert not version.is_published


@pytest.mark.django_db(transaction=True)
def test_a_reader_during_publishing_sees_the_version_whole_or_not_at_all(monkeypatch):
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs a second connection reading while the first writes (the PostgreSQL run has one)")
    version, clauses, *_ = _draft_version_with_everything()
    seen = []

    def read_as_a_reader():
        try:
            seen.append(
                (
                    Client().get(version.get_absolute_url()).status_code,
                    Clause.objects.published().filter(version=version).count(),
                )
            )
        finally:
            connection.close()

    def a_reader_looks():
        reader = threading.Thread(target=read_as_a_reader)  # its own database connection
        reader.start()
        reader.join()

    original_save = Clause.save

    def save_then_let_a_reader_look(self, *args, **kwargs):
        original_save(self, *args, **kwargs)
        a_reader_looks()

    monkeypatch.setattr(Clause, "save", save_then_let_a_reader_look)
    versions.publish_version(version)
    a_reader_looks()
    assert seen[:-1] == [(404, 0)] * len(clauses), "while publishing, readers see nothing of it"
    assert seen[-1] == (200, 3), "once published, all of it"
