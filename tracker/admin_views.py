"""The editors' leak-day tools, reached from a version's page in the admin, and the flag worklist.

Thin views: each reads a form, asks a service in ``tracker.services`` to do the writing (one
transaction each) and renders a template under ``templates/admin/tracker/planversion/``.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tracker.models import (
    ClauseLink,
    ClauseTextBasis,
    Grade,
    LinkRelation,
    PlanVersion,
    Source,
    TextBasis,
    VersionStatus,
)
from tracker.selectors.flags import consistency_flags, with_related, with_reviews
from tracker.services import flag_reviews as flag_review_service
from tracker.services import lineage as lineage_service
from tracker.services import paste as paste_service
from tracker.services import versions as version_service
from tracker.textdiff import word_diff


def require(request, *perms):
    """Refuse editors who lack any of these permissions (403), as the admin's own pages do."""
    if not request.user.has_perms([f"tracker.{perm}" for perm in perms]):
        raise PermissionDenied


def _context(model_admin, request, version, title, **extra):
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": version,
        "version": version,
        "title": title,
        "has_view_permission": True,
        **extra,
    }


def _change_url(version):
    return reverse("admin:tracker_planversion_change", args=[version.pk])


# 1. Paste a numbered text --------------------------------------------------------------------


class PasteForm(forms.Form):
    text = forms.CharField(
        label=_("The version's text"),
        widget=forms.Textarea(attrs={"rows": 20, "cols": 100}),
        max_length=200_000,
        help_text=_(
            "Paste the numbered points as published: each point starts a line with its number "
            "('1.', '12a.', '12a)'). A short first line without a full stop becomes the point's heading."
        ),
    )
    text_basis = forms.ChoiceField(
        label=_("How the points' wording is known"), choices=ClauseTextBasis.choices, required=True
    )


def paste_view(model_admin, request, object_id):
    require(request, "change_planversion", "add_clause", "change_clause")
    version = get_object_or_404(PlanVersion.objects.select_related("plan"), pk=object_id)
    initial_basis = paste_service.CLAUSE_BASIS_FOR_VERSION.get(version.text_basis, ClauseTextBasis.REPORTED)
    parsed = None
    if request.method == "POST":
        form = PasteForm(request.POST)
        if form.is_valid():
            parsed = paste_service.parse_points(form.cleaned_data["text"])
            if "confirm" in request.POST and parsed.ok:
                result = paste_service.import_points(
                    version, parsed, text_basis=form.cleaned_data["text_basis"], user=request.user
                )
                messages.success(
                    request,
                    gettext(
                        "Saved the pasted text: %(added)s point(s) added, %(updated)s updated, %(unchanged)s unchanged."
                    )
                    % {
                        "added": len(result.created),
                        "updated": len(result.updated),
                        "unchanged": len(result.unchanged),
                    },
                )
                return redirect(_change_url(version))
    else:
        form = PasteForm(initial={"text_basis": initial_basis})
    existing = set(version.clauses.values_list("number", flat=True))
    rows = [(point, point.number in existing) for point in parsed.points] if parsed else []
    return TemplateResponse(
        request,
        "admin/tracker/planversion/paste.html",
        _context(
            model_admin,
            request,
            version,
            gettext("Paste the text of %(version)s") % {"version": version.name},
            form=form,
            parsed=parsed,
            rows=rows,
            updating=sum(1 for _row, known in rows if known),
        ),
    )


# 2. Start a version from another ---------------------------------------------------------------


class StartVersionForm(forms.Form):
    name = forms.CharField(max_length=200, help_text=_("As the version is known, e.g. '20-point framework'."))
    slug = forms.SlugField(
        max_length=80, required=False, help_text=_("Used in the address. Left empty, it is made from the name.")
    )
    released_on = forms.DateField(help_text=_("When the text was published, leaked or presented (YYYY-MM-DD)."))
    status = forms.ChoiceField(choices=VersionStatus.choices, initial=VersionStatus.LEAKED)
    text_basis = forms.ChoiceField(choices=TextBasis.choices, initial=TextBasis.LEAKED_FULL)
    sources = forms.ModelMultipleChoiceField(
        queryset=Source.objects.all(),
        widget=AutocompleteSelectMultiple(PlanVersion._meta.get_field("sources"), admin.site),
        help_text=_("Where the text comes from."),
    )
    points = forms.ChoiceField(
        choices=[
            ("copy", "Copy its points (then edit what changed)"),
            ("copy_topics", "Copy its points with their topics"),
            ("none", "Start empty (then paste the new text)"),
        ],
        initial="none",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, earlier, **kwargs):
        super().__init__(*args, **kwargs)
        self.earlier = earlier

    def clean(self):
        data = super().clean()
        slug = data.get("slug") or slugify(data.get("name", ""))
        data["slug"] = slug
        if slug and PlanVersion.objects.filter(plan=self.earlier.plan, slug=slug).exists():
            self.add_error(
                "slug" if self.data.get("slug") else "name",
                gettext("This plan already has a version '%(slug)s'.") % {"slug": slug},
            )
        return data


def start_view(model_admin, request, object_id):
    require(request, "add_planversion", "add_clause", "add_clauselink")
    earlier = get_object_or_404(PlanVersion.objects.select_related("plan"), pk=object_id)
    form = StartVersionForm(request.POST or None, earlier=earlier)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            started = version_service.start_version_from(
                earlier,
                name=data["name"],
                slug=data["slug"],
                released_on=data["released_on"],
                status=data["status"],
                text_basis=data["text_basis"],
                sources=data["sources"],
                copy_points=data["points"] != "none",
                copy_topics=data["points"] == "copy_topics",
                user=request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            version = started.version
            if started.clauses:
                messages.success(
                    request,
                    gettext(
                        "Started %(version)s as a draft with %(count)s copied point(s), each linked "
                        "from %(earlier)s as 'unchanged': confirm or change the links below."
                    )
                    % {"version": version.name, "count": len(started.clauses), "earlier": earlier.name},
                )
                return redirect(reverse("admin:tracker_planversion_lineage", args=[version.pk, earlier.pk]))
            messages.success(
                request, gettext("Started %(version)s as a draft. Paste its text below.") % {"version": version.name}
            )
            return redirect(reverse("admin:tracker_planversion_paste", args=[version.pk]))
    return TemplateResponse(
        request,
        "admin/tracker/planversion/start.html",
        _context(
            model_admin,
            request,
            earlier,
            gettext("Start a new version from %(earlier)s") % {"earlier": earlier.name},
            form=form,
            media=model_admin.media + form.media,
        ),
    )


# 3. Lineage in bulk ----------------------------------------------------------------------------

LINK_RELATIONS = [
    (LinkRelation.UNCHANGED, LinkRelation.UNCHANGED.label),
    (LinkRelation.REWORDED, LinkRelation.REWORDED.label),
    (LinkRelation.AMENDED, LinkRelation.AMENDED.label),
]


class LineageForm(forms.Form):
    grade = forms.ChoiceField(
        choices=Grade.choices, initial=Grade.REPORTED, help_text=_("How firmly the new links are established.")
    )
    source = forms.ModelChoiceField(
        queryset=Source.objects.all(),
        required=False,
        widget=AutocompleteSelect(ClauseLink._meta.get_field("source"), admin.site),
        help_text=_("The source for the new links (optional)."),
    )

    def __init__(self, *args, rows, later_clauses, **kwargs):
        super().__init__(*args, **kwargs)
        targets = [("", "no link (fate left open)"), (lineage_service.REMOVED, "removed (reported)")] + [
            (str(c.pk), f"{c.number}. {c.heading}") for c in later_clauses
        ]
        self.rows = rows
        for row in rows:
            if row.locked:
                continue
            self.fields[f"to-{row.earlier.pk}"] = forms.ChoiceField(
                label=gettext("Point %(number)s becomes") % {"number": row.earlier.number},
                choices=targets,
                required=False,
                initial=row.choice,
            )
            self.fields[f"relation-{row.earlier.pk}"] = forms.ChoiceField(
                label=gettext("Point %(number)s: relation") % {"number": row.earlier.number},
                choices=LINK_RELATIONS,
                required=False,
                initial=row.relation if row.relation in LinkRelation.values else LinkRelation.AMENDED,
            )

    def choices(self):
        data = self.cleaned_data
        return {
            row.earlier.pk: (data[f"to-{row.earlier.pk}"] or None, data[f"relation-{row.earlier.pk}"])
            for row in self.rows
            if not row.locked
        }

    def bound_rows(self):
        """Each row with its two fields and the word-level difference to its proposed counterpart."""
        for row in self.rows:
            diff = None
            if row.later is not None:
                diff = word_diff(row.earlier.text or row.earlier.summary, row.later.text or row.later.summary)
            fields = (None, None) if row.locked else (self[f"to-{row.earlier.pk}"], self[f"relation-{row.earlier.pk}"])
            yield row, fields[0], fields[1], diff


def lineage_view(model_admin, request, object_id, earlier_id):
    require(request, "add_clauselink", "change_clauselink", "delete_clauselink")
    later = get_object_or_404(PlanVersion.objects.select_related("plan"), pk=object_id)
    earlier = get_object_or_404(PlanVersion.objects.select_related("plan"), pk=earlier_id, plan=later.plan)
    if earlier.pk == later.pk:
        raise PermissionDenied("A version has no lineage to itself.")
    rows = lineage_service.propose(earlier, later)
    later_clauses = list(later.clauses.order_by("sort_order", "pk"))
    form = LineageForm(request.POST or None, rows=rows, later_clauses=later_clauses)
    if request.method == "POST" and form.is_valid():
        try:
            saved = lineage_service.save_links(
                earlier,
                later,
                form.choices(),
                grade=form.cleaned_data["grade"],
                source=form.cleaned_data["source"],
                user=request.user,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                gettext(
                    "Saved the lineage from %(earlier)s to %(later)s: %(added)s link(s) added, "
                    "%(changed)s changed, %(removed)s removed."
                )
                % {
                    "earlier": earlier.name,
                    "later": later.name,
                    "added": saved.created,
                    "changed": saved.updated,
                    "removed": saved.deleted,
                },
            )
            return redirect(_change_url(later))
    linked = {row.later.pk for row in rows if row.later is not None}
    linked |= {link.to_clause_id for row in rows for link in row.existing}
    return TemplateResponse(
        request,
        "admin/tracker/planversion/lineage.html",
        _context(
            model_admin,
            request,
            later,
            f"Lineage from {earlier.name} to {later.name}",
            earlier=earlier,
            later=later,
            form=form,
            unmatched=[c for c in later_clauses if c.pk not in linked],
            other_versions=later.plan.versions.exclude(pk__in=[later.pk, earlier.pk]).order_by("released_on", "pk"),
            media=model_admin.media + form.media,
        ),
    )


# 4. Publish a version with everything in it ----------------------------------------------------


def publish_view(model_admin, request, object_id):
    require(request, "change_plan", "change_planversion", "change_clause", "change_position", "change_figure")
    version = get_object_or_404(PlanVersion.objects.select_related("plan"), pk=object_id)
    plan = version_service.publish_plan(version)
    if request.method == "POST":
        result = version_service.publish_version(
            version,
            position_ids=[int(pk) for pk in request.POST.getlist("position") if pk.isdigit()],
            figure_ids=[int(pk) for pk in request.POST.getlist("figure") if pk.isdigit()],
            user=request.user,
        )
        messages.success(
            request,
            gettext("Published %(version)s with everything in it (%(count)s item(s)).")
            % {"version": version.name, "count": result.count},
        )
        return redirect(_change_url(version))
    return TemplateResponse(
        request,
        "admin/tracker/planversion/publish.html",
        _context(model_admin, request, version, f"Publish {version.name} with everything in it", plan=plan),
    )


# 5. The flag worklist: every consistency flag and its review --------------------------------

FLAG_STATES = {
    "": _("Every flag"),
    "open": _("To review"),
    "again": _("Needs review again"),
    "reviewed": _("Reviewed"),
}
_STATE_ORDER = {"needs review again": 0, "not reviewed": 1, "reviewed": 2}


class FlagReviewForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=80)
    note = forms.CharField(
        label=_("Note for readers"),
        widget=forms.Textarea(attrs={"rows": 2, "cols": 70}),
        max_length=2000,
        help_text=_("Shown next to the flag as 'Reviewed by the editors: …'."),
    )


def _in_state(flag, state):
    return (
        not state
        or (state == "open" and flag.reviewed is None)
        or (state == "again" and flag.review_state == "needs review again")
        or (state == "reviewed" and flag.reviewed is not None)
    )


def flag_worklist_view(model_admin, request):
    """Every flag raised on the published figures, those needing review first; a note marks one reviewed."""
    require(request, "view_flagreview")
    flags = with_reviews(consistency_flags(related=False))
    if request.method == "POST":
        require(request, "add_flagreview", "change_flagreview")
        form = FlagReviewForm(request.POST)
        if form.is_valid():
            flag = next((flag for flag in flags if flag.key == form.cleaned_data["key"]), None)
            flag = with_related([flag])[0] if flag is not None else None
            if flag is None:
                messages.error(
                    request, gettext("That flag is no longer raised (its figures changed or were unpublished).")
                )
            else:
                flag_review_service.mark_reviewed(flag, form.cleaned_data["note"], request.user)
                messages.success(
                    request,
                    gettext("Marked reviewed: %(rule)s on %(figure)s.")
                    % {"rule": flag.rule_label, "figure": flag.figure},
                )
            return redirect(request.get_full_path())
        messages.error(request, gettext("Write a note for readers (at most 2,000 characters) to mark a flag reviewed."))
    state = request.GET.get("state", "")
    state = state if state in FLAG_STATES else ""
    shown = sorted((flag for flag in flags if _in_state(flag, state)), key=lambda f: _STATE_ORDER[f.review_state])
    page = Paginator(shown, 50).get_page(request.GET.get("page"))
    page.object_list = with_related(page.object_list)
    counts = {name: sum(1 for flag in flags if _in_state(flag, name)) for name in FLAG_STATES}
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "Flags to review",
        "page": page,
        "rows": [
            (flag, FlagReviewForm(initial={"key": flag.key, "note": flag.review.note if flag.review else ""}))
            for flag in page
        ],
        "states": [(name, label, counts[name]) for name, label in FLAG_STATES.items()],
        "state": state,
        "can_review": request.user.has_perms(["tracker.add_flagreview", "tracker.change_flagreview"]),
    }
    return TemplateResponse(request, "admin/tracker/flagreview/worklist.html", context)
