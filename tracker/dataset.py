"""The shipped dataset: TOML files in tracker/data/ loaded into the database.

The files reference each other by natural keys (source keys such as "S01", slugs, and clause keys
"<version-slug>/<number>"). Loading checks every reference before writing anything, runs each
model's full_clean(), and writes everything in one transaction, row by row so that every object
gets its history entry.
"""

import datetime
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from tracker.history import save_with_relations
from tracker.models import (
    Actor,
    Clause,
    ClauseLink,
    ClauseTarget,
    Event,
    Figure,
    Indicator,
    Party,
    Plan,
    PlanVersion,
    Position,
    Source,
    Topic,
    VersionClaim,
)
from tracker.translation import TRANSLATED_FIELDS, TRANSLATED_LANGUAGES

DATA_DIR = Path(__file__).resolve().parent / "data"
CHANGE_REASON = "Loaded from the shipped dataset"

# Which tables each file holds, in the order they are written.
FILES = {
    "sources.toml": ["source"],
    "parties.toml": ["party", "actor"],
    "evidence.toml": ["indicator", "figure"],
    "plan.toml": ["topic", "plan", "version", "claim", "clause", "link", "target"],
    "positions.toml": ["position"],
    "events.toml": ["event"],
}
TABLE_FILE = {table: name for name, tables in FILES.items() for table in tables}
WRITE_ORDER = [
    "source",
    "party",
    "actor",
    "topic",
    "indicator",
    "plan",
    "version",
    "claim",
    "clause",
    "link",
    "target",
    "figure",
    "position",
    "event",
]

# Curated models, in an order that deletes dependants before what they point at.
CURATED_MODELS = [
    Position,
    ClauseTarget,
    ClauseLink,
    VersionClaim,
    Figure,
    Event,
    Clause,
    PlanVersion,
    Plan,
    Indicator,
    Actor,
    Party,
    Topic,
    Source,
]

PUBLISHED = {"is_published": True}

# For each table: required fields, optional fields with defaults, and how references resolve.
# A reference is (field, kind, many); kinds name the registry the key is looked up in.
SPEC = {
    "source": {
        "required": ["key", "title", "publisher"],
        "optional": {
            "url": "",
            "no_url_reason": "",
            "published_on": None,
            "date_is_approximate": False,
            "date_note": "",
            "reliability": "standard",
            "notes": "",
            "language": "en",
        },
        "refs": [],
        "id": "key",
    },
    "party": {
        "required": ["slug", "name", "short_name"],
        "optional": {"kind": "state", "display_order": 100, "description": ""},
        "refs": [],
        "id": "slug",
    },
    "actor": {
        "required": ["slug", "party", "name"],
        "optional": {"role": ""},
        "refs": [("party", "party", False)],
        "id": "slug",
    },
    "topic": {
        "required": ["slug", "name"],
        "optional": {"description": ""},
        "refs": [],
        "id": "slug",
    },
    "indicator": {
        "required": ["slug", "name", "unit"],
        "optional": {"description": "", "caveat": ""},
        "refs": [],
        "id": "slug",
    },
    "plan": {
        "required": ["slug", "title"],
        "optional": {"summary": "", "coverage_note": "", **PUBLISHED},
        "refs": [],
        "id": "slug",
    },
    "version": {
        "required": ["slug", "name", "released_on"],
        "optional": {
            "released_on_note": "",
            "status": "proposed",
            "text_basis": "partial",
            "based_on": "",
            "proposed_by": [],
            "point_count": None,
            "summary": "",
            "sources": [],
            **PUBLISHED,
        },
        "refs": [("based_on", "version", False), ("proposed_by", "party", True), ("sources", "source", True)],
        "id": "slug",
    },
    "claim": {
        "required": ["version", "attribute", "value", "stated_on", "source"],
        "optional": {"claimed_by": "", "grade": "reported", "note": ""},
        "refs": [("version", "version", False), ("claimed_by", "actor", False), ("source", "source", False)],
        "id": None,
    },
    "clause": {
        "required": ["version", "number", "heading", "summary"],
        "optional": {
            "sort_order": 0,
            "text": "",
            "text_basis": "reported",
            "topics": [],
            "sources": [],
            "context_indicators": [],
            **PUBLISHED,
        },
        "refs": [
            ("version", "version", False),
            ("topics", "topic", True),
            ("sources", "source", True),
            ("context_indicators", "indicator", True),
        ],
        "id": None,
    },
    "link": {
        "required": ["from", "relation"],
        "optional": {"to": "", "to_version": "", "grade": "reported", "note": "", "source": ""},
        "refs": [
            ("from", "clause", False),
            ("to", "clause", False),
            ("to_version", "version", False),
            ("source", "source", False),
        ],
        "id": None,
    },
    "target": {
        "required": ["clause", "indicator", "comparator", "value"],
        "optional": {"label": "", "note": ""},
        "refs": [("clause", "clause", False), ("indicator", "indicator", False)],
        "id": None,
    },
    "figure": {
        "required": ["indicator", "reported_on", "claimed_by", "kind", "source"],
        "optional": {
            "value": None,
            "low": None,
            "high": None,
            "is_lower_bound": False,
            "period_start": None,
            "period_end": None,
            "period_label": "",
            "confidence": "unverified",
            "caveat": "",
            "other_sources": [],
            "from_reprint": False,
            **PUBLISHED,
        },
        "refs": [("indicator", "indicator", False), ("source", "source", False), ("other_sources", "source", True)],
        "id": None,
    },
    "position": {
        "required": ["party", "stance", "stated_on", "source"],
        "optional": {
            "actor": "",
            "clause": "",
            "version": "",
            "date_is_approximate": False,
            "quote": "",
            "quote_language": "",
            "quote_is_paraphrase": False,
            "note": "",
            "other_sources": [],
            **PUBLISHED,
        },
        "refs": [
            ("party", "party", False),
            ("actor", "actor", False),
            ("clause", "clause", False),
            ("version", "version", False),
            ("source", "source", False),
            ("other_sources", "source", True),
        ],
        "id": None,
    },
    "event": {
        "required": ["happened_on", "title"],
        "optional": {
            "ends_on": None,
            "date_is_approximate": False,
            "kind": "other",
            "description": "",
            "parties": [],
            "sources": [],
            **PUBLISHED,
        },
        "refs": [("parties", "party", True), ("sources", "source", True)],
        "id": None,
    },
}

# Tables whose text comes in Ukrainian and Russian beside English: a row may give "heading_uk",
# "summary_ru"... next to "heading" and "summary" (English, the record). Each translation is the project's
# own (the methods page says so), unless the row names a source that printed it.
TABLE_MODEL = {
    "topic": Topic,
    "plan": Plan,
    "version": PlanVersion,
    "clause": Clause,
    "party": Party,
    "actor": Actor,
    "indicator": Indicator,
    "event": Event,
}
TRANSLATED_COLUMNS = {
    table: {f"{name}_{lang}": name for name in TRANSLATED_FIELDS[model] for lang in TRANSLATED_LANGUAGES}
    for table, model in TABLE_MODEL.items()
}
for _table, _columns in TRANSLATED_COLUMNS.items():
    SPEC[_table]["optional"].update(dict.fromkeys(_columns, ""))


def translations(table, data):
    """The row's translated columns as model field values: empty ones as None (falls back to English)."""
    return {column: (data.get(column) or None) for column in TRANSLATED_COLUMNS.get(table, ())}


# Which file defines each kind of key, so a reference into a missing file can be told apart
# from a genuinely unknown key.
KIND_TABLE = {
    "source": "source",
    "party": "party",
    "actor": "actor",
    "topic": "topic",
    "indicator": "indicator",
    "version": "version",
    "clause": "clause",
}


class DatasetError(Exception):
    """The shipped files are inconsistent; the message names the file and row."""


@dataclass
class LoadResult:
    counts: dict = field(default_factory=dict)
    missing_files: list = field(default_factory=list)
    skipped_references: dict = field(default_factory=dict)

    def summary(self):
        parts = [f"{table} {count}" for table, count in self.counts.items() if count]
        lines = ["Loaded the shipped dataset: " + (", ".join(parts) if parts else "nothing") + "."]
        for name in self.missing_files:
            lines.append(f"Missing file: {name} (its tables were not loaded).")
        for name, count in self.skipped_references.items():
            lines.append(f"Skipped {count} reference(s) into the missing file {name}.")
        return "\n".join(lines)


@dataclass
class Row:
    table: str
    index: int
    data: dict

    @property
    def file(self):
        return TABLE_FILE[self.table]

    def where(self):
        ident = SPEC[self.table]["id"]
        if ident and self.data.get(ident):
            label = f"{ident}={self.data[ident]!r}"
        else:
            keys = [k for k in ("version", "number", "from", "clause", "party", "indicator", "stated_on", "title")]
            label = ", ".join(f"{k}={self.data[k]!r}" for k in keys if self.data.get(k) not in (None, ""))
        return f"{self.file}, [[{self.table}]] row {self.index}" + (f" ({label})" if label else "")


def read_files(directory=DATA_DIR):
    """Parse every dataset file that exists; return the rows by table and the names of missing files."""
    directory = Path(directory)
    rows = {table: [] for table in WRITE_ORDER}
    missing = []
    for name, tables in FILES.items():
        path = directory / name
        if not path.exists():
            missing.append(name)
            continue
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            raise DatasetError(f"{name}: not valid TOML: {error}") from error
        unknown = set(data) - set(tables)
        if unknown:
            raise DatasetError(f"{name}: unknown table(s) {', '.join(sorted(unknown))}; expected {', '.join(tables)}.")
        for table in tables:
            value = data.get(table, [])
            if table == "plan":
                value = [value] if isinstance(value, dict) else value
            if not isinstance(value, list):
                raise DatasetError(f"{name}: [[{table}]] must be an array of tables.")
            rows[table] = [Row(table, i, dict(item)) for i, item in enumerate(value, start=1)]
    return rows, missing


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _check_fields(row, errors):
    spec = SPEC[row.table]
    allowed = set(spec["required"]) | set(spec["optional"])
    for name in sorted(set(row.data) - allowed):
        errors.append(f"{row.where()}: unknown field {name!r}.")
    for name in spec["required"]:
        if row.data.get(name) in (None, ""):
            errors.append(f"{row.where()}: {name!r} is required.")
    for name, default in spec["optional"].items():
        row.data.setdefault(name, list(default) if isinstance(default, list) else default)


def _defined_keys(rows):
    """Every key the files define, by kind."""
    keys = {kind: set() for kind in KIND_TABLE}
    for kind, table in KIND_TABLE.items():
        if kind == "clause":
            keys[kind] = {f"{r.data.get('version')}/{r.data.get('number')}" for r in rows["clause"]}
        else:
            ident = SPEC[table]["id"]
            keys[kind] = {r.data.get(ident) for r in rows[table]}
    return keys


def validate(rows, missing):
    """Check fields and every cross-reference; return skipped references into missing files, or raise."""
    errors, skipped = [], {}
    for table in WRITE_ORDER:
        for row in rows[table]:
            _check_fields(row, errors)
    keys = _defined_keys(rows)
    for table in WRITE_ORDER:
        seen = set()
        ident = SPEC[table]["id"]
        for row in rows[table]:
            if ident:
                if row.data.get(ident) in seen:
                    errors.append(f"{row.where()}: duplicate {ident} {row.data[ident]!r}.")
                seen.add(row.data.get(ident))
            for name, kind, many in SPEC[table]["refs"]:
                value = row.data.get(name)
                values = _as_list(value) if many else ([value] if value not in (None, "") else [])
                if many and not isinstance(value, list):
                    errors.append(f"{row.where()}: {name!r} must be a list.")
                    continue
                for key in values:
                    if key in keys[kind]:
                        continue
                    home = TABLE_FILE[KIND_TABLE[kind]]
                    if home in missing:
                        skipped[home] = skipped.get(home, 0) + 1
                    else:
                        errors.append(f"{row.where()}: unknown {kind} {key!r} in {name!r} (not defined in {home}).")
    clause_keys = [f"{r.data.get('version')}/{r.data.get('number')}" for r in rows["clause"]]
    for row, key in zip(rows["clause"], clause_keys, strict=True):
        if clause_keys.count(key) > 1:
            errors.append(f"{row.where()}: duplicate clause {key!r}.")
    order = [r.data.get("slug") for r in rows["version"]]
    for position, row in enumerate(rows["version"]):
        based_on = row.data.get("based_on")
        if based_on and based_on in order and order.index(based_on) >= position:
            errors.append(f"{row.where()}: based_on {based_on!r} must name a version listed above it.")
    for row in rows["link"]:
        if row.data.get("to") and row.data.get("to_version"):
            if not row.data["to"].startswith(row.data["to_version"] + "/"):
                errors.append(f"{row.where()}: 'to' and 'to_version' name different versions.")
    errors += _event_source_dates(rows)
    if len(rows["plan"]) > 1:
        errors.append(f"plan.toml: holds {len(rows['plan'])} [plan] tables; the dataset ships one plan.")
    if errors:
        raise DatasetError("The dataset has errors; nothing was written.\n" + "\n".join(errors))
    return skipped


def _event_source_dates(rows):
    """Events citing a source whose inferred date falls before them (Event.sources_dated_before)."""

    def dated(data):
        published_on = data.get("published_on")
        return SimpleNamespace(
            key=data.get("key"),
            published_on=published_on if isinstance(published_on, datetime.date) else None,
            date_is_approximate=bool(data.get("date_is_approximate")),
        )

    sources = {r.data.get("key"): dated(r.data) for r in rows["source"]}
    errors = []
    for row in rows["event"]:
        happened_on = row.data.get("happened_on")
        if not isinstance(happened_on, datetime.date):
            continue
        cited = [sources[key] for key in row.data.get("sources") or [] if key in sources]
        problem = Event.describe_sources_dated_before(happened_on, cited)
        if problem:
            errors.append(f"{row.where()}: {problem}.")
    return errors


def has_content():
    """True when the database holds any curated tracker content."""
    return any(model.objects.exists() for model in CURATED_MODELS)


def clear_content():
    """Delete every curated object. The history keeps a deletion row for each: Django sends the
    delete signals object by object whenever a receiver listens, as simple-history does."""
    for model in CURATED_MODELS:
        model.objects.all().delete()


def _number(value):
    if value is None:
        return None
    return Decimal(str(value))


class _Writer:
    def __init__(self, rows):
        self.rows = rows
        self.objects = {kind: {} for kind in KIND_TABLE}
        self.counts = {table: 0 for table in WRITE_ORDER}
        self.plan = None

    def ref(self, kind, key):
        if key in (None, ""):
            return None
        return self.objects[kind].get(key)

    def refs(self, kind, keys):
        return [obj for obj in (self.objects[kind].get(key) for key in keys) if obj is not None]

    def save(self, row, obj, m2m=None):
        for column, value in translations(row.table, row.data).items():
            setattr(obj, column, value)
        try:
            obj.full_clean()
        except ValidationError as error:
            raise DatasetError(f"{row.where()}: {_describe(error)}") from error
        obj._change_reason = CHANGE_REASON
        save_with_relations(obj, {name: values for name, values in (m2m or {}).items() if values})
        self.counts[row.table] += 1
        return obj

    def write(self):
        for table in WRITE_ORDER:
            for row in self.rows[table]:
                getattr(self, f"write_{table}")(row, row.data)

    def write_source(self, row, d):
        fields = {k: d[k] for k in SPEC["source"]["required"] + list(SPEC["source"]["optional"])}
        self.objects["source"][d["key"]] = self.save(row, Source(**fields))

    def write_party(self, row, d):
        fields = {k: d[k] for k in SPEC["party"]["required"] + list(SPEC["party"]["optional"])}
        self.objects["party"][d["slug"]] = self.save(row, Party(**fields))

    def write_actor(self, row, d):
        party = self.ref("party", d["party"])
        if party is None:
            return
        actor = Actor(slug=d["slug"], party=party, name=d["name"], role=d["role"])
        self.objects["actor"][d["slug"]] = self.save(row, actor)

    def write_topic(self, row, d):
        topic = Topic(slug=d["slug"], name=d["name"], description=d["description"])
        self.objects["topic"][d["slug"]] = self.save(row, topic)

    def write_indicator(self, row, d):
        fields = {k: d[k] for k in SPEC["indicator"]["required"] + list(SPEC["indicator"]["optional"])}
        self.objects["indicator"][d["slug"]] = self.save(row, Indicator(**fields))

    def write_plan(self, row, d):
        plan = Plan(
            slug=d["slug"],
            title=d["title"],
            summary=d["summary"],
            coverage_note=d["coverage_note"],
            is_published=d["is_published"],
        )
        self.plan = self.save(row, plan)

    def write_version(self, row, d):
        if self.plan is None:
            raise DatasetError(f"{row.where()}: plan.toml has no [plan] table for the version to belong to.")
        version = PlanVersion(
            plan=self.plan,
            slug=d["slug"],
            name=d["name"],
            released_on=d["released_on"],
            released_on_note=d["released_on_note"],
            status=d["status"],
            text_basis=d["text_basis"],
            based_on=self.ref("version", d["based_on"]),
            point_count=d["point_count"],
            summary=d["summary"],
            is_published=d["is_published"],
        )
        m2m = {"proposed_by": self.refs("party", d["proposed_by"]), "sources": self.refs("source", d["sources"])}
        self.objects["version"][d["slug"]] = self.save(row, version, m2m)

    def write_claim(self, row, d):
        claim = VersionClaim(
            version=self.ref("version", d["version"]),
            attribute=d["attribute"],
            value=str(d["value"]),
            stated_on=d["stated_on"],
            claimed_by=self.ref("actor", d["claimed_by"]),
            grade=d["grade"],
            note=d["note"],
            source=self.ref("source", d["source"]),
        )
        self.save(row, claim)

    def write_clause(self, row, d):
        clause = Clause(
            version=self.ref("version", d["version"]),
            number=str(d["number"]),
            sort_order=d["sort_order"],
            heading=d["heading"],
            summary=d["summary"],
            text=d["text"],
            text_basis=d["text_basis"],
            is_published=d["is_published"],
        )
        m2m = {
            "topics": self.refs("topic", d["topics"]),
            "sources": self.refs("source", d["sources"]),
            "context_indicators": self.refs("indicator", d["context_indicators"]),
        }
        self.objects["clause"][f"{d['version']}/{d['number']}"] = self.save(row, clause, m2m)

    def write_link(self, row, d):
        from_clause, to_clause = self.ref("clause", d["from"]), self.ref("clause", d["to"])
        link = ClauseLink(
            from_clause=from_clause,
            from_version=from_clause.version,
            to_clause=to_clause,
            to_version=to_clause.version if to_clause else self.ref("version", d["to_version"]),
            relation=d["relation"],
            grade=d["grade"],
            note=d["note"],
            source=self.ref("source", d["source"]),
        )
        self.save(row, link)

    def write_target(self, row, d):
        indicator = self.ref("indicator", d["indicator"])
        if indicator is None:
            return
        target = ClauseTarget(
            clause=self.ref("clause", d["clause"]),
            indicator=indicator,
            comparator=d["comparator"],
            value=_number(d["value"]),
            label=d["label"],
            note=d["note"],
        )
        self.save(row, target)

    def write_figure(self, row, d):
        figure = Figure(
            indicator=self.ref("indicator", d["indicator"]),
            value=_number(d["value"]),
            low=_number(d["low"]),
            high=_number(d["high"]),
            is_lower_bound=d["is_lower_bound"],
            period_start=d["period_start"],
            period_end=d["period_end"],
            period_label=d["period_label"],
            reported_on=d["reported_on"],
            claimed_by=d["claimed_by"],
            kind=d["kind"],
            confidence=d["confidence"],
            caveat=d["caveat"],
            source=self.ref("source", d["source"]),
            from_reprint=d["from_reprint"],
            is_published=d["is_published"],
        )
        self.save(row, figure, {"other_sources": self.refs("source", d["other_sources"])})

    def write_position(self, row, d):
        party = self.ref("party", d["party"])
        subject = self.ref("clause", d["clause"]) or self.ref("version", d["version"])
        if party is None or subject is None:
            return
        position = Position(
            party=party,
            actor=self.ref("actor", d["actor"]),
            clause=self.ref("clause", d["clause"]),
            version=self.ref("version", d["version"]),
            stance=d["stance"],
            stated_on=d["stated_on"],
            date_is_approximate=d["date_is_approximate"],
            quote=d["quote"],
            quote_language=d["quote_language"],
            quote_is_paraphrase=d["quote_is_paraphrase"],
            note=d["note"],
            source=self.ref("source", d["source"]),
            is_published=d["is_published"],
        )
        self.save(row, position, {"other_sources": self.refs("source", d["other_sources"])})

    def write_event(self, row, d):
        event = Event(
            happened_on=d["happened_on"],
            ends_on=d["ends_on"],
            date_is_approximate=d["date_is_approximate"],
            title=d["title"],
            kind=d["kind"],
            description=d["description"],
            is_published=d["is_published"],
        )
        m2m = {"parties": self.refs("party", d["parties"]), "sources": self.refs("source", d["sources"])}
        self.save(row, event, m2m)


def _describe(error):
    if hasattr(error, "message_dict"):
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items())
    return " ".join(error.messages)


def _check_dates(rows):
    """TOML dates arrive as date objects; a quoted date is a mistake worth naming."""
    errors = []
    date_fields = {"published_on", "released_on", "stated_on", "happened_on", "ends_on", "reported_on"}
    date_fields |= {"period_start", "period_end"}
    for table in WRITE_ORDER:
        for row in rows[table]:
            for name in date_fields & set(row.data):
                value = row.data[name]
                if value is not None and not isinstance(value, datetime.date):
                    errors.append(f"{row.where()}: {name!r} must be an unquoted TOML date, not {value!r}.")
    if errors:
        raise DatasetError("The dataset has errors; nothing was written.\n" + "\n".join(errors))


# Fields of running text, where the files may cite a source by its key ("S107"); readers get its name.
PROSE_FIELDS = {"summary", "description", "note", "notes", "caveat", "date_note", "released_on_note"}
PROSE_FIELDS |= {f"{name}_{lang}" for name in set(PROSE_FIELDS) for lang in TRANSLATED_LANGUAGES}
_SOURCE_KEY = re.compile(r"\bS\d{2,3}\b")


def _source_name(data, in_brackets):
    published = data.get("published_on")
    when = f"{published.day} {published:%b %Y}" if isinstance(published, datetime.date) else "undated"
    return f"{data['publisher']}, {when}" if in_brackets else f"{data['publisher']} ({when})"


def name_cited_sources(rows):
    """Replace source keys in the rows' running text with the source's publisher and date."""
    sources = {row.data.get("key"): row.data for row in rows.get("source", []) if row.data.get("publisher")}

    def named(text):
        def replace(match):
            data = sources.get(match.group(0))
            if data is None:
                return match.group(0)
            before = text[: match.start()]
            return _source_name(data, in_brackets=before.rfind("(") > before.rfind(")"))

        return _SOURCE_KEY.sub(replace, text)

    for table_rows in rows.values():
        for row in table_rows:
            for name in PROSE_FIELDS & set(row.data):
                if isinstance(row.data[name], str):
                    row.data[name] = named(row.data[name])


def load(directory=DATA_DIR, *, replace=False):
    """Load the dataset in one transaction. With replace, delete the curated content first.

    Raises DatasetError, having written nothing, when a file is inconsistent.
    """
    rows, missing = read_files(directory)
    skipped = validate(rows, missing)
    _check_dates(rows)
    name_cited_sources(rows)
    writer = _Writer(rows)
    # The files' plain fields are English whatever language the command runs in.
    with translation.override("en"), transaction.atomic():
        if replace:
            clear_content()
        writer.write()
    counts = {table: writer.counts[table] for table in WRITE_ORDER}
    return LoadResult(counts=counts, missing_files=missing, skipped_references=skipped)
