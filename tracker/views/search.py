"""The search page: the reader's query, checked, and the matches from ``tracker.selectors.search``.

Search across points, positions and their quotes, figures, indicators, sources and events.

Each word must appear (in any of a kind's fields); only published content is searched.
Without a kind, each kind shows its first few matches and a count; with one, its matches
are paginated.
"""

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from tracker.selectors import search as selectors
from tracker.views.common import csv_download, paginate, wants_csv


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search for"),
        required=False,
        max_length=selectors.MAX_QUERY_LENGTH,
        error_messages={"max_length": _("Search for at most %(limit_value)s characters.")},
    )
    kind = forms.ChoiceField(
        label=_("In"),
        required=False,
        choices=[("", _("Everything"))] + [(kind.slug, kind.label) for kind in selectors.KINDS],
        error_messages={"invalid_choice": _("Choose one of the listed kinds of content.")},
    )


def search(request):
    form = SearchForm(request.GET)
    context = {"form": form, "kinds": selectors.KINDS}
    if not form.is_valid():
        return render(request, "tracker/search.html", context, status=400)
    words = selectors.split_words(form.cleaned_data["q"])
    context["query"] = " ".join(words)
    if not words:
        context["message"] = _("Type one or more words to search the points, positions, figures, sources and events.")
        return render(request, "tracker/search.html", context)
    kind = selectors.KINDS_BY_SLUG.get(form.cleaned_data["kind"])
    if kind:
        if wants_csv(request):
            return csv_download(f"search-{kind.slug}", kind.matching(words), kind.columns)
        context["kind"] = kind
        context["page"] = paginate(request, kind.matching(words))
    else:
        sections = selectors.previews(words)
        context["sections"] = sections
        context["total"] = sum(section["count"] for section in sections)
        if not context["total"]:
            context["suggestion"] = selectors.did_you_mean(words)
    return render(request, "tracker/search.html", context)
