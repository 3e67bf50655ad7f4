"""Finding one's way: previous and next point, a jump list, what an empty cell means, and how to cite."""

import pytest

from tests import factories as f
from tracker import models

pytestmark = pytest.mark.django_db


@pytest.fixture
def points():
    version = f.PlanVersionFactory(name="28-point draft")
    first = f.ClauseFactory(version=version, number="1", sort_order=1, heading="Sovereignty")
    second = f.ClauseFactory(version=version, number="2", sort_order=2, heading="Non-aggression")
    third = f.ClauseFactory(version=version, number="force-size", sort_order=3, heading="Armed forces")
    f.ClauseFactory(version=version, number="4", sort_order=4, heading="Hidden draft point", is_published=False)
    russia = f.PartyFactory(name="Russia", short_name="RU")
    f.PartyFactory(name="Ukraine", short_name="UA")
    position = f.PositionFactory(
        party=russia, clause=second, stance=models.Stance.REJECTS, source=f.SourceFactory(publisher="TASS")
    )
    f.PositionFactory(clause=first, party=f.PartyFactory(slug="ukraine"))
    return version, first, second, third, position


def test_a_point_links_to_the_previous_and_next_published_points_of_its_version(client, points):
    version, first, second, third, _ = points
    html = client.get(second.get_absolute_url()).content.decode()
    assert f'<a href="{first.get_absolute_url()}" rel="prev">← Previous: 1. Sovereignty</a>' in html
    assert f'<a href="{third.get_absolute_url()}" rel="next">Next: Armed forces →</a>' in html
    last = client.get(third.get_absolute_url()).content.decode()
    assert 'rel="next"' not in last and "Hidden draft point" not in last
    assert 'rel="prev"' not in client.get(first.get_absolute_url()).content.decode()


def test_the_version_page_offers_a_jump_to_each_point(client, points):
    version, *_ = points
    html = client.get(version.get_absolute_url()).content.decode()
    jump = html.split('aria-label="Jump to a point"')[1].split("</nav>")[0]
    assert '<a href="#point-1">1</a>' in jump and '<a href="#point-2">2</a>' in jump
    assert '<a href="#point-force-size" title="Armed forces">Armed forces</a>' in jump
    assert 'id="point-force-size"' in html


def test_an_empty_stance_cell_says_no_position_is_recorded_and_links_to_what_that_means(client, points):
    version, *_ = points
    html = client.get(version.get_absolute_url()).content.decode()
    matrix = html.split('<table class="matrix">')[1].split("</table>")[0]
    assert 'href="/methods/#no-position"' in matrix
    assert '<span class="visually-hidden">No position recorded</span>' in matrix
    # The cells name their source by publisher and date, never by key.
    assert ">TASS, 21 Nov 2025</a>" in matrix


def test_point_and_indicator_pages_carry_a_cite_block_and_each_statement_and_figure_a_citation(client, points):
    _, _, second, _, position = points
    html = client.get(second.get_absolute_url()).content.decode()
    permalink = f"http://testserver{second.get_absolute_url()}"
    cite = html.split('<section class="cite-this"')[1].split("</section>")[0]
    assert f'Permanent address: <a href="{permalink}">' in cite
    assert "Peace-plan tracker, “Point 2: Non-aggression, 28-point draft”" in cite
    assert (
        f"Russia: rejects on point 2 of the 28-point draft, stated 21 Nov 2025. Source: TASS, 21 Nov 2025. "
        f"Peace-plan tracker, {permalink}#position-{position.pk}"
    ) in html
    figure = f.FigureFactory(source=f.SourceFactory(publisher="Axios"))
    page = client.get(figure.indicator.get_absolute_url()).content.decode()
    assert '<section class="cite-this"' in page
    assert f"Source: Axios, 21 Nov 2025. Peace-plan tracker, http://testserver{figure.get_absolute_url()}" in page


def test_a_point_card_can_be_framed_by_other_sites_and_shows_no_site_chrome_and_no_draft(client, points):
    _, first, second, _, position = points
    f.PositionFactory(clause=second, party=position.party, stance=models.Stance.SUPPORTS, is_published=False)
    url = second.get_absolute_url() + "card/"
    response = client.get(url)
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    html = response.content.decode()
    assert "site-header" not in html and "site-nav" not in html and "<form" not in html
    assert "Point 2: Non-aggression" in html and "Rejects" in html and "source: TASS, 21 Nov 2025" in html
    assert "Supports" not in html.split("<main")[1]  # the draft position stays out
    assert f'href="http://testserver{second.get_absolute_url()}"' in html
    # The point's own page stays unframeable and offers the card's embed code.
    page = client.get(second.get_absolute_url())
    assert page["X-Frame-Options"] == "DENY"
    assert f'&lt;iframe src="http://testserver{url}"' in page.content.decode()
    draft = f.ClauseFactory(version=first.version, number="9", is_published=False)
    assert client.get(draft.get_absolute_url() + "card/").status_code == 404
