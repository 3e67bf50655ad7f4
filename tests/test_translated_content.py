"""Content in Ukrainian and Russian beside English: storage, history, imports and the dataset download."""

import io
import zipfile

from django.db.models import CharField, F, Value
from django.utils import translation

from tests.factories import ClauseFactory, EventFactory, PlanVersionFactory, PositionFactory, SourceFactory
from tracker import dataset_zip
from tracker.models import Actor, Clause, Event, Indicator, Party, Plan, PlanVersion, Position, Topic
from tracker.services.paste import import_points, parse_points


def test_a_point_reads_in_the_readers_language_and_falls_back_to_english(db):
    clause = ClauseFactory(heading="Ceiling on Ukraine's armed forces")
    clause.heading_uk = "Обмеження чисельності Збройних сил України"
    clause.save()
    clause.refresh_from_db()
    with translation.override("uk"):
        assert clause.heading == "Обмеження чисельності Збройних сил України"
    with translation.override("ru"):
        assert clause.heading == "Ceiling on Ukraine's armed forces"  # not translated yet: the English
    with translation.override("en"):
        assert clause.heading == "Ceiling on Ukraine's armed forces"


def test_saving_a_ukrainian_heading_records_it_in_the_history(db):
    clause = ClauseFactory(heading="Amnesty")
    clause.heading_uk = "Амністія"
    clause._change_reason = "Translated"
    clause.save()
    newest = clause.history.order_by("-history_id").first()
    assert newest.heading_uk == "Амністія" and newest.heading_en == "Amnesty"
    assert newest.history_change_reason == "Translated"
    before = newest.prev_record
    assert before.heading_uk is None
    assert "heading_uk" in newest.diff_against(before).changed_fields
    # Reverting to the row before the translation takes the translation away again, English kept.
    reverted = before.instance
    assert (reverted.heading_en, reverted.heading_uk) == ("Amnesty", None)
    assert newest.instance.heading_uk == "Амністія"


def test_the_paste_import_writes_english_whatever_language_is_active(db):
    version = PlanVersionFactory()
    with translation.override("uk"):
        import_points(version, parse_points("1. Sovereignty is confirmed.\n2. Forces are capped."))
    first = Clause.objects.get(version=version, number="1")
    assert first.heading_en == "Sovereignty is confirmed" and first.text_en == "Sovereignty is confirmed."
    assert first.heading_uk is None and first.text_uk is None


def test_a_union_of_keys_keeps_its_columns_in_the_order_asked(db):
    # The timeline pairs events and positions up by column position in one UNION query.
    event = EventFactory()
    position = PositionFactory()
    keys = (
        Event.objects.order_by()
        .annotate(day=F("happened_on"), entry_kind=Value("event", output_field=CharField()))
        .values_list("day", "entry_kind", "pk")
        .union(
            Position.objects.order_by()
            .annotate(day=F("stated_on"), entry_kind=Value("position", output_field=CharField()))
            .values_list("day", "entry_kind", "pk"),
            all=True,
        )
    )
    expected = [(event.happened_on, "event", event.pk), (position.stated_on, "position", position.pk)]
    assert sorted(keys) == sorted(expected)


def test_the_dataset_download_keeps_english_under_the_stable_names_and_adds_the_translations_at_the_end(db):
    clause = ClauseFactory(heading="Amnesty", summary="Full amnesty for all parties.")
    clause.heading_uk = "Амністія"
    clause.save()
    with translation.override("uk"):
        export = dataset_zip.build_export()
    header, row = export.files["clauses.csv"].decode().splitlines()[:2]
    columns = header.split(",")
    assert "heading_en" not in columns
    assert columns[-6:] == ["heading_uk", "heading_ru", "summary_uk", "summary_ru", "text_uk", "text_ru"]
    cells = dict(zip(columns, row.split(","), strict=True))
    assert cells["heading"] == "Amnesty" and cells["heading_uk"] == "Амністія" and cells["heading_ru"] == ""
    # The codebook speaks the language of the download; its column names and yes/no stay as they are.
    codebook = export.files["codebook.csv"].decode("utf-8-sig")
    assert 'clauses.csv,heading_uk,текст,yes,"Стовпець heading українською:' in codebook
    assert "clauses.csv,heading_uk,text,yes,The heading column in Ukrainian" in dataset_zip.build_export().files[
        "codebook.csv"
    ].decode("utf-8-sig")


def test_the_dataset_download_imports_back_with_its_translations(db, django_db_blocker):
    clause = ClauseFactory(heading="Amnesty", summary="Full amnesty for all parties.")
    clause.heading_ru = "Амнистия"
    clause.save()
    archive = dataset_zip.build_zip(dataset_zip.build_export())
    from tracker.dataset import clear_content

    clear_content()
    with translation.override("ru"):
        dataset_zip.import_zip(io.BytesIO(archive))
    again = Clause.objects.get(pk=clause.pk)
    assert (again.heading_en, again.heading_ru, again.heading_uk) == ("Amnesty", "Амнистия", None)
    assert zipfile.ZipFile(io.BytesIO(archive)).read("tracker-dataset/README.md").count(b"_uk") >= 1


def _clause_with_a_ukrainian_translation():
    clause = ClauseFactory(heading="Amnesty", summary="Full amnesty for all parties for acts in the war.")
    clause.heading_uk = "Амністія"
    clause.summary_uk = "Повна амністія всім сторонам за дії під час війни."
    clause.save()
    return clause


def test_a_ukrainian_point_page_shows_the_ukrainian_text_marked_as_the_projects_translation(client, db):
    clause = _clause_with_a_ukrainian_translation()
    body = client.get("/uk" + clause.get_absolute_url()).content.decode()
    assert '<html lang="uk"' in body
    assert "Амністія" in body and "Повна амністія всім сторонам за дії під час війни." in body
    assert "Full amnesty for all parties" not in body
    assert "ще не перекладено" not in body
    assert "Переклад з англійської зроблено проєктом" in body


def test_an_untranslated_point_falls_back_to_english_marked_as_english_and_says_so(client, db):
    clause = _clause_with_a_ukrainian_translation()  # Ukrainian only: the Russian page falls back
    body = client.get("/ru" + clause.get_absolute_url()).content.decode()
    assert '<html lang="ru"' in body
    assert '<span lang="en">Amnesty</span> <span class="untranslated">(ещё не переведено)</span>' in body
    assert '<div lang="en"><p>Full amnesty for all parties for acts in the war.</p></div>' in body
    assert "Амністія" not in body
    assert "Перевод с английского выполнен проектом" not in body  # nothing here is translated
    english = client.get(clause.get_absolute_url()).content.decode()
    assert "not yet translated" not in english and 'lang="en">Amnesty' not in english


def test_quotes_and_source_titles_keep_their_language_marked_on_a_page_in_another(client, db):
    source = SourceFactory(title="Cosa prevede il piano USA (28 punti)", language="it")
    position = PositionFactory(quote="We are ready", source=source)
    assert position.quote_language == "it"  # from its source, unless the editor says otherwise
    english_source = SourceFactory(title="Axios report")
    english_quote = PositionFactory(
        clause=position.clause, quote="Not a final offer", source=english_source, note="Said at the G20."
    )
    assert english_quote.quote_language == "en"
    page = client.get("/uk" + position.clause.get_absolute_url()).content.decode()
    assert '<q lang="it">We are ready</q>' in page
    assert '<q lang="en">Not a final offer</q>' in page
    assert '<span lang="en">Said at the G20.</span>' in page  # the project's note, kept in English only
    source_page = client.get("/uk" + source.get_absolute_url()).content.decode()
    assert '<h1><span lang="it">Cosa prevede il piano USA (28 punti)</span></h1>' in source_page
    # On an English page the English quote needs no mark of its own; the Italian one keeps it.
    english_page = client.get(position.clause.get_absolute_url()).content.decode()
    assert "<q>Not a final offer</q>" in english_page and '<q lang="it">We are ready</q>' in english_page


def test_the_shipped_points_and_page_headings_come_in_ukrainian_and_russian(loaded):
    points = Clause.objects.filter(version__slug__in=["28-point", "20-point", "19-point", "e3-counter-proposal"])
    assert points.filter(version__slug="28-point").count() == 28
    for clause in points:
        for language in ("uk", "ru"):
            for field in ("heading", "summary"):
                assert getattr(clause, f"{field}_{language}"), f"{clause} has no {field}_{language}"
            if clause.text_en:
                assert getattr(clause, f"text_{language}"), f"{clause} has no text_{language}"
    headings = [*Topic.objects.all(), *PlanVersion.objects.all(), *Party.objects.all(), *Indicator.objects.all()]
    headings += list(Actor.objects.all())
    headings += list(Plan.objects.all())
    for obj in headings:
        name = "title" if isinstance(obj, Plan) else "name"
        assert getattr(obj, f"{name}_uk") and getattr(obj, f"{name}_ru"), f"{obj} has no translated {name}"
    assert all(indicator.unit_uk and indicator.unit_ru for indicator in Indicator.objects.all())


def test_a_shipped_point_reads_in_ukrainian_and_russian(client, loaded):
    clause = Clause.objects.get(version__slug="28-point", number="6")
    uk = client.get("/uk" + clause.get_absolute_url()).content.decode()
    assert "Граничний розмір Збройних сил України" in uk and "600 000 особового складу" in uk
    ru = client.get("/ru" + clause.get_absolute_url()).content.decode()
    assert "Предельная численность Вооружённых сил Украины" in ru
    assert "Перевод с английского выполнен проектом" in ru


def test_every_shipped_event_has_its_title_and_description_in_ukrainian_and_russian(client, loaded):
    events = list(Event.objects.all())
    assert len(events) >= 79
    for event in events:
        assert event.title_uk and event.title_ru, f"{event.title_en} has no translated title"
        assert event.title_uk != event.title_en and event.title_ru != event.title_en, event.title_en
    for event in (event for event in events if event.description_en):
        assert event.description_uk and event.description_ru, f"{event.title_en} has no translated description"
    uk = client.get("/uk/timeline/").content.decode()
    assert "Саміт Трампа і Путіна в Анкориджі завершився без угоди" in uk
    assert "Trump-Putin summit in Anchorage ends without a deal" not in uk
    assert "базі Елмендорф-Річардсон, без угоди." in uk
    assert "(ще не перекладено)" not in uk
    ru = client.get("/ru/timeline/").content.decode()
    assert "Саммит Трампа и Путина в Анкоридже завершился без сделки" in ru


def test_an_untranslated_event_is_marked_on_the_ukrainian_timeline(client, db):
    event = EventFactory(title="Talks in Abu Dhabi")
    body = client.get("/uk/timeline/").content.decode()
    assert f'id="event-{event.pk}"' in body
    assert '<span lang="en">Talks in Abu Dhabi</span> <span class="untranslated">(ще не перекладено)</span>' in body


def test_an_editor_translates_a_point_in_the_admin_and_the_history_names_them(editor_client, editor):
    from django.urls import reverse

    from tests.admin_forms import admin_form_data

    clause = ClauseFactory(heading="Amnesty")
    url = reverse("admin:tracker_clause_change", args=[clause.pk])
    page = editor_client.get(url)
    form = page.content.decode()
    assert 'name="heading_en"' in form and 'name="heading_uk"' in form and 'name="heading_ru"' in form
    saved = editor_client.post(url, admin_form_data(page, heading_uk="Амністія", heading_ru="Амнистия"))
    assert saved.status_code == 302
    clause.refresh_from_db()
    assert (clause.heading_en, clause.heading_uk, clause.heading_ru) == ("Amnesty", "Амністія", "Амнистия")
    newest = clause.history.order_by("-history_id").first()
    assert newest.history_user == editor and newest.heading_uk == "Амністія"
