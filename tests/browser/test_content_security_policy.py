"""Under the Content-Security-Policy the pages still work in a real browser: nothing they need is blocked."""

import pytest
from playwright.sync_api import expect

from tests.factories import EditorFactory
from tests.worlds import make_world

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


def test_public_pages_the_admin_and_the_api_documentation_run_without_a_policy_violation(page, site):
    make_world(1)
    EditorFactory(username="csp-editor")
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    page.on("pageerror", lambda error: violations.append(str(error)))

    for path in ["/", "/plans/us-framework/28-point/", "/plans/us-framework/28-point/1/", "/indicators/ua-forces/"]:
        page.goto(site + path)
        expect(page.locator("main h1")).to_be_visible()

    page.goto(f"{site}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Peace-plan clause tracker API")
    expect(page.locator(".opblock").first).to_be_visible()

    page.goto(f"{site}/admin/login/")
    page.fill("#id_username", "csp-editor")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{site}/admin/tracker/figure/add/")
    expect(page.locator("#id_reported_on")).to_be_visible()
    # The admin's own scripts ran: the date field got its calendar shortcut.
    expect(page.locator(".datetimeshortcuts").first).to_be_visible()

    assert violations == []
