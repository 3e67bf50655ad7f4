"""The editors' back office as a whole: its index groups the tracker's models by task."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

# The index's groups, in the order editors work: the model names of each (lower case).
TASKS = [
    ("Plans and points", "plans-and-points", ["plan", "planversion", "clause", "clauselink", "topic", "versionclaim"]),
    ("Evidence", "evidence", ["indicator", "figure", "clausetarget", "flagreview"]),
    ("Positions", "positions", ["position", "party", "actor"]),
    ("Sources and events", "sources-and-events", ["source", "event"]),
]


class TrackerAdminSite(admin.AdminSite):
    site_header = "Peace-plan tracker: editors"
    site_title = "Peace-plan tracker"
    index_title = "Curate plans, evidence and positions"
    index_template = "admin/tracker_index.html"

    def get_app_list(self, request, app_label=None):
        """On the index, the tracker's models in groups by task; elsewhere, as Django lists them."""
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        grouped = []
        for app in apps:
            if app["app_label"] != "tracker":
                grouped.append(app)
                continue
            by_name = {model["object_name"].lower(): model for model in app["models"]}
            for title, slug, names in TASKS:
                models = [by_name.pop(name) for name in names if name in by_name]
                if models:
                    grouped.append({**app, "name": title, "task": slug, "models": models})
            if by_name:  # a model added later and not yet given a task
                grouped.append({**app, "name": "Other", "task": "other", "models": list(by_name.values())})
        return grouped


class TrackerAdminConfig(AdminConfig):
    """Django's admin app with the tracker's site as ``admin.site`` (listed in INSTALLED_APPS)."""

    default_site = "tracker.admin_site.TrackerAdminSite"
