"""An editor's draft preview of the public pages: drafts included and marked, never cached, 404 for anyone else."""

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import ClauseFactory, EditorFactory, PlanVersionFactory, PositionFactory
from tracker.cache import _is_cacheable_response, _page_key, bump_generation
from tracker.models import Clause, Position
from tracker.models.base import drafts_included

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft_version():
    version = PlanVersionFactory(name="20-point framework", is_published=False)
    ClauseFactory(version=version, number="1", heading="A joint commission", is_published=False)
    return version


def test_published_rules_keep_drafts_only_inside_a_preview():
    draft = ClauseFactory(is_published=False)
    PositionFactory(clause=draft, is_published=False)
    assert not Clause.objects.published().exists() and not Position.objects.published().exists()
    with drafts_included():
        assert list(Clause.objects.published()) == [draft]
        assert Position.objects.published().count() == 1
    assert not Clause.objects.published().exists()


def test_an_editor_previews_a_draft_version_marked_as_a_preview_and_never_cacheable(editor_client, draft_version):
    url = draft_version.get_absolute_url()
    assert editor_client.get(url).status_code == 404, "without the preview, drafts stay hidden from editors too"
    response = editor_client.get(url, {"preview": "drafts"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Preview with drafts included" in page
    assert "A joint commission" in page and 'class="draft-badge"' in page
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert not _is_cacheable_response(response.wsgi_request, response)


def test_a_preview_is_a_404_for_readers_and_for_staff_without_editor_rights(client, draft_version):
    url = draft_version.get_absolute_url()
    assert client.get(url, {"preview": "drafts"}).status_code == 404
    assert client.get("/", {"preview": "drafts"}).status_code == 404, "even for a page that exists"
    staff = EditorFactory()
    staff.groups.clear()
    client.force_login(staff)
    assert client.get(url, {"preview": "drafts"}).status_code == 404


def test_with_the_page_cache_on_a_preview_is_neither_served_from_nor_stored_in_it(settings, editor_client):
    settings.PAGE_CACHE_SECONDS = 300
    bump_generation()
    version = PlanVersionFactory(name="28-point draft")
    ClauseFactory(version=version, heading="Published point")
    ClauseFactory(version=version, heading="Draft point", is_published=False)
    reader = Client()
    url = version.get_absolute_url()
    assert reader.get(url)["X-Page-Cache"] == "miss"
    preview = editor_client.get(url, {"preview": "drafts"})
    assert "Draft point" in preview.content.decode() and "X-Page-Cache" not in preview
    assert cache.get(_page_key(preview.wsgi_request.META)) is None
    for _ in range(2):
        refused = reader.get(url, {"preview": "drafts"})
        assert refused.status_code == 404 and "X-Page-Cache" not in refused
    again = reader.get(url)
    assert "Draft point" not in again.content.decode() and "Published point" in again.content.decode()


def test_the_preview_follows_the_editor_from_page_to_page_until_they_leave_it(editor_client, draft_version):
    clause = draft_version.clauses.get()
    editor_client.get("/", {"preview": "drafts"})
    followed = editor_client.get(clause.get_absolute_url())
    assert followed.status_code == 200 and "Preview with drafts included" in followed.content.decode()
    assert "no-store" in followed["Cache-Control"]
    left = editor_client.get(clause.get_absolute_url(), {"preview": "off"})
    assert left.status_code == 404, "out of the preview, the draft is hidden again"
    assert editor_client.get(clause.get_absolute_url()).status_code == 404


def test_a_preview_is_never_answered_304_from_the_readers_version_the_browser_kept(editor_client):
    version = PlanVersionFactory()
    ClauseFactory(version=version, heading="Published point")
    ClauseFactory(version=version, heading="Draft point", is_published=False)
    url = "/api/v1/clauses/"
    published = editor_client.get(url)
    assert published.status_code == 200 and published.has_header("ETag")
    preview = editor_client.get(url, {"preview": "drafts"}, HTTP_IF_NONE_MATCH=published["ETag"])
    assert preview.status_code == 200
    assert "Draft point" in preview.content.decode()
    assert not preview.has_header("ETag") and not preview.has_header("Last-Modified")


def test_the_embeddable_point_card_is_marked_as_a_preview_too(editor_client, draft_version):
    clause = draft_version.clauses.get()
    card = clause.get_absolute_url() + "card/"
    assert editor_client.get(card).status_code == 404
    response = editor_client.get(card, {"preview": "drafts"})
    assert response.status_code == 200
    assert (
        "Preview with drafts included" in response.content.decode()
        and "A joint commission" in response.content.decode()
    )
