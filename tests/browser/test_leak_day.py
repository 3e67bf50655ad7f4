"""Leak day, in a real browser: a new 20-point version entered, linked to the 28-point draft and published.

The editor logs in, starts the new version from the 28-point draft, pastes its text (through the
clipboard, as a person would), confirms the points, saves their lineage on one page, records two
parties' positions and publishes the version with everything in it. The test counts the form
submits and the time it took; meanwhile an anonymous reader checks the version after every step
and sees either nothing of it or all of it.
"""

import datetime
import random
import re
import time

import pytest
from playwright.sync_api import expect

from tests.factories import ClauseFactory, EditorFactory, PartyFactory, PlanFactory, PlanVersionFactory, SourceFactory
from tracker.models import ClauseLink, Position

pytestmark = pytest.mark.browser

MAX_SUBMITS = 8
PASSWORD = "correct horse battery staple"

_WORDS = (
    "sovereignty border ceasefire monitoring guarantees sanctions assets reconstruction fund elections amnesty "
    "prisoners exchange humanitarian corridor nuclear plant energy grain shipping Black Sea Dnipro Zaporizhzhia "
    "Donbas referendum NATO membership troops deployment Europe aircraft Poland security council dialogue "
    "language minorities church education investment development reparations tribunal justice families "
    "children return refugees reintegration economy trade tariffs G8 summit oversight board chaired peace "
    "implementation timeline phases withdrawal demilitarised zone buffer police infrastructure ports bridges "
    "recognition de facto lines frozen contact Kherson Crimea territory armed forces personnel limit cap "
    "agreement binding violation penalty snapback arbitration committee observers mission mandate years"
).split()


def _text(n):
    words = random.Random(n).sample(_WORDS, 14)
    return " ".join(words).capitalize() + "."


def _draft_28():
    """A published 28-point draft with every point's verbatim text."""
    plan = PlanFactory(slug="us-framework", title="US framework")
    version = PlanVersionFactory(
        plan=plan, slug="28-point", name="28-point draft", released_on=datetime.date(2025, 11, 20)
    )
    for n in range(1, 29):
        ClauseFactory(version=version, number=str(n), sort_order=n, heading=f"Old point {n}", text=_text(n))
    return version


# The points of the draft the 20-point text carries, in its order.
KEPT = [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18, 20, 21]


def _twenty_point_text():
    """Points 1-18 carry points of the draft (some reworded), points 19 and 20 are new."""
    lines = ["The 20-point framework, as published (unofficial translation)", ""]
    for new_number, old_number in enumerate(KEPT, start=1):
        text = _text(old_number)
        if new_number % 4 == 0:
            text = text[:-1] + " within one hundred days."
        lines += [f"{new_number}. Point {new_number}", text, ""]
    lines += ["19. A new joint commission", "A joint commission reviews progress every quarter.", ""]
    lines += ["20. Entry into force", "The framework enters into force once signed by all parties.", ""]
    return "\n".join(lines)


def _pick(page, field_id, search, option):
    """Choose in one of the admin's autocomplete (select2) widgets, as an editor types and clicks."""
    page.locator(f"#{field_id} + .select2").click()
    page.locator(".select2-container--open .select2-search__field").fill(search)
    page.locator(".select2-results__option", has_text=option).first.click()


def test_an_editor_enters_links_and_publishes_a_20_point_version_in_at_most_8_submits(site, browser):
    draft = _draft_28()
    SourceFactory(key="S200", title="The 20-point framework text", published_on=datetime.date(2025, 11, 30))
    parties = [PartyFactory(name="Ukraine", short_name="UA"), PartyFactory(name="Russia", short_name="RU")]
    editor = EditorFactory(username="leakday")
    editor.set_password(PASSWORD)
    editor.save()

    editor_context = browser.new_context()
    editor_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    page = editor_context.new_page()
    submits = []
    page.on(
        "request", lambda r: submits.append(r.url) if r.method == "POST" and r.resource_type == "document" else None
    )
    reader = browser.new_context().new_page()
    version_url = f"{site}/plans/us-framework/20-point-framework/"

    def reader_sees():
        """How many points an anonymous reader sees of the new version: none, or every one."""
        response = reader.goto(version_url)
        if response.status == 404:
            return 0
        assert response.status == 200
        shown = reader.locator("ol.clause-list > li").count()
        assert shown == 20, f"a reader saw {shown} of 20 points"
        return shown

    started = time.monotonic()
    page.goto(f"{site}/admin/login/?next=/admin/tracker/planversion/{draft.pk}/change/")
    page.fill("#id_username", "leakday")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # Start the new version from the 28-point draft.
    page.get_by_role("link", name="Start a new version from this one").click()
    page.fill("#id_name", "20-point framework")
    page.fill("#id_released_on", "2025-11-30")
    page.select_option("#id_status", "revised")
    _pick(page, "id_sources", "S200", "The 20-point framework text")
    page.get_by_label("Start empty (then paste the new text)").check()
    page.get_by_role("button", name="Start the new version").click()
    expect(page.locator("h1")).to_contain_text("Paste the text of 20-point framework")
    assert reader_sees() == 0

    # Paste the text through the clipboard, check what was read, save it.
    page.evaluate("text => navigator.clipboard.writeText(text)", _twenty_point_text())
    page.locator("#id_text").focus()
    page.keyboard.press("ControlOrMeta+V")
    page.get_by_role("button", name="Check the text").click()
    expect(page.locator("#content-main h2").first).to_contain_text("20 points read from the text")
    expect(page.locator("#paste-notes")).to_contain_text("before the first numbered point")
    page.get_by_role("button", name="Save 20 points").click()
    expect(page.locator(".messagelist")).to_contain_text("20 point(s) added")
    assert reader_sees() == 0

    # Lineage: confirm the proposals, mark the points the new text no longer has as removed.
    page.get_by_role("link", name="Lineage from 28-point draft").click()
    rows = page.locator("#lineage-rows tbody tr")
    expect(rows).to_have_count(28)
    for dropped in ["6", "14", "19", "22", "23", "24", "25", "26", "27", "28"]:
        page.locator(f"#row-{dropped} select[name^=to-]").select_option("removed")
    page.select_option("#id_grade", "reported")
    _pick(page, "id_source", "S200", "The 20-point framework text")
    page.get_by_role("button", name="Save the lineage").click()
    expect(page.locator(".messagelist")).to_contain_text("28 link(s) added")
    assert reader_sees() == 0

    # Two parties' positions on the new point 1, the first saved with "Save and add another".
    page.goto(f"{site}/admin/tracker/position/add/")
    for party, stance, save in [(parties[0], "conditional", "Save and add another"), (parties[1], "rejects", "Save")]:
        _pick(page, "id_party", party.name, party.name)
        _pick(page, "id_clause", "20-point framework", "20-point framework point 1:")
        page.select_option("#id_stance", stance)
        page.fill("#id_stated_on", "2025-11-30")
        _pick(page, "id_source", "S200", "The 20-point framework text")
        page.get_by_role("button", name=save, exact=True).click()
        expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert reader_sees() == 0

    # Preview the version on the site as readers will see it, drafts marked.
    page.goto(f"{site}/admin/tracker/planversion/")
    page.get_by_role("link", name="20-point framework").click()
    page.get_by_role("link", name="Preview on the site").click()
    expect(page.get_by_role("status").filter(has_text="Preview with drafts included")).to_be_visible()
    expect(page.locator("ol.clause-list > li")).to_have_count(20)
    expect(page.locator("h1 .draft-badge")).to_have_text("draft")
    page.get_by_role("link", name="Leave the preview").click()
    expect(page.locator("h1")).not_to_contain_text("20-point framework")

    # Publish the version with everything in it.
    page.goto(f"{site}/admin/tracker/planversion/")
    page.get_by_role("link", name="20-point framework").click()
    page.get_by_role("link", name="Publish with everything in it").click()
    expect(page.locator("#publish-summary")).to_contain_text("20 drafts will be published")
    expect(page.locator("#publish-positions li")).to_have_count(2)
    page.get_by_role("button", name=re.compile("Publish 20-point framework")).click()
    expect(page.locator(".messagelist")).to_contain_text("Published 20-point framework with everything in it")
    minutes = (time.monotonic() - started) / 60

    assert reader_sees() == 20
    expect(reader.locator("main")).to_contain_text("A joint commission")
    assert Position.objects.published().count() == 2
    links = ClauseLink.objects.published().filter(to_version__slug="20-point-framework")
    carried = {(int(link.from_clause.number), int(link.to_clause.number)) for link in links if link.to_clause}
    assert carried == {(old, new) for new, old in enumerate(KEPT, start=1)}, "every proposal was right"
    assert sum(1 for link in links if link.is_removal) == 10
    print(f"\nleak-day entry: {len(submits)} form submits, {minutes:.2f} minutes (automated)")
    assert len(submits) <= MAX_SUBMITS, submits
