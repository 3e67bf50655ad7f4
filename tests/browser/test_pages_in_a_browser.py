"""What a browser shows: the keyboard reaches every section with a visible focus.

Accessibility (axe-core) and the phone's width are checked on every page type of the shipped
dataset in test_reading_on_a_phone.py.
"""

import pytest

from tests.public_data import build_world

pytestmark = pytest.mark.browser

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
