"""The Editors group: staff users in it may curate every tracker model, and nothing else."""

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

EDITORS_GROUP = "Editors"


def editor_permissions():
    """Every permission on the tracker's models, their history included."""
    return Permission.objects.filter(content_type__app_label="tracker")


def ensure_editors_group(**signal_kwargs):
    """Create or refresh the Editors group; safe to run any number of times (also a post_migrate receiver)."""
    # Permissions are normally created by another post_migrate receiver; make sure they exist now.
    create_permissions(apps.get_app_config("tracker"), verbosity=0)
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    group.permissions.set(editor_permissions())
    return group
