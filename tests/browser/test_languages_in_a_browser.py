"""The Ukrainian and Russian sites in a real browser, on a 375 px phone and a 1280 px desktop: the page says
its language, axe finds nothing, and nothing is wider than the screen."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.public_data import build_world

pytestmark = pytest.mark.browser

WIDTHS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 900}}
PLAN = "/plans/framework"
# A point's heading in each language, and a word of it a reader types into the search box.
HEADINGS = {
    "uk": "Збройні сили України: не більше 600 000 осіб у мирний час",
    "ru": "Вооружённые силы Украины: не более 600 000 человек в мирное время",
}
SEARCHES = {"uk": "збройні", "ru": "вооружённые"}


def page_types(language):
    prefix = f"/{language}"
    return {
        "home": f"{prefix}/",
        "version": f"{prefix}{PLAN}/28-point/",
        "point": f"{prefix}{PLAN}/28-point/1/",
        "convergence": f"{prefix}/convergence/",
        "search": f"{prefix}/search/?q={SEARCHES[language]}",
    }


def test_the_ukrainian_and_russian_pages_say_their_language_pass_axe_and_fit_the_screen(site, browser):
    # A small world (the shipped dataset's pages are checked in English by test_reading_on_a_phone): the
    # interface is what changes with the language, and a point carries a heading in each.
    clause = build_world(1).clauses[0]
    clause.heading_uk, clause.heading_ru = HEADINGS["uk"], HEADINGS["ru"]
    clause.save()
    axe = Axe()
    wrong_language, violations, too_wide, searched, headings, found_point = {}, {}, {}, {}, {}, {}
    for width_name, viewport in WIDTHS.items():
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        for language in SEARCHES:
            for name, url in page_types(language).items():
                where = f"{name} in {language} at {width_name}"
                response = page.goto(site + url)
                assert response.status == 200, where
                lang = page.evaluate("document.documentElement.lang")
                if lang != language:
                    wrong_language[where] = lang
                found = axe.run(page).response["violations"]
                if found:
                    violations[where] = [
                        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in found
                    ]
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > viewport["width"]:
                    too_wide[where] = width
                if name == "search":
                    searched[where] = page.locator("input[name=q]").first.input_value()
                    point = f"/{language}{clause.get_absolute_url()}"
                    found_point[where] = page.locator(f'main a[href="{point}"]').count() > 0
                if name == "point":
                    headings[where] = page.locator("h1").inner_text()
        context.close()
    assert wrong_language == {}
    assert violations == {}
    assert too_wide == {}
    assert searched == {
        f"search in {language} at {width}": word for width in WIDTHS for language, word in SEARCHES.items()
    }, "the Cyrillic query comes back intact in the search box"
    assert all(found_point.values()) and len(found_point) == 4, found_point
    for where, heading in headings.items():
        assert HEADINGS[where.split(" in ")[1][:2]] in heading, where
