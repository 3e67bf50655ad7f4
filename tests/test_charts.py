import datetime
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from tests.factories import ClauseTargetFactory, FigureFactory, IndicatorFactory, SourceFactory
from tracker.charts import PHONE, date_ticks, figure_chart, nice_ticks
from tracker.models import FigureKind
from tracker.numbers import compact as compact_number
from tracker.numbers import grouped as format_number

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg):
    return ET.fromstring(str(svg))


def test_nice_ticks_cover_the_range_with_a_round_step():
    ticks = nice_ticks(0, 812_000)
    assert ticks[0] == 0
    assert ticks[-1] >= 812_000
    steps = {round(b - a, 6) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert steps == {200_000}


def test_nice_ticks_survive_a_single_value():
    ticks = nice_ticks(5, 5)
    assert ticks[0] <= 5 <= ticks[-1]
    assert len(ticks) >= 2


def test_date_ticks_use_month_starts_over_long_spans_and_days_over_short_ones():
    long = date_ticks(datetime.date(2022, 2, 24), datetime.date(2025, 11, 20))
    assert all(tick.day == 1 for tick in long)
    assert 2 <= len(long) <= 8
    short = date_ticks(datetime.date(2025, 11, 10), datetime.date(2025, 11, 30))
    assert short[0] == datetime.date(2025, 11, 10)
    assert short[-1] <= datetime.date(2025, 11, 30)
    assert len(short) <= 7


def test_numbers_get_thousands_separators_and_lose_trailing_zeros():
    assert format_number(Decimal("800000.000")) == "800,000"
    assert format_number(Decimal("2.500")) == "2.5"


@pytest.mark.django_db
def test_no_figures_draw_no_chart():
    assert figure_chart(IndicatorFactory(), []) == ""


@pytest.mark.django_db
def test_chart_is_well_formed_svg_with_a_title_and_description_for_screen_readers():
    indicator = IndicatorFactory(name="Ukrainian armed forces personnel", unit="personnel")
    figures = [
        FigureFactory(indicator=indicator, value=Decimal("800000")),
        FigureFactory(indicator=indicator, value=Decimal("880000"), period_end=datetime.date(2025, 1, 1)),
    ]
    svg = parse(figure_chart(indicator, figures, chart_id="forces"))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "forces-title forces-desc"
    assert svg.find(f"{SVG}title").get("id") == "forces-title"
    assert svg.find(f"{SVG}title").text == "Ukrainian armed forces personnel over time (personnel)"
    description = svg.find(f"{SVG}desc").text
    assert "2 figures" in description
    assert "800,000 to 880,000 personnel" in description
    assert "01 Jan 2025 to 20 Nov 2025" in description


@pytest.mark.django_db
def test_each_kind_of_figure_gets_its_own_shape():
    indicator = IndicatorFactory()
    FigureFactory(indicator=indicator, kind=FigureKind.OFFICIAL)
    FigureFactory(indicator=indicator, kind=FigureKind.CLAIM, value=Decimal("400000"))
    FigureFactory(indicator=indicator, kind=FigureKind.ESTIMATE, value=Decimal("300000"))
    FigureFactory(indicator=indicator, kind=FigureKind.REPORTED, value=Decimal("500000"))
    figures = list(indicator.figures.select_related("source"))
    svg = parse(figure_chart(indicator, figures))
    marks = {g.get("class").split()[1]: g for g in svg.iter(f"{SVG}g") if "figure" in g.get("class", "")}
    assert marks["kind-official"].find(f"{SVG}circle") is not None
    assert marks["kind-reported"].find(f"{SVG}rect") is not None
    assert marks["kind-claim"].find(f"{SVG}polygon").get("points").count(",") == 3  # a triangle
    assert marks["kind-estimate"].find(f"{SVG}polygon").get("points").count(",") == 4  # a diamond
    legend = [t.text for g in svg.iter(f"{SVG}g") if g.get("class") == "legend" for t in g.iter(f"{SVG}text")]
    assert {"Official", "Claim", "Estimate", "Reported"} <= set(legend)


@pytest.mark.django_db
def test_a_range_gets_a_whisker_from_low_to_high_and_sources_get_distinct_colours():
    indicator = IndicatorFactory()
    first = SourceFactory(key="s-axios", publisher="Axios", published_on=datetime.date(2025, 11, 20))
    second = SourceFactory(key="s-ft", publisher="Financial Times", published_on=datetime.date(2025, 11, 21))
    point = FigureFactory(indicator=indicator, source=first, value=Decimal("800000"))
    spread = FigureFactory(
        indicator=indicator, source=second, value=None, low=Decimal("600000"), high=Decimal("1000000")
    )
    svg = parse(figure_chart(indicator, [point, spread]))
    groups = [g for g in svg.iter(f"{SVG}g") if "figure" in g.get("class", "")]
    assert groups[0].find(f"{SVG}path") is None
    whisker = groups[1].find(f"{SVG}path")
    colours = {groups[0].find(f"{SVG}rect").get("fill"), whisker.get("stroke")}
    assert len(colours) == 2
    legend_keys = [t.text for g in svg.iter(f"{SVG}g") if g.get("class") == "legend" for t in g.iter(f"{SVG}text")]
    # Sources are named by publisher and date, never by their key.
    assert "Axios, 20 Nov 2025" in legend_keys and "Financial Times, 21 Nov 2025" in legend_keys
    assert not any("s-axios" in text or "s-ft" in text for text in legend_keys)


@pytest.mark.django_db
def test_whisker_spans_exactly_the_range_on_the_value_axis():
    indicator = IndicatorFactory()
    figure = FigureFactory(indicator=indicator, value=None, low=Decimal("0"), high=Decimal("1000000"))
    svg = str(figure_chart(indicator, [figure]))
    # The y axis runs 0..1,000,000 exactly, so the whisker spans the whole plot height.
    match = re.search(r'<path d="M[\d.]+ ([\d.]+)V([\d.]+)', svg)
    bottom, top = float(match.group(1)), float(match.group(2))
    assert top == 48  # the frame's top margin, below the title
    assert bottom == 380 - 96  # the frame's height less its bottom margin


@pytest.mark.django_db
def test_clause_terms_are_drawn_as_labelled_lines():
    target = ClauseTargetFactory(value=Decimal("600000"), label="peacetime force cap")
    figure = FigureFactory(indicator=target.indicator)
    svg = figure_chart(target.indicator, [figure], targets=[target])
    assert "peacetime force cap: at most 600,000" in svg


@pytest.mark.django_db
def test_editor_text_in_the_chart_is_escaped():
    indicator = IndicatorFactory(name="<script>alert(1)</script>", unit='"><img src=x onerror=alert(1)>')
    source = SourceFactory(key="s-x", title="<script>bad()</script>")
    figure = FigureFactory(indicator=indicator, source=source, claimed_by="<b>me</b>")
    svg = str(figure_chart(indicator, [figure]))
    assert "<script>" not in svg
    assert "<img" not in svg
    assert "<b>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; over time" in svg
    parse(svg)  # still well-formed


@pytest.mark.django_db
def test_clauses_with_the_same_term_share_one_line():
    first = ClauseTargetFactory(value=Decimal("800000"), label="peacetime cap")
    second = ClauseTargetFactory(indicator=first.indicator, value=Decimal("800000"), label="peacetime cap")
    figure = FigureFactory(indicator=first.indicator)
    svg = parse(figure_chart(first.indicator, [figure], targets=[first, second]))
    lines = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "target"]
    assert len(lines) == 1
    assert lines[0].find(f"{SVG}text").text == "peacetime cap: at most 800,000 (2 points)"


@pytest.mark.django_db
def test_a_long_source_legend_wraps_and_the_chart_grows_to_fit():
    indicator = IndicatorFactory()
    figures = [
        FigureFactory(indicator=indicator, source=SourceFactory(key=f"source-{n:02d}", publisher=f"Outlet {n:02d}"))
        for n in range(15)
    ]
    svg = parse(figure_chart(indicator, figures))
    height = int(svg.get("viewBox").split()[3])
    assert height > 380
    keys = [
        (float(t.get("y")), t.text)
        for g in svg.iter(f"{SVG}g")
        if g.get("class") == "legend"
        for t in g.iter(f"{SVG}text")
        if t.text.startswith("Outlet ")
    ]
    assert len(keys) == 15
    assert len({y for y, _ in keys}) >= 2  # more than one row
    assert max(y for y, _ in keys) < height


@pytest.mark.django_db
def test_a_lower_bound_gets_an_arrow_up_so_it_does_not_read_as_exact():
    indicator = IndicatorFactory()
    over = FigureFactory(indicator=indicator, value=Decimal("21000"), is_lower_bound=True)
    exact = FigureFactory(indicator=indicator, value=Decimal("18000"))
    svg = parse(figure_chart(indicator, [over, exact]))
    groups = [g for g in svg.iter(f"{SVG}g") if "figure" in g.get("class", "")]
    assert [g.find(f"{SVG}path[@class='lower-bound']") is not None for g in groups] == [True, False]
    assert groups[0].find(f"{SVG}title").text.startswith("over 21,000")


@pytest.mark.django_db
def test_figures_for_the_same_date_stand_side_by_side_instead_of_hiding_one_another():
    indicator = IndicatorFactory()
    figures = [FigureFactory(indicator=indicator, value=Decimal(v)) for v in ("21000", "21500", "22000")]
    svg = parse(figure_chart(indicator, figures))
    xs = [float(g.find(f"{SVG}rect").get("x")) for g in svg.iter(f"{SVG}g") if "figure" in g.get("class", "")]
    assert len(set(xs)) == 3
    assert max(xs) - min(xs) == 28  # 14 pixels apart, centred on the date


@pytest.mark.django_db
def test_the_chart_carries_its_title_units_and_a_source_line_with_the_licence_inside_the_svg():
    indicator = IndicatorFactory(name="Ukrainian armed forces personnel", unit="personnel")
    figure = FigureFactory(indicator=indicator, source=SourceFactory(publisher="Axios"))
    svg = parse(figure_chart(indicator, [figure], page_url="https://tracker.example.org/indicators/x/"))
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert texts[0] == "Ukrainian armed forces personnel over time (personnel)"
    credit = " ".join(t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "credit")
    assert "Source: https://tracker.example.org/indicators/x/." in credit and "CC BY 4.0" in credit
    assert max(float(t.get("y", 0)) for t in svg.iter(f"{SVG}text")) < int(svg.get("viewBox").split()[3])


@pytest.mark.django_db
def test_a_phone_width_chart_is_narrow_with_short_axis_labels_and_every_label_inside_it():
    indicator = IndicatorFactory(name="A quantity with quite a long name measured over the years", unit="personnel")
    figures = [
        FigureFactory(indicator=indicator, value=Decimal("1200000"), period_end=datetime.date(2022, 1, 1)),
        FigureFactory(indicator=indicator, value=Decimal("800000")),
    ]
    svg = parse(figure_chart(indicator, figures, frame=PHONE))
    assert svg.get("viewBox").split()[2] == "360"
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert {"0", "500k", "1M", "1.5M"} <= set(texts)
    assert len(texts[0]) <= 38 and texts[1].endswith("…")  # a long title takes two lines at most
    assert all(float(t.get("x", 0)) <= 360 for t in svg.iter(f"{SVG}text"))
    assert compact_number(Decimal("850000")) == "850k" and compact_number(12) == "12"
