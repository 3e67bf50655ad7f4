"""Dates that must agree: a position cannot predate the first report of the text it is about, and a row
cannot give its source a date other than the source's own. Checked in the models, in the loader and over
the shipped dataset; plus the marks readers see on reprint-only figures and on where the record stops."""

import csv
import datetime
import io
import shutil

import pytest
from django.core.exceptions import ValidationError

from tests import factories as f
from tracker import dataset
from tracker.models import Event, Figure, Plan, PlanVersion, Position, Reliability, Source

D = datetime.date


# ---------------------------------------------------------------- the models refuse them


@pytest.mark.django_db
def test_a_position_dated_before_its_version_was_first_reported_is_refused():
    version = f.PlanVersionFactory(released_on=D(2025, 12, 2))
    position = f.PositionFactory.build(
        party=f.PartyFactory(),
        version=version,
        stated_on=D(2025, 12, 1),
        source=f.SourceFactory(published_on=D(2025, 12, 3)),
    )

    with pytest.raises(ValidationError) as caught:
        position.full_clean()

    assert "first reported on 02 Dec 2025" in str(caught.value.message_dict["stated_on"])
    position.stated_on = D(2025, 12, 2)
    position.full_clean()


@pytest.mark.django_db
def test_a_position_on_a_clause_is_held_to_the_date_of_the_clauses_version():
    clause = f.ClauseFactory(version=f.PlanVersionFactory(released_on=D(2025, 11, 24)))
    position = f.PositionFactory.build(
        party=f.PartyFactory(),
        clause=clause,
        stated_on=D(2025, 11, 23),
        source=f.SourceFactory(published_on=D(2025, 11, 24)),
    )

    with pytest.raises(ValidationError) as caught:
        position.full_clean()

    assert "stated_on" in caught.value.message_dict


@pytest.mark.django_db
def test_a_position_cited_to_a_source_published_before_the_statement_is_refused():
    version = f.PlanVersionFactory(released_on=D(2025, 11, 20))
    position = f.PositionFactory.build(
        party=f.PartyFactory(),
        version=version,
        stated_on=D(2025, 12, 10),
        source=f.SourceFactory(key="T106", published_on=D(2025, 12, 1)),
    )

    with pytest.raises(ValidationError) as caught:
        position.full_clean()

    assert "T106 is dated 01 Dec 2025" in str(caught.value.message_dict["source"])


@pytest.mark.django_db
def test_a_figure_reported_on_a_date_other_than_its_sources_own_is_refused():
    source = f.SourceFactory(key="T109", published_on=D(2024, 12, 25))
    figure = f.FigureFactory.build(
        indicator=f.IndicatorFactory(), source=source, value=43000, reported_on=D(2024, 12, 8)
    )

    with pytest.raises(ValidationError) as caught:
        figure.full_clean()

    assert "T109 is dated 25 Dec 2024" in str(caught.value.message_dict["reported_on"])
    figure.reported_on = D(2024, 12, 25)
    figure.full_clean()


@pytest.mark.django_db
def test_a_figure_cannot_borrow_a_date_for_an_undated_source():
    source = f.SourceFactory(key="T118", published_on=None, date_note="No date on the page.")
    figure = f.FigureFactory.build(indicator=f.IndicatorFactory(), source=source, value=1, reported_on=D(2024, 9, 16))

    with pytest.raises(ValidationError) as caught:
        figure.full_clean()

    assert "T118 has no date" in str(caught.value.message_dict["source"])


# ---------------------------------------------------------------- the loader refuses them, naming the row


@pytest.fixture
def data_dir(tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(dataset.DATA_DIR, copy)
    return copy


def replace_once(path, old, new):
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


@pytest.mark.django_db
def test_the_loader_refuses_a_position_dated_before_its_version_and_writes_nothing(data_dir):
    # Dmitriev spoke on 19 Nov; the draft is dated from Axios's first report that day. Push the draft later.
    replace_once(data_dir / "plan.toml", "released_on = 2025-11-19\n", "released_on = 2025-11-20\n")

    with pytest.raises(dataset.DatasetError) as caught:
        dataset.load(data_dir)

    message = str(caught.value)
    assert "positions.toml, [[position]]" in message
    assert "stated_on: US 28-point draft was first reported on 20 Nov 2025" in message
    assert not Source.objects.exists() and not Position.objects.exists()


@pytest.mark.django_db
def test_the_loader_refuses_a_figure_dated_other_than_its_source(data_dir):
    replace_once(
        data_dir / "evidence.toml",
        'reported_on = 2025-12-10\nclaimed_by = "BBC Ukraine',
        'reported_on = 2025-12-01\nclaimed_by = "BBC Ukraine',
    )

    with pytest.raises(
        dataset.DatasetError, match=r"evidence.toml, \[\[figure\]\] row \d+ .*S106 is dated 10 Dec 2025"
    ):
        dataset.load(data_dir)

    assert not Figure.objects.exists()


@pytest.mark.django_db
def test_the_loader_refuses_an_event_reported_by_a_source_given_an_earlier_inferred_date(data_dir):
    # The omission of 10 Dec cannot be reported by a page dated, by inference, to 1 Dec.
    replace_once(
        data_dir / "sources.toml",
        'published_on = 2025-12-10\ndate_is_approximate = true\ndate_note = "No date on the page; the address',
        'published_on = 2025-12-01\ndate_is_approximate = true\ndate_note = "No date on the page; the address',
    )

    with pytest.raises(dataset.DatasetError) as caught:
        dataset.load(data_dir)

    assert "events.toml, [[event]]" in str(caught.value)
    assert "source 'S106' is given the inferred date 2025-12-01, before the event it reports (2025-12-10)" in str(
        caught.value
    )


# ---------------------------------------------------------------- the shipped dataset keeps them


def test_no_shipped_position_predates_the_first_report_of_its_text_or_postdates_its_source(loaded):
    positions = Position.objects.select_related("version", "clause__version", "source")
    assert positions.count() > 60
    for position in positions:
        version = position.clause.version if position.clause_id else position.version
        assert position.stated_on >= version.released_on, str(position)
        assert position.stated_on <= position.source.published_on, str(position)


def test_every_shipped_figure_is_reported_on_its_own_sources_date(loaded):
    for figure in Figure.objects.select_related("source"):
        assert figure.source.published_on == figure.reported_on, str(figure)


def test_no_shipped_event_cites_a_source_inferred_to_predate_it(loaded):
    for event in Event.objects.prefetch_related("sources"):
        for source in event.sources.all():
            if source.date_is_approximate:
                assert source.published_on >= event.happened_on, (str(event), source.key)


def test_the_20_point_text_dates_from_its_first_report_and_keeps_the_formal_presentation_as_a_claim(loaded):
    version = PlanVersion.objects.get(slug="20-point")
    assert version.released_on == D(2025, 12, 2)
    claim = version.claims.get(attribute="formal presentation")
    assert claim.stated_on == D(2025, 12, 24) and claim.source.key == "S86"
    assert PlanVersion.objects.get(slug="28-point").released_on == D(2025, 11, 19)


def test_figures_carried_only_by_reprints_or_blogs_are_marked_and_no_others_are(loaded):
    second_hand = {Reliability.WIRE_REPRINT, Reliability.LOW}
    marked = 0
    for figure in Figure.objects.select_related("source").prefetch_related("other_sources"):
        cited = [figure.source, *figure.other_sources.all()]
        only_second_hand = all(source.reliability in second_hand for source in cited)
        assert figure.from_reprint == only_second_hand, str(figure)
        marked += figure.from_reprint
    assert marked >= 10


def test_zelenskys_43000_dead_cite_the_report_of_the_day_rather_than_the_later_blog(loaded):
    figure = Figure.objects.get(indicator__slug="ua-war-dead", value=43000)
    assert (figure.source.key, figure.reported_on) == ("S146", D(2024, 12, 8))
    assert not figure.from_reprint


def test_the_missing_rows_of_the_reference_sheet_are_there(loaded):
    costa = Position.objects.get(actor__slug="costa")
    assert (costa.stated_on, costa.quote) == (D(2025, 12, 19), "We committed, we delivered")
    lavrov = Position.objects.get(actor__slug="lavrov", quote__contains="main obstacles to peace")
    assert (lavrov.stated_on, lavrov.source.key) == (D(2025, 12, 28), "S145")


def test_recoded_stances_explain_themselves_to_readers(loaded):
    concept = Position.objects.get(quote="That was not a plan. It was a concept.")
    assert concept.stance == "ambiguous" and "recorded as ambiguous" in concept.note
    tusk = Position.objects.get(actor__slug="tusk", stated_on=D(2025, 11, 24), clause__isnull=True)
    assert tusk.stance == "ambiguous" and "recorded as ambiguous" in tusk.note
    e3_point_3 = Position.objects.get(party__slug="e3", clause__version__slug="28-point", clause__number="3")
    assert e3_point_3.source.key == "S30" and "deletion" in e3_point_3.note


def test_readers_see_reprint_figures_marked_and_where_the_record_stops(loaded, client):
    figure = Figure.objects.filter(from_reprint=True).select_related("indicator").first()
    page = client.get(figure.indicator.get_absolute_url()).content.decode()
    row = page.split(f'id="figure-{figure.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "from a reprint" in row

    coverage = Plan.objects.get().coverage_note
    assert coverage
    for url in ("/", "/timeline/"):
        assert coverage.split(":")[0][:60] in client.get(url).content.decode(), url


@pytest.mark.django_db
def test_the_reprint_mark_travels_to_the_api_and_the_csv(client):
    indicator = f.IndicatorFactory()
    source = f.SourceFactory(published_on=D(2025, 12, 24), reliability=Reliability.WIRE_REPRINT)
    f.FigureFactory(
        indicator=indicator, source=source, reported_on=D(2025, 12, 24), from_reprint=True, is_published=True
    )

    [row] = client.get("/api/v1/figures/", {"indicator": indicator.slug}).json()["results"]
    assert row["from_reprint"] is True
    csv_text = client.get(indicator.get_absolute_url(), {"format": "csv"}).getvalue().decode("utf-8-sig")
    [csv_row] = csv.DictReader(io.StringIO(csv_text))
    assert csv_row["from_reprint"] == "True"


@pytest.mark.django_db
def test_the_admin_refuses_an_event_cited_to_a_source_inferred_to_predate_it():
    from tracker.admin import EventAdminForm

    undated = f.SourceFactory(key="T106", published_on=D(2025, 12, 1), date_is_approximate=True)
    announcing = f.SourceFactory(key="T97", published_on=D(2025, 8, 16), date_is_approximate=False)
    data = {"happened_on": "2025-12-10", "title": "Statistics omit the AWOL rows", "kind": "publication"}

    form = EventAdminForm(data={**data, "sources": [undated.pk]})
    assert not form.is_valid()
    assert "'T106' is given the inferred date 2025-12-01" in " ".join(form.errors["sources"])
    # A page with a date of its own may announce what is to come.
    assert EventAdminForm(data={**data, "happened_on": "2025-08-18", "sources": [announcing.pk]}).is_valid()
