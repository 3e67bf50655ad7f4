"""Guessing an editor's password: a few wrong ones lock that user name at that address (django-axes)."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.factories import EditorFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # the factory's
LOGIN = reverse("admin:login")


@pytest.fixture(autouse=True)
def throttle_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5


def attempt(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, **extra)


def logged_in(client):
    return SESSION_KEY in client.session


def test_wrong_passwords_lock_the_user_out_even_with_the_right_one_and_say_so():
    editor = EditorFactory()
    client = Client()
    for _ in range(4):
        assert attempt(client, editor.username, "wrong").status_code == 200  # the login form again
    locked = attempt(client, editor.username, "wrong")
    assert locked.status_code == 429
    right = attempt(client, editor.username, PASSWORD)
    assert right.status_code == 429
    assert not logged_in(client)
    text = right.content.decode()
    assert "Too many failed logins" in text and editor.username in text
    assert "axes_reset_username" in text  # how to unlock


def test_the_lock_holds_one_user_name_at_one_address():
    editor, colleague = EditorFactory(), EditorFactory()
    for _ in range(5):
        attempt(Client(), editor.username, "wrong", REMOTE_ADDR="203.0.113.7")
    # A forged X-Forwarded-For does not move the attacker to another address.
    assert (
        attempt(
            Client(), editor.username, PASSWORD, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1"
        ).status_code
        == 429
    )
    # The colleague at that address, and the editor from their own desk, still log in.
    colleague_client, own_desk = Client(), Client()
    assert attempt(colleague_client, colleague.username, PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 302
    assert attempt(own_desk, editor.username, PASSWORD, REMOTE_ADDR="192.0.2.10").status_code == 302
    assert logged_in(colleague_client) and logged_in(own_desk)


def test_an_administrator_unlocks_a_user_with_axes_reset_username(capsys):
    editor = EditorFactory()
    for _ in range(5):
        attempt(Client(), editor.username, "wrong")
    assert attempt(Client(), editor.username, PASSWORD).status_code == 429
    call_command("axes_reset_username", editor.username)
    client = Client()
    assert attempt(client, editor.username, PASSWORD).status_code == 302
    assert logged_in(client)


def test_the_admin_lists_the_failed_attempts_for_an_administrator_to_delete(client):
    from django.contrib.auth import get_user_model

    editor = EditorFactory()
    for _ in range(2):
        attempt(Client(), editor.username, "wrong")
    admin_user = get_user_model().objects.create_superuser("root", password="a long admin password")
    client.force_login(admin_user)
    page = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert page.status_code == 200
    assert editor.username in page.content.decode()
