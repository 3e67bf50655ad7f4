"""The helpers every public page uses: as-of dates, pagination, filters, CSV, the shared layout."""

import csv
import datetime
import io

import pytest
from django.db.models import F
from django.http import Http404
from django.test import RequestFactory
from django.utils import translation

from tests.factories import IndicatorFactory, PlanVersionFactory, SourceFactory
from tracker.forms import InvalidQuery
from tracker.models import Indicator, PlanVersion, Source
from tracker.views.common import (
    CSV_ROWS_PER_CHUNK,
    FromField,
    absolute_addresses,
    csv_download,
    csv_safe,
    ordered_by_pk,
    paginate,
    read_as_of,
    stream_csv,
)

rf = RequestFactory()


def test_as_of_reads_an_iso_date():
    import datetime

    assert read_as_of(rf.get("/", {"as_of": "2025-11-22"})) == datetime.date(2025, 11, 22)


def test_as_of_absent_or_blank_means_today():
    assert read_as_of(rf.get("/")) is None
    assert read_as_of(rf.get("/", {"as_of": ""})) is None


@pytest.mark.parametrize("value", ["garbage", "0001-01-01", "9999-12-31", "2025-13-01", "2025-02-30", "22/11/2025"])
def test_malformed_or_far_off_as_of_dates_raise_a_message(value):
    with pytest.raises(InvalidQuery) as raised:
        read_as_of(rf.get("/", {"as_of": value}))
    assert raised.value.messages["as_of"]
    assert "date" in raised.value.messages["as_of"][0].lower()


@pytest.mark.parametrize("value", ["garbage", "0001-01-01", "9999-12-31", "10000-01-01", "-1"])
def test_a_page_with_a_malformed_as_of_shows_the_message_with_status_400(client, db, value):
    response = client.get("/", {"as_of": value})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Date (as_of)" in body
    assert "Peace-plan tracker" in body  # the site's own layout, not a bare error


def test_a_nul_byte_in_as_of_is_refused_not_crashed(client, db):
    response = client.get("/?as_of=2025-11-22%00")
    assert response.status_code == 400


def test_a_valid_as_of_shows_the_banner_with_a_way_back_to_today(client, db):
    response = client.get("/", {"as_of": "2025-11-22"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Showing the state of play on" in body
    assert "22 November 2025" in body
    assert "Show today" in body


def test_without_as_of_there_is_no_banner(client, db):
    assert "Showing the state of play" not in client.get("/").content.decode()


def test_pagination_turns_a_word_into_a_message():
    with pytest.raises(InvalidQuery) as raised:
        paginate(rf.get("/", {"page": "two"}), list(range(10)), per_page=3)
    assert "whole number" in raised.value.messages["page"][0]


@pytest.mark.parametrize("number", ["0", "-1", "5", "99999999999999999999"])
def test_pagination_past_the_ends_is_not_found(number):
    with pytest.raises(Http404):
        paginate(rf.get("/", {"page": number}), list(range(10)), per_page=3)


def test_pagination_returns_the_requested_page():
    page = paginate(rf.get("/", {"page": "2"}), list(range(10)), per_page=3)
    assert list(page.object_list) == [3, 4, 5]


@pytest.mark.django_db
def test_pagination_counted_with_its_rows_gives_the_same_pages_from_one_query(django_assert_num_queries):
    for n in range(7):
        SourceFactory(key=f"s{n}")
    sources = Source.objects.order_by("key")
    for number in ("1", "2", "3"):
        request = rf.get("/", {"page": number})
        expected = paginate(request, sources, per_page=3)
        with django_assert_num_queries(1):
            page = paginate(request, sources, per_page=3, counted_with_rows=True)
            assert (page.paginator.count, page.paginator.num_pages) == (7, 3)
        assert list(page.object_list) == list(expected.object_list)
        assert (page.number, page.has_next(), page.has_previous()) == (
            expected.number,
            expected.has_next(),
            expected.has_previous(),
        )
    for number in ("0", "4", "-1"):
        with pytest.raises(Http404):
            paginate(rf.get("/", {"page": number}), sources, per_page=3, counted_with_rows=True)
    with pytest.raises(InvalidQuery):
        paginate(rf.get("/", {"page": "two"}), sources, per_page=3, counted_with_rows=True)
    empty = paginate(rf.get("/"), Source.objects.none(), counted_with_rows=True)
    assert (list(empty.object_list), empty.paginator.count) == ([], 0)


@pytest.mark.django_db
def test_pagination_by_ids_gives_the_same_rows_in_the_same_order_with_their_related_objects(
    django_assert_num_queries,
):
    for n in range(7):
        PlanVersionFactory(name=f"Version {n}", released_on=datetime.date(2025, 11, 1 + (n * 5) % 7))
    versions = PlanVersion.objects.select_related("plan").order_by("-released_on", "name")
    request = rf.get("/", {"page": "2"})
    expected = list(paginate(request, versions, per_page=3).object_list)
    with django_assert_num_queries(3):  # count, the page's ids, the page's rows
        page = paginate(request, versions, per_page=3, load_by_ids=True)
        titles = [version.plan.title for version in page.object_list]
    assert page.object_list == expected and len(titles) == 3
    assert page.paginator.num_pages == 3 and page.has_next()


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx"])
def test_csv_cells_that_spreadsheets_would_run_are_defused(cell):
    assert csv_safe(cell) == "'" + cell


def test_csv_leaves_ordinary_text_and_numbers_alone():
    assert csv_safe("Armed forces") == "Armed forces"
    assert csv_safe(-5) == -5
    assert csv_safe(None) == ""


@pytest.mark.django_db
def test_csv_download_streams_every_row_in_a_stable_order():
    SourceFactory(key="b-2", title="=HYPERLINK(evil)")
    SourceFactory(key="a-1", title="Plain")
    response = csv_download("sources", Source.objects.order_by("publisher"), [("key", "key"), ("title", "title")])
    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="sources.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["key", "title"]
    # Same publisher: the pk decides, so the first created comes first.
    assert rows[1:] == [["b-2", "'=HYPERLINK(evil)"], ["a-1", "Plain"]]


def test_a_long_csv_is_sent_in_chunks_of_many_rows_with_every_row_once():
    rows = [[number, f"=row {number}"] for number in range(CSV_ROWS_PER_CHUNK * 2 + 7)]
    chunks = list(stream_csv("rows", ["n", "text"], rows).streaming_content)
    assert len(chunks) == 4  # the header, two full chunks, the rest
    read = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    assert read == [["n", "text"]] + [[str(number), f"'=row {number}"] for number in range(len(rows))]


@pytest.mark.parametrize("prefix", ["", "/uk"])
def test_absolute_addresses_match_each_objects_own_address(prefix, db):
    indicators = [IndicatorFactory(slug=slug) for slug in ("forces-0123456789", "a_b-9")]
    with translation.override("uk" if prefix else "en"):
        request = rf.get(f"{prefix}/indicators/", HTTP_HOST="testserver", secure=True)
        address = absolute_addresses(request, "tracker:indicator-detail", "slug")
        for indicator in indicators:
            expected = request.build_absolute_uri(indicator.get_absolute_url())
            assert address(indicator.slug) == expected
            assert expected.startswith(f"https://testserver{prefix}/indicators/")


@pytest.mark.parametrize("language", ["en", "uk"])
def test_a_csv_of_plain_fields_is_read_as_plain_rows_and_says_what_the_objects_would(language, db, monkeypatch):
    IndicatorFactory(slug="forces", name="Armed forces", name_uk="Збройні сили", caveat="=not a formula")
    IndicatorFactory(slug="losses", name="Losses", unit="persons")  # no Ukrainian name: the English one
    indicators = Indicator.objects.annotate(double=F("pk") * 2).order_by("-slug")
    plain = [
        ("slug", "slug"),
        ("name", "name"),
        ("unit", "unit"),
        ("caveat", "caveat"),
        ("double", "double"),
        ("url", FromField("slug", lambda slug: f"/indicators/{slug}/")),
    ]
    loaded = []
    monkeypatch.setattr(Indicator, "__init__", _counting(Indicator.__init__, loaded))
    as_objects = [(h, (lambda i, v=v: getattr(i, v)) if isinstance(v, str) else v) for h, v in plain]
    with translation.override(language):
        rows = b"".join(csv_download("indicators", indicators, plain).streaming_content)
        assert not loaded  # plain rows: no model instance
        expected = b"".join(csv_download("indicators", indicators, as_objects).streaming_content)
    assert rows == expected and len(loaded) == 2  # the same file, this time from the loaded objects
    lines = rows.decode("utf-8-sig").splitlines()
    assert lines[2].startswith("forces," + ("Збройні сили" if language == "uk" else "Armed forces"))
    assert ",'=not a formula," in lines[2] and lines[2].endswith("/indicators/forces/")
    assert lines[1].startswith("losses,Losses,persons,")


def _counting(init, calls):
    def counted(self, *args, **kwargs):
        calls.append(1)
        init(self, *args, **kwargs)

    return counted


@pytest.mark.django_db
def test_ordered_by_pk_appends_pk_once():
    assert ordered_by_pk(Source.objects.order_by("title")).query.order_by == ("title", "pk")
    assert ordered_by_pk(Source.objects.order_by("title", "-pk")).query.order_by == ("title", "-pk")
    assert ordered_by_pk(Source.objects.all()).query.order_by == ("key", "pk")


def test_the_404_page_is_in_the_site_style(client, db):
    response = client.get("/plans/no-such-plan/nothing/here/at/all/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Not found" in body
    assert 'class="site-header"' in body


def test_the_500_page_renders_without_a_request_or_database():
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert "Something went wrong" in html


def test_the_header_links_every_section_that_exists(client, db):
    PlanVersionFactory()
    body = client.get("/").content.decode()
    assert 'aria-label="Sections"' in body
    assert 'href="/"' in body
    assert '<meta property="og:title"' in body


def test_the_plans_section_is_marked_current_on_plan_pages(client, db):
    version = PlanVersionFactory()
    body = client.get(version.get_absolute_url()).content.decode()
    assert 'href="/" aria-current="page">Plans</a>' in body


def test_object_addresses_follow_the_script_prefix_the_site_is_mounted_under(db):
    # Addresses are remembered between calls (pages link to hundreds of objects): never across prefixes.
    from django.urls import set_script_prefix

    source = SourceFactory(key="S77")
    assert source.get_absolute_url() == "/sources/S77/"
    set_script_prefix("/tracker/")
    try:
        assert source.get_absolute_url() == "/tracker/sources/S77/"
    finally:
        set_script_prefix("/")
    assert source.get_absolute_url() == "/sources/S77/"


def test_rows_are_loaded_in_the_order_of_their_ids_and_one_removed_meanwhile_is_left_out(db):
    from tracker.selectors.common import load_in_order

    first, second, third = SourceFactory(), SourceFactory(), SourceFactory()
    ids = [third.pk, first.pk, second.pk]
    second.delete()
    assert load_in_order(Source.objects.all(), ids) == [third, first]
