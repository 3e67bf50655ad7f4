"""What a browser shows: accessibility (axe-core), a phone-width screen, and the keyboard."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.public_data import build_world, page_types

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}


def reader_pages(world):
    return page_types(world)


def test_axe_finds_no_serious_or_critical_violation_on_any_page_type(site, page):
    world = build_world(1)
    axe = Axe()
    found = {}
    for name, url in reader_pages(world).items():
        page.goto(site + url)
        violations = axe.run(page).response["violations"]
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
        if serious:
            found[name] = serious
    assert found == {}


def test_pages_fit_a_phone_screen_without_sideways_scrolling(site, page):
    world = build_world(1)
    page.set_viewport_size(PHONE)
    too_wide = {}
    for name, url in reader_pages(world).items():
        page.goto(site + url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[name] = width
    assert too_wide == {}


FOCUS_STYLE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {text: el.textContent.trim(), tag: el.tagName, outline: style.outlineStyle,
          width: parseFloat(style.outlineWidth), visible: box.width > 0 && box.height > 0 && box.left >= 0};
}"""


def test_tab_reaches_the_skip_link_and_the_main_sections_with_a_visible_focus(site, page):
    build_world(1)
    page.goto(site + "/parties/")
    # The live server serves the site's stylesheet (plain static storage in tests), so styles apply.
    header = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert header == "rgb(246, 248, 250)"
    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_STYLE)
        assert focus["visible"], focus
        assert focus["outline"] != "none" and focus["width"] >= 2, focus
        reached.append(focus["text"])
    assert reached[0] == "Skip to content"
    for section in ["Parties", "Indicators", "Sources", "Timeline"]:
        assert section in reached, reached
    # The skip link moves the keyboard to the page's content.
    page.goto(site + "/parties/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
