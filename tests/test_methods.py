"""The page that explains the site's words: stances, grades, confidence, gaps, changes, citing."""

import pytest

from tracker.lineage import Change
from tracker.models import Confidence, FigureKind, Grade, Reliability, Stance, TextBasis
from tracker.views import methods

pytestmark = pytest.mark.django_db


def test_every_stance_grade_confidence_kind_and_change_the_site_shows_is_explained(client):
    html = client.get("/methods/").content.decode()
    for choices, meanings in [
        (Stance, methods.STANCES),
        (Grade, methods.GRADES),
        (Confidence, methods.CONFIDENCE),
        (FigureKind, methods.FIGURE_KINDS),
        (Reliability, methods.RELIABILITY),
        (TextBasis, methods.TEXT_BASES),
        (Change, methods.CHANGES),
    ]:
        assert set(meanings) == set(choices.values), choices
        for value in choices.values:
            assert str(choices(value).label).replace("'", "&#x27;") in html, value
    for anchor in ["stances", "no-position", "grades", "figures", "gaps", "versions", "cite"]:
        assert f'id="{anchor}"' in html


def test_the_methods_page_is_linked_from_every_page_and_where_its_words_appear(client):
    from tests.public_data import build_world, page_types

    world = build_world(1)
    pages = page_types(world)
    for name in ["home", "version", "party list", "timeline", "not found"]:
        assert 'href="/methods/"' in client.get(pages[name]).content.decode(), name
    # The stance key beside each matrix, and the gap tables, link to their explanations.
    assert 'href="/methods/#stances"' in client.get(pages["version"]).content.decode()
    assert 'href="/methods/#gaps"' in client.get(pages["clause"]).content.decode()
