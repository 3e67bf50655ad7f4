"""Public pages for readers."""

from django.shortcuts import render

from tracker.models import PlanVersion


def home(request):
    versions = PlanVersion.objects.published().select_related("plan").order_by("plan__title", "released_on", "pk")
    return render(request, "tracker/home.html", {"versions": versions})
