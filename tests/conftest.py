import pytest


def pytest_configure(config):
    from django.conf import settings

    # Hashed static names need collectstatic; tests serve plain files (replace the whole dict).
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Tests make many API requests from one address; the throttling test lowers this itself.
    settings.API_ANON_THROTTLE_RATE = "100000/minute"
    # The test client and the live server speak plain http, as the app servers do behind the proxy.
    settings.SECURE_SSL_REDIRECT = False
    # Most tests change data between requests without going through the admin; the page cache has tests of its own.
    settings.PAGE_CACHE_SECONDS = 0
    # Editors are made by the hundred; the production hasher spends half a second on each password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor(db):
    """A staff user in the Editors group, as the demo editor is."""
    from tests.factories import EditorFactory

    return EditorFactory()


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client
