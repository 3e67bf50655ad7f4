"""An indicator's chart as a file to download or embed, with its source line and licence inside."""

import datetime
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def test_the_chart_downloads_as_standalone_svg_with_its_source_line_and_no_draft(client):
    indicator = f.IndicatorFactory(name="Armed forces personnel", unit="personnel")
    f.FigureFactory(
        indicator=indicator, source=f.SourceFactory(publisher="Axios", published_on=datetime.date(2025, 11, 20))
    )
    f.FigureFactory(indicator=indicator, value=Decimal("123456"), is_published=False)
    response = client.get(f"/indicators/{indicator.slug}/chart.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = ET.fromstring(response.content)
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert texts[0] == "Armed forces personnel over time (personnel)"
    assert "Axios, 20 Nov 2025" in texts
    credit = " ".join(t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "credit")
    assert f"http://testserver/indicators/{indicator.slug}/" in credit and "CC BY 4.0" in credit
    assert "123,456" not in response.content.decode()


def test_an_indicator_without_figures_has_no_chart_to_download(client):
    indicator = f.IndicatorFactory()
    assert client.get(f"/indicators/{indicator.slug}/chart.svg").status_code == 404
    assert client.get("/indicators/nothing-here/chart.svg").status_code == 404


def test_the_indicator_page_offers_the_download_and_an_embed_snippet_naming_source_and_licence(client):
    indicator = f.IndicatorFactory()
    f.FigureFactory(indicator=indicator)
    html = client.get(indicator.get_absolute_url()).content.decode()
    chart_url = f"http://testserver/indicators/{indicator.slug}/chart.svg"
    assert f'<a href="{chart_url}" download=' in html
    snippet = html.split('<textarea id="embed-chart"')[1].split("</textarea>")[0]
    assert f"&lt;img src=&quot;{chart_url}&quot;" in snippet
    assert "CC BY 4.0" in snippet and "Peace-plan tracker" in snippet
    # Both charts, the desktop's and the phone's, are in the page; CSS shows the one that fits.
    assert html.count('role="img"') == 2
