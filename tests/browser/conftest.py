"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server."""

import os

import pytest

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Playwright's own browser builds cannot be downloaded here; Debian's Chromium stands in.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session", autouse=True)
def allow_django_beside_playwrights_event_loop(django_db_setup):
    """Let the ORM run while Playwright's sync API keeps an event loop in the test thread.

    Django refuses database calls when a loop is running; here the tests only build data and
    pytest-django flushes it, while the live server answers requests in its own thread. The
    test database is created first, before the browser starts.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def site(transactional_db, live_server):
    """The live server's address, over a database the test fills and pytest-django flushes after."""
    return live_server.url
