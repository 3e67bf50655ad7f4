"""The editors' back office: access, data entry, history and the publish actions."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.urls import reverse
from django.utils import timezone

from tests.admin_forms import admin_form_data
from tests.factories import (
    ActorFactory,
    ClauseFactory,
    ClauseLinkFactory,
    ClauseTargetFactory,
    EditorFactory,
    EventFactory,
    FigureFactory,
    PlanFactory,
    PlanVersionFactory,
    PositionFactory,
    SourceFactory,
    TopicFactory,
)
from tracker.models import Clause, FlagReview, PlanVersion, Position, VersionClaim

pytestmark = pytest.mark.django_db


def test_anonymous_readers_are_sent_to_the_login_page():
    from django.test import Client

    response = Client().get(reverse("admin:tracker_clause_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_user_without_staff_status_cannot_reach_the_admin(client):
    user = get_user_model().objects.create_user("reader", password="a long reader password")
    client.force_login(user)
    response = client.get(reverse("admin:tracker_clause_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize(
    "url_name", ["admin:auth_user_changelist", "admin:auth_group_changelist", "admin:auth_user_add"]
)
def test_an_editor_cannot_manage_users_or_groups(editor_client, url_name):
    assert editor_client.get(reverse(url_name)).status_code == 403


def test_the_editors_group_holds_only_tracker_permissions(editor):
    apps = set(editor.get_all_permissions())
    assert apps, "editors can curate"
    assert all(perm.startswith("tracker.") for perm in apps)
    assert "tracker.change_clause" in apps and "tracker.delete_position" in apps
    assert not editor.is_superuser


def test_setting_up_roles_twice_keeps_one_group_with_the_same_permissions():
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    call_command("setup_roles")
    first = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    call_command("setup_roles")
    assert Group.objects.filter(name="Editors").count() == 1
    assert set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True)) == first


def test_the_demo_editor_is_created_once_with_a_printed_password(capsys):
    from django.core.management import call_command

    call_command("create_demo_editor")
    first = capsys.readouterr().out
    user = get_user_model().objects.get(username="editor")
    password = first.split("password:")[1].split()[0]
    assert user.check_password(password)
    assert user.is_staff and not user.is_superuser
    assert user.groups.filter(name="Editors").exists()
    call_command("create_demo_editor")
    again = capsys.readouterr().out
    assert "already exists" in again and password not in again
    assert get_user_model().objects.filter(username="editor").count() == 1


def test_an_editor_adds_a_version_with_clauses_in_order(editor_client):
    plan = PlanFactory()
    source = SourceFactory()
    url = reverse("admin:tracker_planversion_add")
    page = editor_client.get(url)
    data = admin_form_data(
        page,
        plan=str(plan.pk),
        slug="19-point",
        name_en="19-point revision",
        released_on="2025-11-24",
        status="revised",
        text_basis="partial",
        sources=[str(source.pk)],
    )
    data.update(
        {
            "clauses-TOTAL_FORMS": "2",
            "clauses-0-number": "2",
            "clauses-0-sort_order": "2",
            "clauses-0-heading_en": "Force size",
            "clauses-0-summary_en": "Ukraine's forces are capped.",
            "clauses-0-text_basis": "reported",
            "clauses-1-number": "1",
            "clauses-1-sort_order": "1",
            "clauses-1-heading_en": "Sovereignty",
            "clauses-1-summary_en": "Ukraine's sovereignty is confirmed.",
            "clauses-1-text_basis": "reported",
        }
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    version = PlanVersion.objects.get(slug="19-point")
    assert [c.heading for c in version.clauses.all()] == ["Sovereignty", "Force size"]
    assert version.clauses.get(number="1").summary == "Ukraine's sovereignty is confirmed."
    assert not version.is_published, "new versions start as drafts"


def test_a_clause_row_with_neither_summary_nor_text_is_refused(editor_client):
    version = PlanVersionFactory()
    url = reverse("admin:tracker_planversion_change", args=[version.pk])
    data = admin_form_data(editor_client.get(url))
    data.update(
        {
            "clauses-TOTAL_FORMS": "1",
            "clauses-INITIAL_FORMS": "0",
            "clauses-0-number": "1",
            "clauses-0-sort_order": "1",
            "clauses-0-heading_en": "Sovereignty",
            "clauses-0-text_basis": "reported",
        }
    )
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "Give a summary in the project" in response.content.decode()
    assert not version.clauses.exists()


def test_an_edit_in_the_admin_appears_in_the_history_with_the_editors_name(editor_client, editor):
    clause = ClauseFactory(heading="Armed forces")
    url = reverse("admin:tracker_clause_change", args=[clause.pk])
    response = editor_client.post(url, admin_form_data(editor_client.get(url), heading_en="Armed forces capped"))
    assert response.status_code == 302
    latest = clause.history.latest()
    assert latest.heading == "Armed forces capped"
    assert latest.history_user == editor
    history_page = editor_client.get(reverse("admin:tracker_clause_history", args=[clause.pk]))
    assert editor.username in history_page.content.decode()


def test_an_editor_can_revert_a_change_from_the_history(editor_client):
    clause = ClauseFactory(heading="Original heading")
    url = reverse("admin:tracker_clause_change", args=[clause.pk])
    editor_client.post(url, admin_form_data(editor_client.get(url), heading_en="Mistaken heading"))
    original = clause.history.earliest()
    revert_url = reverse("admin:tracker_clause_simple_history", args=[clause.pk, original.history_id])
    page = editor_client.get(revert_url)
    assert page.status_code == 200
    response = editor_client.post(revert_url, admin_form_data(page))
    assert response.status_code == 302
    clause.refresh_from_db()
    assert clause.heading == "Original heading"


def test_publishing_from_the_list_makes_drafts_public_and_is_recorded(editor_client, editor):
    drafts = [ClauseFactory(is_published=False) for _ in range(2)]
    response = editor_client.post(
        reverse("admin:tracker_clause_changelist"),
        {"action": "publish", "_selected_action": [str(c.pk) for c in drafts]},
    )
    assert response.status_code == 302
    assert Clause.objects.filter(is_published=True).count() == 2
    assert drafts[0].history.latest().history_user == editor
    editor_client.post(
        reverse("admin:tracker_clause_changelist"),
        {"action": "unpublish", "_selected_action": [str(drafts[0].pk)]},
    )
    assert list(Clause.objects.filter(is_published=False)) == [drafts[0]]


def test_an_invalid_inline_position_is_refused_and_nothing_is_saved(editor_client):
    clause = ClauseFactory()
    stranger = ActorFactory()
    url = reverse("admin:tracker_clause_change", args=[clause.pk])
    data = admin_form_data(editor_client.get(url))
    source = SourceFactory()
    data.update(
        {
            "positions-TOTAL_FORMS": "1",
            "positions-0-party": str(PositionFactory().party.pk),
            "positions-0-actor": str(stranger.pk),
            "positions-0-stance": "supports",
            "positions-0-stated_on": "2025-11-21",
            "positions-0-source": str(source.pk),
        }
    )
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "does not speak for" in response.content.decode()
    assert not Position.objects.filter(clause=clause).exists()


def _every_model_admin():
    return [model for model in admin.site._registry if model._meta.app_label == "tracker"]


def _one_of_each():
    link = ClauseLinkFactory()
    actor = ActorFactory()
    PositionFactory(clause=link.from_clause, party=actor.party, actor=actor)
    target = ClauseTargetFactory(clause=link.from_clause)
    FigureFactory(indicator=target.indicator)
    EventFactory()
    TopicFactory()
    figure = FigureFactory(indicator=target.indicator)
    FlagReview.objects.create(
        key=f"implied-rate-{figure.pk}--",
        rule="implied-rate",
        figure=figure,
        arithmetic="…",
        note="Checked.",
        reviewed_at=timezone.now(),
    )
    VersionClaim.objects.create(
        version=link.from_clause.version,
        attribute="number of points",
        value="22",
        stated_on="2025-11-25",
        source=SourceFactory(),
    )


def test_every_admin_changelist_add_and_change_page_opens_for_an_editor(editor_client):
    _one_of_each()
    models = _every_model_admin()
    assert len(models) == 15
    for model in models:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        changelist = editor_client.get(reverse(f"{name}_changelist"))
        assert changelist.status_code == 200, model
        assert editor_client.get(reverse(f"{name}_changelist"), {"q": "a"}).status_code == 200, model
        # Flags are reviewed from the worklist (the list), not added by hand.
        expected = 403 if model is FlagReview else 200
        assert editor_client.get(reverse(f"{name}_add")).status_code == expected, model
        obj = model.objects.first()
        assert obj is not None, model
        assert editor_client.get(reverse(f"{name}_change", args=[obj.pk])).status_code == 200, model
        assert editor_client.get(reverse(f"{name}_history", args=[obj.pk])).status_code == 200, model


def test_autocomplete_lookups_answer_for_every_related_field(editor_client):
    _one_of_each()
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "tracker":
            continue
        for field_name in model_admin.autocomplete_fields:
            response = editor_client.get(
                reverse("admin:autocomplete"),
                {"app_label": "tracker", "model_name": model._meta.model_name, "field_name": field_name, "term": ""},
            )
            assert response.status_code == 200, (model, field_name)
            assert "results" in response.json()


def test_a_second_editor_sees_the_first_editors_name_in_history(client):
    first, second = EditorFactory(), EditorFactory()
    version = PlanVersionFactory()
    client.force_login(first)
    url = reverse("admin:tracker_planversion_change", args=[version.pk])
    client.post(url, admin_form_data(client.get(url), name_en="Renamed by the first editor"))
    client.force_login(second)
    page = client.get(reverse("admin:tracker_planversion_history", args=[version.pk]))
    assert first.username in page.content.decode()


def test_save_and_add_another_keeps_the_version_for_the_next_point(editor_client):
    version = PlanVersionFactory()
    url = reverse("admin:tracker_clause_add")
    data = admin_form_data(
        editor_client.get(url),
        version=str(version.pk),
        number="1",
        sort_order="1",
        heading_en="Sovereignty",
        summary_en="Confirmed.",
        text_basis="leaked",
        _addanother="1",
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302
    next_form = editor_client.get(response["Location"])
    assert next_form.context["adminform"].form.initial["version"] == str(version.pk)
    assert next_form.context["adminform"].form.initial["text_basis"] == "leaked"
    assert (
        next_form.context["adminform"].form.initial["number"],
        next_form.context["adminform"].form.initial["sort_order"],
    ) == ("2", "2")


def test_a_version_slug_is_filled_from_its_name_as_the_editor_types(editor_client):
    page = editor_client.get(reverse("admin:tracker_planversion_add")).content.decode()
    assert "django-admin-prepopulated-fields-constants" in page
    assert "&quot;#id_slug&quot;" in page and "&quot;#id_name_en&quot;" in page


def test_the_point_picker_finds_a_point_by_version_and_number_newest_version_first(editor_client):
    plan = PlanFactory()
    old = PlanVersionFactory(plan=plan, name="28-point draft", released_on="2025-11-20")
    new = PlanVersionFactory(plan=plan, name="20-point framework", released_on="2025-11-30")
    for version in (old, new):
        for number in ("1", "6", "16"):
            ClauseFactory(version=version, number=number, heading=f"Heading {number}", summary="Point 6 matters.")
    params = {"app_label": "tracker", "model_name": "position", "field_name": "clause"}
    found = editor_client.get(reverse("admin:autocomplete"), {**params, "term": "6"}).json()["results"]
    assert [r["text"] for r in found] == ["20-point framework point 6: Heading 6", "28-point draft point 6: Heading 6"]
    found = editor_client.get(reverse("admin:autocomplete"), {**params, "term": "28-point 16"}).json()["results"]
    assert [r["text"] for r in found] == ["28-point draft point 16: Heading 16"]


def test_the_admin_index_groups_the_models_by_task_and_says_where_to_start(editor_client):
    response = editor_client.get(reverse("admin:index"))
    groups = [app["name"] for app in response.context["app_list"]]
    assert groups == ["Plans and points", "Evidence", "Positions", "Sources and events"]
    page = response.content.decode()
    assert "Where to start" in page and "Start a new version from this one" in page


def test_publishing_from_the_list_records_topics_and_sources_as_they_are(editor_client):
    clause = ClauseFactory(is_published=False)
    topic, source = TopicFactory(), SourceFactory()
    clause.topics.add(topic)
    clause.sources.add(source)
    editor_client.post(
        reverse("admin:tracker_clause_changelist"), {"action": "publish", "_selected_action": [str(clause.pk)]}
    )
    published = clause.history.latest()
    assert published.is_published and published.history_change_reason == "Published"
    assert [row.topic for row in published.topics.all()] == [topic]
    assert [row.source for row in published.sources.all()] == [source]


def test_reverting_a_change_of_topics_restores_them(editor_client):
    clause = ClauseFactory()
    kept, dropped, added = TopicFactory(), TopicFactory(), TopicFactory()
    url = reverse("admin:tracker_clause_change", args=[clause.pk])
    editor_client.post(url, admin_form_data(editor_client.get(url), topics=[str(kept.pk), str(dropped.pk)]))
    before = clause.history.latest()
    assert {row.topic for row in before.topics.all()} == {kept, dropped}
    editor_client.post(url, admin_form_data(editor_client.get(url), topics=[str(kept.pk), str(added.pk)]))
    assert set(clause.topics.all()) == {kept, added}
    assert {row.topic for row in clause.history.latest().topics.all()} == {kept, added}
    revert_url = reverse("admin:tracker_clause_simple_history", args=[clause.pk, before.history_id])
    page = editor_client.get(revert_url)
    assert set(page.context["adminform"].form.initial["topics"]) == {kept.pk, dropped.pk}
    response = editor_client.post(revert_url, admin_form_data(page))
    assert response.status_code == 302
    assert set(clause.topics.all()) == {kept, dropped}


def test_the_second_of_two_editors_saving_one_point_is_refused_and_the_first_change_kept(client):
    first, second = EditorFactory(username="first"), EditorFactory(username="second")
    clause = ClauseFactory(heading="Original heading")
    url = reverse("admin:tracker_clause_change", args=[clause.pk])
    first_client, second_client = client, __import__("django.test", fromlist=["Client"]).Client()
    first_client.force_login(first)
    second_client.force_login(second)
    first_page, second_page = first_client.get(url), second_client.get(url)
    assert 'type="hidden" name="edit_version_seen"' in first_page.content.decode()
    assert first_client.post(url, admin_form_data(first_page, heading_en="First editor's heading")).status_code == 302
    response = second_client.post(url, admin_form_data(second_page, heading_en="Second editor's heading"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else saved this clause after you opened it (first," in page
    assert "Second editor&#x27;s heading" in page, "the second editor's input is kept in the form"
    clause.refresh_from_db()
    assert clause.heading == "First editor's heading"
    # Opened again, the page saves.
    again = second_client.get(url)
    assert second_client.post(url, admin_form_data(again, heading_en="Second editor's heading")).status_code == 302
    clause.refresh_from_db()
    assert clause.heading == "Second editor's heading" and clause.edit_version == 2


def test_a_save_racing_past_the_forms_check_is_refused_by_the_conditional_update(editor_client, monkeypatch):
    from tracker.admin import EditVersionForm

    position = PositionFactory(quote="As first said")
    url = reverse("admin:tracker_position_change", args=[position.pk])
    page = editor_client.get(url)
    # Another save lands between this form's check and its save.
    original_clean = EditVersionForm.clean

    def clean_then_someone_saves(self):
        cleaned = original_clean(self)
        Position.objects.filter(pk=position.pk).update(
            edit_version=models.F("edit_version") + 1, quote="Saved meanwhile"
        )
        return cleaned

    monkeypatch.setattr(EditVersionForm, "clean", clean_then_someone_saves)
    response = editor_client.post(url, admin_form_data(page, quote="Stale overwrite"))
    assert response.status_code == 302 and response["Location"] == url
    position.refresh_from_db()
    # The whole request is rolled back (the simulated save ran inside it too): nothing stale was written.
    assert position.quote == "As first said"
    follow = editor_client.get(url)
    assert "Someone else saved this position" in follow.content.decode()


def test_publishing_from_the_list_makes_an_open_form_stale(editor_client):
    clause = ClauseFactory(is_published=False)
    url = reverse("admin:tracker_clause_change", args=[clause.pk])
    page = editor_client.get(url)
    editor_client.post(
        reverse("admin:tracker_clause_changelist"), {"action": "publish", "_selected_action": [str(clause.pk)]}
    )
    response = editor_client.post(url, admin_form_data(page, heading_en="Edited"))
    assert response.status_code == 200 and "Someone else saved this clause" in response.content.decode()
    clause.refresh_from_db()
    assert clause.is_published, "the stale form, opened as a draft, did not unpublish it"


def test_one_admin_save_changing_topics_writes_one_history_row_that_holds_them(editor_client, editor):
    clause = ClauseFactory(heading="Before")
    old_topic, new_topic = TopicFactory(), TopicFactory()
    clause.topics.add(old_topic)
    rows_before = clause.history.count()
    url = reverse("admin:tracker_clause_change", args=[clause.pk])
    response = editor_client.post(
        url, admin_form_data(editor_client.get(url), heading_en="After", topics=[str(new_topic.pk)])
    )
    assert response.status_code == 302
    assert clause.history.count() == rows_before + 1
    row = clause.history.latest()
    assert row.heading == "After" and row.history_user == editor and row.history_type == "~"
    assert [r.topic for r in row.topics.all()] == [new_topic]
    added = editor_client.post(
        reverse("admin:tracker_clause_add"),
        admin_form_data(
            editor_client.get(reverse("admin:tracker_clause_add")),
            version=str(clause.version.pk),
            number="99",
            heading_en="New",
            summary_en="New point.",
            text_basis="leaked",
            topics=[str(old_topic.pk)],
        ),
    )
    assert added.status_code == 302
    created = Clause.objects.get(number="99")
    assert created.history.count() == 1
    assert created.history.get().history_type == "+" and [r.topic for r in created.history.get().topics.all()] == [
        old_topic
    ]
