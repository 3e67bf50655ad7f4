"""schema.org JSON-LD for search engines and fact-checking tools: the dataset, and each figure and position as a Claim.

Plain dictionaries, built from objects a page has already loaded (no query of their own); templates write
them with ``{% json_ld %}``, which escapes them so that no text an editor typed can end the script element.
Every type and property used here is checked against the schema.org vocabulary in tests/test_structured_data.py.
"""

from django.urls import reverse

CONTEXT = "https://schema.org"
SITE_NAME = "Peace-plan clause tracker"
DATASET_NAME = "Peace plans clause by clause: dataset"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"

# The lists readers can download as CSV (?format=csv), each the page's own rows.
CSV_LISTS = [
    ("tracker:plan-list", "plans.csv", "Every plan and its versions"),
    ("tracker:party-list", "parties.csv", "The parties and their latest stances"),
    ("tracker:indicator-list", "indicators.csv", "The indicators and their latest figures"),
    ("tracker:source-list", "sources.csv", "Every published source"),
    ("tracker:timeline", "timeline.csv", "Positions and events by date"),
    ("tracker:convergence", "convergence.csv", "How far apart the parties stand on each point"),
    ("tracker:flags", "flags.csv", "Figures that cannot all be true, with their arithmetic"),
]


def graph(nodes):
    """One JSON-LD document holding ``nodes``, or None when there is nothing to describe."""
    nodes = [node for node in nodes if node]
    return {"@context": CONTEXT, "@graph": nodes} if nodes else None


def _publisher(absolute):
    return {"@type": "Organization", "name": SITE_NAME, "url": absolute("/")}


def dataset(absolute, *, zip_name, stamp=None, description=""):
    """The data page's Dataset: the zip, each list's CSV and the JSON API as its distributions."""
    distribution = [
        {
            "@type": "DataDownload",
            "name": zip_name,
            "description": "One CSV file per table, a codebook and a README with the version and citation.",
            "encodingFormat": "application/zip",
            "contentUrl": absolute(reverse("tracker:dataset-zip")),
        }
    ]
    for name, filename, what in CSV_LISTS:
        distribution.append(
            {
                "@type": "DataDownload",
                "name": filename,
                "description": what,
                "encodingFormat": "text/csv",
                "contentUrl": absolute(reverse(name) + "?format=csv"),
            }
        )
    distribution.append(
        {
            "@type": "DataDownload",
            "name": "JSON API",
            "description": "Read-only, with the pages' filters and ?as_of=YYYY-MM-DD; documented at "
            + absolute(reverse("api:docs")),
            "encodingFormat": "application/json",
            "contentUrl": absolute("/api/v1/"),
        }
    )
    node = {
        "@type": "Dataset",
        "@id": absolute(reverse("tracker:data")) + "#dataset",
        "name": DATASET_NAME,
        "description": description,
        "url": absolute(reverse("tracker:data")),
        "license": LICENCE_URL,
        "isAccessibleForFree": True,
        "creator": _publisher(absolute),
        "publisher": _publisher(absolute),
        "inLanguage": "en",
        "distribution": distribution,
    }
    if stamp:
        node["dateModified"] = stamp.isoformat()
    return node


def _appearance(source, absolute):
    """The source a claim appears in, as a CreativeWork (its own address when it has one)."""
    node = {
        "@type": "CreativeWork",
        "name": source.title,
        "publisher": {"@type": "Organization", "name": source.publisher},
        "sameAs": absolute(source.get_absolute_url()),
    }
    if source.url:
        node["url"] = source.url
    if source.published_on:
        node["datePublished"] = source.published_on.isoformat()
    return node


def figure_claim(figure, absolute):
    """A figure as a Claim: who states it, when it was made public and where (needs its indicator and source)."""
    indicator = figure.indicator
    period = f" ({figure.period_label})" if figure.period_label else ""
    address = absolute(figure.get_absolute_url())
    return {
        "@type": "Claim",
        "@id": address,
        "url": address,
        "name": f"{indicator.name}: {figure.display_value} {indicator.unit}{period}",
        "text": f"{figure.claimed_by}: {indicator.name}, {figure.display_value} {indicator.unit}{period}.",
        # Who states a figure is recorded as the source names them, mostly an office or a body.
        "author": {"@type": "Organization", "name": figure.claimed_by},
        "datePublished": figure.reported_on.isoformat(),
        "appearance": _appearance(figure.source, absolute),
    }


def position_claim(position, absolute):
    """A position as a Claim: a party's stance on a point or version (needs its party, actor, subject, source)."""
    party = {"@type": "Organization", "name": position.party.name, "url": absolute(position.party.get_absolute_url())}
    if position.actor_id:
        actor = position.actor
        author = {"@type": "Person", "name": actor.name, "affiliation": party}
        if actor.role:
            author["jobTitle"] = actor.role
    else:
        author = party
    subject = position.subject_words(with_heading=True)
    address = absolute(position.get_absolute_url())
    node = {
        "@type": "Claim",
        "@id": address,
        "url": address,
        "name": f"{position.party.name}: {position.get_stance_display().lower()}, on {subject}",
        "author": author,
        "datePublished": position.stated_on.isoformat(),
        "appearance": _appearance(position.source, absolute),
    }
    if position.quote:
        node["text"] = position.quote
    return node
