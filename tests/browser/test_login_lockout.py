"""An editor's login, guessed at in a real browser: after five wrong passwords the right one is refused too,
and the page says why and how to get unlocked."""

import pytest
from playwright.sync_api import expect

from tests.factories import EditorFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


def test_five_wrong_passwords_lock_the_login_and_the_page_says_so(page, site, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    EditorFactory(username="guessed")

    def log_in(password):
        page.goto(f"{site}/admin/login/")
        page.fill("#id_username", "guessed")
        page.fill("#id_password", password)
        page.get_by_role("button", name="Log in").click()

    for _ in range(4):
        log_in("wrong password")
        expect(page.locator(".errornote")).to_contain_text("enter the correct username and password")
    log_in("wrong password")
    log_in(PASSWORD)
    expect(page.locator("h1")).to_have_text("Too many failed logins")
    expect(page.get_by_role("alert")).to_contain_text("guessed")
    expect(page.get_by_role("alert")).to_contain_text("even with the right password")
    assert "/admin/login/" in page.url  # not let in
    page.goto(f"{site}/admin/")
    expect(page).to_have_url(f"{site}/admin/login/?next=/admin/")
