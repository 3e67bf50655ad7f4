"""What changed since a date the reader picks (a week by default), newest first, each with its source."""

import datetime

from django import forms
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.forms import AS_OF_MAX, AS_OF_MIN, cleaned, date_field
from tracker.selectors.changes import DEFAULT_DAYS, KIND_LABELS, changes, default_since, newest_date


class ChangesForm(forms.Form):
    since = date_field(
        label=_("Changes since"),
        widget=forms.DateInput(attrs={"type": "date", "min": AS_OF_MIN.isoformat(), "max": AS_OF_MAX.isoformat()}),
    )


def read_since(request, today):
    form = ChangesForm(request.GET)
    return cleaned(form)["since"] or default_since(today), form


def changes_page(request):
    today = timezone.localdate()
    since, form = read_since(request, today)
    found = changes(since)
    newest = None
    if not found.entries:
        newest = newest_date()
    context = {
        "form": form,
        "since": since,
        "is_default": not request.GET.get("since"),
        "default_days": DEFAULT_DAYS,
        "changes": found,
        "counts": [(KIND_LABELS[kind], count) for kind, count in found.counts.items() if count],
        "feed_url": reverse("tracker:feed-changes"),
        "newest": newest,
        "newest_week": newest - datetime.timedelta(days=DEFAULT_DAYS) if newest else None,
    }
    return render(request, "tracker/changes.html", context)
