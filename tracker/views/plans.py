"""Plans, their versions and clauses, and comparisons between versions."""

from django.shortcuts import render

from tracker.models import PlanVersion

from .common import as_of_context, read_as_of


def home(request):
    as_of = read_as_of(request)
    versions = PlanVersion.objects.published().select_related("plan").order_by("plan__title", "released_on", "pk")
    if as_of:
        versions = versions.filter(released_on__lte=as_of)
    return render(request, "tracker/home.html", {"versions": versions, **as_of_context(as_of)})
