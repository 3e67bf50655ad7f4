"""The convergence page and a point's spread chart on a phone and a desktop: axe finds nothing, nothing cut off."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tracker import dataset

pytestmark = pytest.mark.browser

WIDTHS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 900}}
PAGES = {
    "convergence": "/convergence/?as_of=2025-12-31",
    "force cap": "/plans/us-framework-2025/28-point/6/#convergence",
}


def test_the_convergence_page_and_a_point_chart_pass_axe_and_fit_a_phone(site, page):
    dataset.load()
    axe = Axe()
    violations, too_wide, charts = {}, {}, {}
    for width_name, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        for name, url in PAGES.items():
            page.goto(site + url)
            found = axe.run(page).response["violations"]
            if found:
                violations[f"{name} at {width_name}"] = [f"{v['id']}: {v['nodes'][0]['target']}" for v in found]
            if page.evaluate("document.documentElement.scrollWidth") > viewport["width"]:
                too_wide[f"{name} at {width_name}"] = page.evaluate("document.documentElement.scrollWidth")
        chart = page.locator("svg.chart--spread")
        box = chart.bounding_box()
        charts[width_name] = (box["width"] <= viewport["width"], chart.locator("title").count() > 1)
    page.goto(site + PAGES["convergence"])
    assert page.locator("table.stack tbody tr").count() > 1
    assert violations == {}
    assert too_wide == {}
    assert charts == {"phone": (True, True), "desktop": (True, True)}
