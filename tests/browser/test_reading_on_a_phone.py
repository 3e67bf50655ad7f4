"""Every page type of the shipped dataset, at a phone's width and a desktop's: axe finds nothing, nothing is cut off."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tracker import dataset
from tracker.models import Actor, Source

pytestmark = pytest.mark.browser

WIDTHS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 900}}
PLAN = "/plans/us-framework-2025"


def shipped_page_types():
    actor = Actor.objects.filter(party__slug="russia").order_by("pk").first()
    source = Source.objects.filter(positions__isnull=False).order_by("pk").first()
    return {
        "home": "/",
        "plan list": "/plans/",
        "plan": f"{PLAN}/",
        "version": f"{PLAN}/28-point/",
        "point": f"{PLAN}/28-point/6/",
        "point as of a date": f"{PLAN}/19-point/force-size/?as_of=2025-11-25",
        "compare": f"{PLAN}/compare/?a=28-point&b=19-point",
        "party list": "/parties/",
        "party": "/parties/russia/",
        "actor": actor.get_absolute_url(),
        "indicator list": "/indicators/",
        "indicator": "/indicators/ua-armed-forces-personnel/",
        "source list": "/sources/",
        "source": source.get_absolute_url(),
        "timeline": "/timeline/?party=ukraine",
        "what changed": "/changes/?since=2025-11-20",
        "how the tracker works": "/methods/",
        "point card": f"{PLAN}/28-point/6/card/",
        "open data": "/data/",
        "search": "/search/?q=600000",
        "bad filter": "/sources/?reliability=nonsense",
        "not found": "/parties/no-such-party/",
    }


def test_every_page_type_of_the_shipped_dataset_has_no_axe_violation_and_fits_a_phone(site, page):
    dataset.load()
    pages = shipped_page_types()
    axe = Axe()
    violations, too_wide = {}, {}
    for width_name, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        for name, url in pages.items():
            page.goto(site + url)
            found = axe.run(page).response["violations"]
            if found:
                violations[f"{name} at {width_name}"] = [
                    f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in found
                ]
            if width_name == "phone":
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > viewport["width"]:
                    too_wide[name] = width
    assert violations == {}
    assert too_wide == {}
