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


@pytest.fixture
def editor(db):
    """A staff user in the Editors group, as the demo editor is."""
    from tests.factories import EditorFactory

    return EditorFactory()


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client
