"""A journalist on deadline, at a phone's width and a desktop's: what is new, plain words, the way around,
search by number, citing and embedding, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from tests.public_data import build_world

pytestmark = pytest.mark.browser

WIDTHS = [{"width": 375, "height": 812}, {"width": 1280, "height": 900}]


def test_a_reader_on_deadline_finds_what_is_new_a_number_a_citation_and_an_embed_at_both_widths(site, page):
    world = build_world(1)
    clause = world.clauses[0]
    for viewport in WIDTHS:
        page.set_viewport_size(viewport)

        # What is new is on the first screen, newest first, with when the data last changed.
        page.goto(site + "/")
        new = page.get_by_role("heading", name="What's new")
        expect(new).to_be_in_viewport()
        expect(page.locator(".whats-new")).to_contain_text("Data last updated")
        dates = page.locator(".whats-new .change time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
        assert dates == sorted(dates, reverse=True) and dates

        # The changes page takes the reader's date and offers the feed.
        page.goto(site + "/changes/")
        page.fill("input[name=since]", "2025-11-01")
        page.get_by_role("button", name="Show").click()
        expect(page).to_have_url(re.compile(r"since=2025-11-01"))
        expect(page.locator("h1")).to_have_text("What changed since 1 November 2025")
        expect(page.get_by_role("link", name="Follow what changed")).to_have_attribute("href", "/feeds/changes/")

        # Search a number as a reader writes it; the point with that term comes first.
        page.goto(site + "/")
        page.get_by_role("searchbox").fill("600k")
        page.get_by_role("searchbox").press("Enter")
        expect(page.locator("main h2").first).to_contain_text("Points of plans")
        page.locator("main .cards a", has_text="Term 1").first.click()

        # On the point: plain words for the gap, the way to the next point, a citation, the card.
        expect(page.locator("h1")).to_contain_text("Point 1: Term 1")
        expect(page.locator("#targets ~ section").first).to_contain_text("above the cap by")
        expect(page.locator(".cite-this")).to_contain_text("Permanent address")
        page.get_by_role("link", name=re.compile("^Next: 2. Term 2")).first.click()
        expect(page.locator("h1")).to_contain_text("Point 2: Term 2")
        page.get_by_role("link", name=re.compile("Previous: 1. Term 1")).first.click()
        expect(page).to_have_url(re.compile(re.escape(clause.get_absolute_url()) + "$"))

        # The card frames in another page, without the site's menus.
        page.set_content(f'<iframe src="{site}{clause.get_absolute_url()}card/" title="card" width="360" height="400">')
        card = page.frame_locator("iframe")
        expect(card.locator("h1")).to_contain_text("Point 1: Term 1")
        expect(card.locator(".site-header")).to_have_count(0)

        # The chart fits the screen, with its title inside.
        page.goto(site + world.indicator.get_absolute_url())
        chart = page.locator(".chart-wrap svg:visible")
        expect(chart).to_have_count(1)
        box = chart.bounding_box()
        assert box["width"] <= viewport["width"]
        expect(chart.locator("text").first).to_contain_text("Armed forces personnel over time")
