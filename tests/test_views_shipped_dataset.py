"""Every party, actor, indicator and source page of the shipped dataset renders within its query ceiling.

The dataset is loaded once for the module, inside a transaction rolled back at the end.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import test_views_evidence, test_views_parties, test_views_sources, test_views_timeline
from tracker.models import Actor, Indicator, Party, Source

CEILINGS = {
    "party": test_views_parties.QUERY_LIMITS["/parties/us/"],
    "actor": test_views_parties.QUERY_LIMITS["/actors/speaker-us/"],
    "indicator": test_views_evidence.QUERY_LIMITS["/indicators/armed-forces-personnel/"],
    "source": test_views_sources.QUERY_LIMITS["/sources/s000/"],
}


def shipped_pages(kind):
    """The addresses of every page of one kind the shipped dataset has."""
    if kind == "party":
        return [party.get_absolute_url() for party in Party.objects.all()]
    model = {"actor": Actor, "indicator": Indicator, "source": Source}[kind]
    return [row.get_absolute_url() for row in model.objects.public()]


# One test per kind of page, so parallel test workers share them out.
@pytest.mark.parametrize("kind, at_least", [("party", 6), ("actor", 10), ("indicator", 10), ("source", 100)])
def test_every_page_of_the_shipped_dataset_renders_within_the_ceilings_the_factory_tests_pin(
    client, loaded, kind, at_least
):
    pages = shipped_pages(kind)
    assert len(pages) >= at_least
    over = {}
    for url in pages:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        if len(queries) > CEILINGS[kind]:
            over[url] = len(queries)
    assert over == {}


@pytest.mark.parametrize(
    "url, ceiling",
    [
        ("/parties/", test_views_parties.QUERY_LIMITS["/parties/"]),
        ("/indicators/", test_views_evidence.QUERY_LIMITS["/indicators/"]),
        ("/sources/", test_views_sources.QUERY_LIMITS["/sources/"]),
        ("/timeline/", test_views_timeline.QUERY_LIMITS["/timeline/"]),
        (
            "/timeline/?party=russia&start=2025-11-20",
            test_views_timeline.QUERY_LIMITS["/timeline/?party=us&start=2025-11-20&end=2025-12-31"],
        ),
        ("/search/?q=army", 13),
    ],
)
def test_the_lists_of_the_shipped_dataset_render_within_their_ceilings(
    client, loaded, django_assert_max_num_queries, url, ceiling
):
    with django_assert_max_num_queries(ceiling, info=url):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["page" if "search" not in url else "sections"]
