"""The editors' back office."""

import re

from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline
from simple_history.admin import SimpleHistoryAdmin
from simple_history.utils import get_m2m_reverse_field_name

from tracker import admin_views
from tracker.history import write_history_row
from tracker.models import (
    Actor,
    Clause,
    ClauseLink,
    ClauseTarget,
    Event,
    Figure,
    FlagReview,
    Indicator,
    Party,
    Plan,
    PlanVersion,
    Position,
    Source,
    Topic,
    VersionClaim,
)

POINT_NUMBER = re.compile(r"\d{1,3}[a-z]?", re.I)


def _set_published(modeladmin, request, queryset, value):
    """Change publication and write a history row per object, with the editor's name.

    Objects are saved one by one (not in bulk) so each history row records the object's topics
    and sources as they are, rather than as emptied.
    """
    now = timezone.now()
    objs = list(queryset)
    with transaction.atomic():
        for obj in objs:
            obj.is_published = value
            obj.updated_at = now
            obj.edit_version += 1  # a form opened before this is now stale
            obj._change_reason = "Published" if value else "Returned to draft"
            obj._history_user = request.user
            obj.save(update_fields=["is_published", "updated_at", "edit_version"])
    return len(objs)


@admin.action(description=_("Publish the selected items (readers will see them)"))
def publish(modeladmin, request, queryset):
    count = _set_published(modeladmin, request, queryset, True)
    modeladmin.message_user(request, gettext("Published %(count)s item(s).") % {"count": count}, messages.SUCCESS)


@admin.action(description=_("Unpublish the selected items (back to draft)"))
def unpublish(modeladmin, request, queryset):
    count = _set_published(modeladmin, request, queryset, False)
    modeladmin.message_user(
        request, gettext("Returned %(count)s item(s) to draft.") % {"count": count}, messages.SUCCESS
    )


class RevertsManyToMany:
    """Reverting from the history restores the many-to-many fields (topics, sources...) too.

    simple-history's revert form starts from the old row's own fields; its many-to-many fields
    would show, and save back, their current values. Here they start from the values recorded
    with that history row, so saving the revert form restores them.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        request.reverting_to = version_id
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        version_id = getattr(request, "reverting_to", None)
        if version_id is None or request.method != "GET":
            return form_class
        record = self.model.history.filter(history_id=version_id).first()
        if record is None:
            return form_class
        initial = {}
        for field in getattr(record, "_history_m2m_fields", []):
            if field.name in form_class.base_fields:
                target = get_m2m_reverse_field_name(field)
                initial[field.name] = [getattr(row, f"{target}_id") for row in getattr(record, field.name).all()]

        # Reverting is a new save on top of the latest one, not a stale edit.
        initial["edit_version_seen"] = (
            self.model._default_manager.filter(pk=record.instance.pk).values_list("edit_version", flat=True).first()
        )

        class RevertForm(form_class):
            def __init__(self, *args, **kwargs):
                kwargs["initial"] = {**initial, **(kwargs.get("initial") or {})}
                super().__init__(*args, **kwargs)

        return RevertForm


class OneHistoryRowPerSave:
    """One admin save, one history row, holding the fields and the topics and sources as saved
    (see ``tracker.history.save_with_relations``): the object and its relations are saved without
    history, then the single row is written."""

    def _one_row(self, request):
        tracked = getattr(self.model.history.model, "_history_m2m_fields", None)
        return bool(tracked) and getattr(request, "reverting_to", None) is None

    def save_model(self, request, obj, form, change):
        if self._one_row(request):
            obj.skip_history_when_saving = True
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        obj = form.instance
        if not hasattr(obj, "skip_history_when_saving"):
            return super().save_related(request, form, formsets, change)
        try:
            super().save_related(request, form, formsets, change)
        finally:
            del obj.skip_history_when_saving
        write_history_row(obj, created=not change)


class KeepOnAddAnother:
    """After "Save and add another", the new form starts with these fields of the object just saved."""

    kept_on_add_another = ()

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        if "_addanother" in request.POST and self.kept_on_add_another:
            kept = {}
            for name in self.kept_on_add_another:
                value = self.kept_value(obj, name)
                if value not in (None, ""):
                    kept[name] = value
            location = response["Location"]
            response["Location"] = location + ("&" if "?" in location else "?") + urlencode(kept)
        return response

    def kept_value(self, obj, name):
        field = obj._meta.get_field(name)
        if field.many_to_many:
            return ",".join(str(pk) for pk in getattr(obj, name).values_list("pk", flat=True))
        value = getattr(obj, field.attname)
        return value.isoformat() if hasattr(value, "isoformat") else value


class StaleEdit(Exception):
    """The object was saved by someone else after this form was opened."""


def stale_edit_message(obj):
    latest = obj.history.select_related("history_user").first()
    who = ""
    if latest is not None:
        name = latest.history_user.get_username() if latest.history_user else gettext("someone")
        who = f" ({name}, {timezone.localtime(latest.history_date):%d %b %Y %H:%M})"
    return gettext(
        "Someone else saved this %(kind)s after you opened it%(who)s. Your changes were not "
        "saved, so theirs are not overwritten: open the page again to see their version, then make your changes."
    ) % {"kind": obj._meta.verbose_name, "who": who}


class EditVersionForm(forms.ModelForm):
    """Carries the object's save count from the moment the form was opened, to refuse a stale save."""

    # Not named like the model field: the admin refuses a form field for a non-editable model field.
    edit_version_seen = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["edit_version_seen"].initial = self.instance.edit_version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None and not self.instance._state.adding:
            current = (
                type(self.instance)
                ._default_manager.filter(pk=self.instance.pk)
                .values_list("edit_version", flat=True)
                .first()
            )
            if current is not None and cleaned.get("edit_version_seen") != current:
                raise forms.ValidationError(stale_edit_message(self.instance), code="stale")
        return cleaned


class StaleEditProtection:
    """Two editors saving one object: the second save is refused, with a message, instead of
    silently overwriting the first. The form's save count is checked in the form (a clear error,
    the editor's input kept), and claimed with a conditional UPDATE when saving, so two saves
    racing each other cannot both pass (the admin wraps the view in one transaction)."""

    form = EditVersionForm

    def save_model(self, request, obj, form, change):
        if change and form.cleaned_data.get("edit_version_seen") is not None:
            expected = form.cleaned_data["edit_version_seen"]
            claimed = (
                type(obj)
                ._default_manager.filter(pk=obj.pk, edit_version=expected)
                .update(edit_version=models.F("edit_version") + 1)
            )
            if not claimed:
                raise StaleEdit(stale_edit_message(obj))
            obj.edit_version = expected + 1
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleEdit as error:
            # Lost the race between the form's check and the save: nothing of this request was saved.
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        try:
            return super().history_form_view(request, object_id, version_id, extra_context)
        except StaleEdit as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.path)


class PublishableAdmin(
    StaleEditProtection, RevertsManyToMany, OneHistoryRowPerSave, KeepOnAddAnother, SimpleHistoryAdmin
):
    actions = [publish, unpublish]

    def get_fields(self, request, obj=None):
        # Publishing is the last decision on a form, so the box comes last.
        fields = [name for name in super().get_fields(request, obj) if name != "is_published"]
        return [*fields, "is_published"]


@admin.register(Topic)
class TopicAdmin(TranslationAdmin, SimpleHistoryAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name_en", "name_uk", "name_ru", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ["key", "title", "publisher", "published_on", "date_is_approximate", "reliability"]
    list_filter = ["reliability", "date_is_approximate"]
    search_fields = ["key", "title", "publisher", "url"]
    date_hierarchy = "published_on"
    # A URL typed without a scheme is taken as https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class ActorInline(TranslationTabularInline):
    model = Actor
    extra = 0
    show_change_link = True
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Party)
class PartyAdmin(TranslationAdmin, SimpleHistoryAdmin):
    list_display = ["name", "short_name", "kind", "display_order"]
    list_filter = ["kind"]
    search_fields = ["name_en", "name_uk", "name_ru", "short_name_en"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ActorInline]


@admin.register(Actor)
class ActorAdmin(TranslationAdmin, SimpleHistoryAdmin):
    list_display = ["name", "party", "role"]
    list_filter = ["party"]
    list_select_related = ["party"]
    search_fields = ["name_en", "name_uk", "name_ru", "role_en", "party__name_en"]
    autocomplete_fields = ["party"]
    prepopulated_fields = {"slug": ["name"]}


class VersionInline(admin.TabularInline):
    model = PlanVersion
    # The English name here; its translations on the version's own form.
    fields = ["name_en", "slug", "released_on", "status", "text_basis", "is_published"]
    extra = 0
    show_change_link = True
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Plan)
class PlanAdmin(TranslationAdmin, PublishableAdmin):
    list_display = ["title", "slug", "is_published"]
    list_filter = ["is_published"]
    search_fields = ["title_en", "title_uk", "title_ru", "summary_en"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [VersionInline]


class ClauseInline(admin.TabularInline):
    model = Clause
    # The English heading and summary here; their translations on the point's own form.
    fields = ["sort_order", "number", "heading_en", "summary_en", "text_basis", "is_published"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}
    ordering = ["sort_order", "pk"]
    extra = 0
    show_change_link = True


class VersionClaimInline(admin.TabularInline):
    model = VersionClaim
    extra = 0
    autocomplete_fields = ["claimed_by", "source"]


@admin.register(PlanVersion)
class PlanVersionAdmin(TranslationAdmin, PublishableAdmin):
    list_display = ["name", "plan", "released_on", "status", "text_basis", "point_count", "is_published"]
    list_filter = ["plan", "status", "text_basis", "is_published"]
    list_select_related = ["plan"]
    search_fields = ["name_en", "name_uk", "name_ru", "summary_en", "plan__title_en"]
    autocomplete_fields = ["plan", "based_on", "proposed_by", "sources"]
    date_hierarchy = "released_on"
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ClauseInline, VersionClaimInline]
    change_form_template = "admin/tracker/planversion/change_form.html"

    def get_urls(self):
        def tool(view, route, name):
            wrapped = self.admin_site.admin_view(lambda request, *args, **kwargs: view(self, request, *args, **kwargs))
            return path(route, wrapped, name=f"tracker_planversion_{name}")

        return [
            tool(admin_views.paste_view, "<int:object_id>/paste/", "paste"),
            tool(admin_views.start_view, "<int:object_id>/start-next/", "start"),
            tool(admin_views.lineage_view, "<int:object_id>/lineage/<int:earlier_id>/", "lineage"),
            tool(admin_views.publish_view, "<int:object_id>/publish/", "publish"),
            *super().get_urls(),
        ]


class ClauseTargetInline(admin.TabularInline):
    model = ClauseTarget
    extra = 0
    autocomplete_fields = ["indicator"]
    show_change_link = True


class LinkForwardInline(admin.TabularInline):
    model = ClauseLink
    fk_name = "from_clause"
    verbose_name = "link to a later version"
    verbose_name_plural = "lineage: where this point went in later versions"
    fields = ["to_clause", "to_version", "relation", "grade", "note", "source"]
    autocomplete_fields = ["to_clause", "to_version", "source"]
    extra = 0
    show_change_link = True


class PositionInline(admin.TabularInline):
    model = Position
    fk_name = "clause"
    fields = ["party", "actor", "stance", "stated_on", "quote", "source", "is_published"]
    autocomplete_fields = ["party", "actor", "source"]
    extra = 0
    show_change_link = True


@admin.register(Clause)
class ClauseAdmin(TranslationAdmin, PublishableAdmin):
    list_display = ["__str__", "number", "version", "text_basis", "is_published"]
    list_filter = ["version__plan", "version", "text_basis", "topics", "is_published"]
    list_select_related = ["version", "version__plan"]
    search_fields = ["number", "heading_en", "heading_uk", "heading_ru", "summary_en", "text_en", "version__name_en"]
    autocomplete_fields = ["version", "topics", "sources", "context_indicators"]
    inlines = [ClauseTargetInline, LinkForwardInline, PositionInline]
    kept_on_add_another = ["version", "text_basis", "sources", "number", "sort_order"]

    def kept_value(self, obj, name):
        # The next point follows this one: 6 -> 7 (a label like 12a is left for the editor).
        if name == "sort_order":
            return obj.sort_order + 1
        if name == "number":
            return str(int(obj.number) + 1) if obj.number.isdigit() else None
        return super().kept_value(obj, name)

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete widgets show clauses with their version, so fetch it in the same query.
        queryset = queryset.select_related("version", "version__plan")
        if request.path == reverse("admin:autocomplete"):
            # Editors pick a point as "20-point 6": a bare number is a point's number, not any text
            # containing it, and the newest versions come first.
            words = search_term.split()
            numbers = [word for word in words if POINT_NUMBER.fullmatch(word)]
            if numbers:
                queryset = queryset.filter(number__iexact=numbers[-1])
                search_term = " ".join(word for word in words if word != numbers[-1])
            queryset = queryset.order_by("-version__released_on", "-version_id", "sort_order", "pk")
        return super().get_search_results(request, queryset, search_term)


@admin.register(ClauseLink)
class ClauseLinkAdmin(SimpleHistoryAdmin):
    list_display = ["from_clause", "relation", "to_clause", "to_version", "grade"]
    list_filter = ["relation", "grade", "from_version", "to_version"]
    list_select_related = [
        "from_clause",
        "from_clause__version",
        "from_clause__version__plan",
        "to_clause",
        "to_clause__version",
        "to_clause__version__plan",
        "to_version",
        "to_version__plan",
    ]
    search_fields = ["note", "from_clause__heading", "to_clause__heading"]
    autocomplete_fields = ["from_clause", "to_clause", "to_version", "source"]


@admin.register(Position)
class PositionAdmin(PublishableAdmin):
    list_display = ["stated_on", "party", "actor", "stance", "subject_display", "is_published"]
    list_filter = ["party", "stance", "is_published", "version"]
    list_select_related = [
        "party",
        "actor",
        "actor__party",
        "clause",
        "clause__version",
        "clause__version__plan",
        "version",
        "version__plan",
    ]
    search_fields = ["quote", "note", "actor__name", "party__name", "clause__heading"]
    autocomplete_fields = ["party", "actor", "clause", "version", "source", "other_sources"]
    date_hierarchy = "stated_on"
    # Several parties' reactions to one point, on one day, from one report.
    kept_on_add_another = ["clause", "version", "stated_on", "source"]

    @admin.display(description=_("about"))
    def subject_display(self, obj):
        return obj.subject


@admin.register(Indicator)
class IndicatorAdmin(TranslationAdmin, SimpleHistoryAdmin):
    list_display = ["name", "unit", "slug"]
    search_fields = ["name_en", "name_uk", "name_ru", "unit_en", "description_en"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Figure)
class FigureAdmin(PublishableAdmin):
    list_display = [
        "indicator",
        "display_value",
        "period_end",
        "reported_on",
        "claimed_by",
        "kind",
        "confidence",
        "is_published",
    ]
    list_filter = ["indicator", "kind", "confidence", "from_reprint", "is_published"]
    list_select_related = ["indicator"]
    search_fields = ["indicator__name", "claimed_by", "caveat"]
    autocomplete_fields = ["indicator", "source", "other_sources"]
    date_hierarchy = "reported_on"

    @admin.display(description=_("value"))
    def display_value(self, obj):
        return obj.display_value


@admin.register(ClauseTarget)
class ClauseTargetAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "clause"]
    list_filter = ["indicator", "comparator"]
    list_select_related = ["indicator", "clause", "clause__version", "clause__version__plan"]
    search_fields = ["label", "indicator__name", "clause__heading"]
    autocomplete_fields = ["clause", "indicator"]


class EventAdminForm(EditVersionForm):
    """Refuses a source whose inferred date falls before the event it is cited for."""

    class Meta:
        model = Event
        fields = ["happened_on", "ends_on", "date_is_approximate", "title", "kind", "description", "parties"]
        fields += ["sources", "is_published"]

    def clean(self):
        cleaned = super().clean()
        problem = Event.describe_sources_dated_before(cleaned.get("happened_on"), cleaned.get("sources") or [])
        if problem:
            self.add_error("sources", problem[0].upper() + problem[1:] + ".")
        return cleaned


@admin.register(Event)
class EventAdmin(TranslationAdmin, PublishableAdmin):
    form = EventAdminForm
    list_display = ["happened_on", "title", "kind", "is_published"]
    list_filter = ["kind", "is_published", "parties"]
    search_fields = ["title_en", "title_uk", "title_ru", "description_en"]
    autocomplete_fields = ["parties", "sources"]
    date_hierarchy = "happened_on"


@admin.register(VersionClaim)
class VersionClaimAdmin(SimpleHistoryAdmin):
    list_display = ["version", "attribute", "value", "stated_on", "claimed_by", "grade"]
    list_filter = ["grade", "version"]
    list_select_related = ["version", "version__plan", "claimed_by", "claimed_by__party"]
    search_fields = ["attribute", "value", "note"]
    autocomplete_fields = ["version", "claimed_by", "source"]
    date_hierarchy = "stated_on"


@admin.register(FlagReview)
class FlagReviewAdmin(SimpleHistoryAdmin):
    """The list is the editors' worklist of flags (``admin_views.flag_worklist_view``); a review is made
    there, and its note may be corrected here (the history keeps each version)."""

    fields = ["rule", "figure", "other", "target", "arithmetic", "note", "reviewed_by", "reviewed_at"]
    readonly_fields = ["rule", "figure", "other", "target", "arithmetic", "reviewed_by", "reviewed_at"]

    def has_add_permission(self, request):
        return False

    def changelist_view(self, request, extra_context=None):
        return admin_views.flag_worklist_view(self, request)
