"""A reader's path through the site, in a real browser, following links where a reader would."""

import re

import pytest
from playwright.sync_api import expect

from tests.public_data import build_world

pytestmark = pytest.mark.browser


def test_a_reader_follows_a_clause_from_the_home_page_to_its_state_on_a_past_date(site, page):
    world = build_world(1)
    first, second = world.versions
    clause = world.clauses[0]

    page.goto(site + "/")
    expect(page.locator("h1")).to_be_visible()
    page.locator(f'main a[href="{first.get_absolute_url()}"]').first.click()
    expect(page).to_have_url(re.compile(re.escape(first.get_absolute_url()) + "$"))
    expect(page.locator("h1")).to_contain_text(first.name)

    # Filter the version's points by topic, as the filter form does without JavaScript.
    page.select_option("select[name=topic]", world.topic.slug)
    page.locator("form:has(select[name=topic]) button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"topic={world.topic.slug}"))
    page.locator(f'main a[href="{clause.get_absolute_url()}"]').first.click()
    expect(page.locator("h1")).to_contain_text(clause.heading)

    page.goto(f"{site}/plans/{world.plan.slug}/compare/?a={first.slug}&b={second.slug}")
    expect(page.locator("main")).to_contain_text("Reworded")

    page.goto(site + "/parties/")
    page.get_by_role("link", name=world.parties[0].name).click()
    expect(page.locator("h1")).to_have_text(world.parties[0].name)
    expect(page.get_by_role("table", name=re.compile("latest stance"))).to_be_visible()

    page.goto(site + "/indicators/")
    page.get_by_role("link", name=world.indicator.name).click()
    expect(page.get_by_role("img", name=re.compile(world.indicator.name))).to_be_visible()

    page.goto(site + clause.get_absolute_url() + "?as_of=2025-11-22")
    banner = page.get_by_role("status").filter(has_text="state of play")
    expect(banner).to_contain_text("22 November 2025")
    expect(page.locator("h1")).to_contain_text(clause.heading)
