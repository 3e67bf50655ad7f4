"""Figures that cannot all be true: each rule and its arithmetic, on the indicator page, the list, CSV and API."""

import csv
import datetime
import io
from decimal import Decimal

import pytest

from tests import factories as f
from tracker import models
from tracker.selectors.flags import (
    FAR_FROM_OFFICIAL,
    FLIPS_GAP,
    OUTSIDE_RANGE,
    consistency_flags,
)

K = models.FigureKind
DAY = datetime.date(2025, 11, 20)


@pytest.fixture
def forces(db):
    indicator = f.IndicatorFactory(slug="ua-forces", name="Ukrainian armed forces personnel")
    official = f.FigureFactory(indicator=indicator, value=Decimal("800000"), kind=K.OFFICIAL, claimed_by="Ministry")
    claim = f.FigureFactory(indicator=indicator, value=Decimal("900000"), kind=K.CLAIM, claimed_by="An MP")
    near = f.FigureFactory(indicator=indicator, value=Decimal("850000"), kind=K.ESTIMATE, claimed_by="Think tank")
    ranged = f.FigureFactory(
        indicator=indicator, value=None, low=Decimal("820000"), high=Decimal("880000"), kind=K.REPORTED
    )
    # Another period: never compared.
    f.FigureFactory(indicator=indicator, value=Decimal("2000000"), kind=K.CLAIM, period_end=datetime.date(2024, 1, 1))
    # A draft: never compared, never flagged.
    f.FigureFactory(indicator=indicator, value=Decimal("5"), kind=K.CLAIM, is_published=False)
    f.ClauseTargetFactory(indicator=indicator, value=Decimal("850000"), clause__number="6")
    return {
        "indicator": indicator,
        "official": official,
        "claim": claim,
        "near": near,
        "range": ranged,
    }


def rules_on(flags, figure):
    return sorted(flag.rule for flag in flags if flag.figure.pk == figure.pk)


def test_each_rule_fires_on_the_figures_it_is_about_and_no_others(forces):
    flags = consistency_flags()
    assert rules_on(flags, forces["claim"]) == [FAR_FROM_OFFICIAL, FLIPS_GAP, OUTSIDE_RANGE]
    assert rules_on(flags, forces["near"]) == []  # 50,000 is 6.3% of 800,000: within the 10%
    assert rules_on(flags, forces["official"]) == [OUTSIDE_RANGE]
    assert len({flag.figure.pk for flag in flags}) == 2


def test_the_arithmetic_of_a_range_and_a_flipped_gap_is_shown(forces):
    flags = {(flag.rule, flag.figure.pk): flag for flag in consistency_flags()}
    outside = flags[OUTSIDE_RANGE, forces["official"].pk]
    assert outside.arithmetic.startswith("800,000 is outside the range 820,000–880,000")
    assert "below the low end: 820,000 − 800,000 = 20,000 short" in outside.arithmetic
    flip = flags[FLIPS_GAP, forces["claim"].pk]
    assert "“at most 850,000”" in flip.arithmetic
    assert "900,000 misses it, while the official 800,000 (Ministry, 21 Nov 2025) meets it" in flip.arithmetic


def test_a_difference_beyond_the_threshold_is_flagged(forces):
    forces["near"].value = Decimal("690000")  # 13.8% below 800,000
    forces["near"].save()
    flag = next(flag for flag in consistency_flags() if flag.figure.pk == forces["near"].pk)
    assert flag.arithmetic.startswith("690,000 − 800,000 = -110,000: 13.8% below the official 800,000")


def test_the_list_filters_and_refuses_bad_input(client, forces):
    body = client.get("/flags/?rule=outside-range").content.decode()
    assert "<h3>Outside another figure" in body and "<h3>Far from the official" not in body
    for query, message in [("rule=nonsense", "no rule"), ("indicator=nothing", "no indicator"), ("as_of=x", "YYYY")]:
        response = client.get(f"/flags/?{query}")
        assert response.status_code == 400 and message in response.content.decode(), query
    assert "No check raised a flag" in client.get("/flags/?as_of=2025-11-01").content.decode()


def test_the_csv_and_the_api_give_the_same_flags(client, forces):
    response = client.get("/flags/?format=csv&rule=far-from-official")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [(r["value"], r["compared_with_value"], r["claimed_by"]) for r in rows] == [("900,000", "800,000", "An MP")]
    data = client.get("/api/v1/flags/?rule=far-from-official").json()["results"]
    assert [(item["value"], item["compared_with"]) for item in data] == [("900,000", forces["official"].pk)]
    assert client.get("/api/v1/flags/?rule=nonsense").status_code == 400


def test_the_api_gives_the_convergence_of_every_point(client, db):
    clause = f.ClauseFactory(number="6", version__slug="28-point", version__plan__slug="us-framework")
    f.PositionFactory(clause=clause, stance=models.Stance.SUPPORTS)
    f.PositionFactory(clause=clause, stance=models.Stance.REJECTS)
    other = f.ClauseFactory(version=clause.version, number="7")
    data = client.get("/api/v1/convergence/?version=us-framework/28-point").json()["results"]
    assert [(item["point"], item["spread"], item["parties_recorded"], item["label"]) for item in data] == [
        ("6", 4, 2, "four steps apart"),
        (other.number, None, 0, "not enough positions recorded"),
    ]
    assert {s["stance"] for s in data[0]["stances"]} == {"supports", "rejects"}
    response = client.get("/api/v1/convergence/?as_of=2025-13-01")
    assert response.status_code == 400 and "as_of" in response.json()["errors"]


@pytest.mark.parametrize("scale", [1, 4], ids=["1x", "4x"])
def test_flags_and_the_api_run_a_bounded_number_of_queries(client, forces, scale, django_assert_max_num_queries):
    for n in range(scale):
        f.FigureFactory(indicator=forces["indicator"], value=Decimal(700000 + n), kind=K.CLAIM)
        clause = f.ClauseFactory()
        f.PositionFactory(clause=clause)
        f.PositionFactory(clause=clause, stance=models.Stance.OPPOSES)
    client.get("/")
    ceilings = {
        "/flags/": 7,
        "/flags/?indicator=ua-forces&as_of=2025-12-01&format=csv": 7,
        "/api/v1/flags/": 6,
        "/api/v1/convergence/": 8,
        "/convergence/?format=csv": 8,
        "/indicators/ua-forces/": 6,
    }
    for url, ceiling in ceilings.items():
        with django_assert_max_num_queries(ceiling, info=url):
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200, url


def test_the_apis_give_numbered_pages_in_the_lists_order(client, forces):
    every = client.get("/api/v1/flags/?page_size=200").json()
    assert every["count"] == len(every["results"]) == 4 and every["next"] is None
    first = client.get("/api/v1/flags/?page_size=3").json()
    second = client.get(first["next"]).json()
    assert first["count"] == 4 and len(first["results"]) == 3 and second["results"] == every["results"][3:]
    assert first["results"] == every["results"][:3]
    assert client.get("/api/v1/flags/?page=9").status_code == 404
    assert client.get("/api/v1/convergence/?page_size=x").status_code == 400


def test_a_filter_with_a_long_list_of_choices_takes_the_address_typed(client, forces, settings, monkeypatch):
    from tracker import forms

    page = client.get("/flags/").content.decode()
    assert '<select name="indicator"' in page and 'value="ua-forces"' in page
    monkeypatch.setattr(forms, "LONG_LIST", 0)
    page = client.get("/flags/?indicator=ua-forces").content.decode()
    assert '<select name="indicator"' not in page and 'name="indicator" value="ua-forces"' in page
    assert "Far from the official figure" in page
    assert "no indicator" in client.get("/flags/?indicator=nothing").content.decode()
    assert '<select name="version"' not in client.get("/convergence/").content.decode()
