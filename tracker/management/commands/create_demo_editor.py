import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from tracker.roles import ensure_editors_group


class Command(BaseCommand):
    help = "Create the local demo editor (staff, in the Editors group, not a superuser) if it does not exist."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="editor")

    def handle(self, *args, username, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(
                f"Demo editor '{username}' already exists; its password was printed when it was created. "
                f"Reset it with: manage.py changepassword {username}"
            )
            return
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(username=username, password=password, is_staff=True)
        user.groups.add(ensure_editors_group())
        self.stdout.write(
            "\n  Demo editor created for http://127.0.0.1:8000/admin/\n"
            f"    username: {username}\n"
            f"    password: {password}\n"
            "  (shown once: note it down)\n"
        )
