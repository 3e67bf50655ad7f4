"""The downloadable dataset: every published row as CSV, one file per table, in a zip.

The zip holds the CSVs, ``codebook.csv`` (every column of every table: type, meaning, allowed
values, what it refers to) and ``README.md`` (version, licence, how to cite). Rows keep their
database ids, so ``import_zip`` can rebuild the same published content in an empty database.

Drafts never leave: each table starts from its ``published()`` QuerySet, link tables keep only
rows whose both ends are exported, and a reference to an unpublished row is left empty.

Languages: the data files are the same in every language (English column names and the texts as
stored), so a version names the same data whichever address it was downloaded from; the codebook's
words (types, meanings, allowed values' labels) and the README are in the language of the request.
"""

import csv
import datetime
import hashlib
import io
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from modeltranslation.fields import TranslationField
from simple_history.utils import bulk_create_with_history

from tracker.csv_cells import ENCODING, defuse_reversibly, encode, restore
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
from tracker.translation import RECORD_LANGUAGE, in_english

ZIP_NAME = "tracker-dataset.zip"
LICENCE = "CC BY 4.0"
CHANGE_REASON = "Imported from the dataset download"


@dataclass
class Table:
    name: str
    model: type
    rows: object  # callable returning the exported queryset
    description: str  # in the language of the request (gettext_lazy)
    exclude: tuple = ("is_published", "edit_version")
    through: bool = False
    parents: dict = field(default_factory=dict)  # column -> table whose exported ids it must be among

    @property
    def fields(self):
        """The model's columns under their stable (English) names, then each translation (heading_uk,
        heading_ru...) at the end, so the columns before them keep their places. A translated field's
        own column (heading) holds the English text; the duplicate heading_en is left out."""
        own, translations = [], []
        for f in self.model._meta.concrete_fields:
            if f.name in self.exclude:
                continue
            if isinstance(f, TranslationField):
                if f.language != RECORD_LANGUAGE:
                    translations.append(f)
            else:
                own.append(f)
        return own + translations

    @property
    def columns(self):
        return [f.attname for f in self.fields]


def _through(model, name):
    return model._meta.get_field(name).remote_field.through


TABLES = [
    Table("sources", Source, lambda: Source.objects.public(), gettext_lazy("Documents the facts are taken from.")),
    Table("topics", Topic, lambda: Topic.objects.public(), gettext_lazy("Subject headings clauses are filed under.")),
    Table("parties", Party, lambda: Party.objects.all(), gettext_lazy("Sides in the negotiation.")),
    Table("actors", Actor, lambda: Actor.objects.public(), gettext_lazy("People and offices speaking for a party.")),
    Table(
        "indicators",
        Indicator,
        lambda: Indicator.objects.public(),
        gettext_lazy("Measured quantities with a unit."),
    ),
    Table(
        "plans",
        Plan,
        lambda: Plan.objects.published(),
        gettext_lazy("Negotiated frameworks that go through versions."),
    ),
    Table(
        "versions",
        PlanVersion,
        lambda: PlanVersion.objects.published(),
        gettext_lazy("Texts of a plan: who proposed each, when, and how completely it is known."),
        parents={"based_on_id": "versions"},
    ),
    Table(
        "version_proposers",
        _through(PlanVersion, "proposed_by"),
        lambda: _through(PlanVersion, "proposed_by").objects.filter(planversion__in=PlanVersion.objects.published()),
        gettext_lazy("Which parties proposed which version."),
        exclude=("id",),
        through=True,
    ),
    Table(
        "version_sources",
        _through(PlanVersion, "sources"),
        lambda: _through(PlanVersion, "sources").objects.filter(planversion__in=PlanVersion.objects.published()),
        gettext_lazy("The sources for each version's text and metadata."),
        exclude=("id",),
        through=True,
    ),
    Table(
        "version_claims",
        VersionClaim,
        lambda: VersionClaim.objects.filter(version__in=PlanVersion.objects.published()),
        gettext_lazy("Sourced, disputed claims about a version's metadata (such as its number of points)."),
    ),
    Table("clauses", Clause, lambda: Clause.objects.published(), gettext_lazy("Points of a version, in order.")),
    Table(
        "clause_topics",
        _through(Clause, "topics"),
        lambda: _through(Clause, "topics").objects.filter(clause__in=Clause.objects.published()),
        gettext_lazy("Topics of each clause."),
        exclude=("id",),
        through=True,
    ),
    Table(
        "clause_sources",
        _through(Clause, "sources"),
        lambda: _through(Clause, "sources").objects.filter(clause__in=Clause.objects.published()),
        gettext_lazy("Sources for each clause's text and summary."),
        exclude=("id",),
        through=True,
    ),
    Table(
        "clause_context_indicators",
        _through(Clause, "context_indicators"),
        lambda: _through(Clause, "context_indicators").objects.filter(clause__in=Clause.objects.published()),
        gettext_lazy("Indicators that bear on a clause without being one of its numeric terms."),
        exclude=("id",),
        through=True,
    ),
    Table(
        "clause_links",
        ClauseLink,
        lambda: ClauseLink.objects.published(),
        gettext_lazy("Lineage: an earlier clause carried into a later version, or reported removed from it."),
    ),
    Table(
        "clause_targets",
        ClauseTarget,
        lambda: ClauseTarget.objects.published(),
        gettext_lazy("A clause's numeric terms, each tied to an indicator."),
    ),
    Table(
        "positions",
        Position,
        lambda: Position.objects.published(),
        gettext_lazy("A party's stance on a clause or a whole version, stated on a date."),
    ),
    Table(
        "position_other_sources",
        _through(Position, "other_sources"),
        lambda: _through(Position, "other_sources").objects.filter(position__in=Position.objects.published()),
        gettext_lazy("Further sources that agree with a position."),
        exclude=("id",),
        through=True,
    ),
    Table("figures", Figure, lambda: Figure.objects.published(), gettext_lazy("Sourced values of indicators.")),
    Table(
        "figure_other_sources",
        _through(Figure, "other_sources"),
        lambda: _through(Figure, "other_sources").objects.filter(figure__in=Figure.objects.published()),
        gettext_lazy("Further sources that corroborate a figure."),
        exclude=("id",),
        through=True,
    ),
    Table(
        "events",
        Event,
        lambda: Event.objects.published(),
        gettext_lazy("Dated happenings: summits, talks, publications."),
    ),
    Table(
        "event_parties",
        _through(Event, "parties"),
        lambda: _through(Event, "parties").objects.filter(event__in=Event.objects.published()),
        gettext_lazy("Parties taking part in each event."),
        exclude=("id",),
        through=True,
    ),
    Table(
        "event_sources",
        _through(Event, "sources"),
        lambda: _through(Event, "sources").objects.filter(event__in=Event.objects.published()),
        gettext_lazy("Sources for each event."),
        exclude=("id",),
        through=True,
    ),
]

TABLE_OF_MODEL = {table.model: table.name for table in TABLES}

_TYPES = [
    (models.BooleanField, gettext_lazy("boolean (true/false)")),
    (models.DecimalField, gettext_lazy("decimal number")),
    (models.DateTimeField, gettext_lazy("date and time (ISO 8601, UTC)")),
    (models.DateField, gettext_lazy("date (YYYY-MM-DD)")),
    (models.ForeignKey, gettext_lazy("integer id")),
    (models.AutoField, gettext_lazy("integer id")),
    (models.BigAutoField, gettext_lazy("integer id")),
    (models.IntegerField, gettext_lazy("integer")),
    (models.URLField, gettext_lazy("URL")),
    (models.SlugField, gettext_lazy("text (slug)")),
    (models.CharField, gettext_lazy("text")),
    (models.TextField, gettext_lazy("text")),
]


def _type(model_field):
    for cls, label in _TYPES:
        if isinstance(model_field, cls):
            return str(label)
    return _("text")


def _is_text(model_field):
    return isinstance(model_field, models.CharField | models.TextField)


def _sentence(text):
    text = str(text).strip()
    return text[:1].upper() + text[1:] if text else ""


# What a column holds when its model field has no help text of its own, in the codebook's language.
_COLUMN_MEANINGS = {
    "caveat": gettext_lazy("What readers must keep in mind about it."),
    "claimed_by_id": gettext_lazy("Who makes the claim."),
    "clause_id": gettext_lazy("The point."),
    "comparator": gettext_lazy("How the term compares with its value (see allowed_values)."),
    "confidence": gettext_lazy("How sure the figure is (see allowed_values)."),
    "date_is_approximate": gettext_lazy("true when the date is inferred rather than printed."),
    "date_note": gettext_lazy("A note on the date."),
    "description": gettext_lazy("A description, in the project's own words."),
    "event_id": gettext_lazy("The event."),
    "figure_id": gettext_lazy("The figure."),
    "from_clause_id": gettext_lazy("The earlier point."),
    "from_version_id": gettext_lazy("The earlier point's version."),
    "grade": gettext_lazy("How firmly it is established (see allowed_values)."),
    "happened_on": gettext_lazy("When it happened (the first day, for events over several days)."),
    "heading": gettext_lazy("The point's heading."),
    "high": gettext_lazy("The upper end of a range."),
    "indicator_id": gettext_lazy("The indicator."),
    "kind": gettext_lazy("What kind it is (see allowed_values)."),
    "low": gettext_lazy("The lower end of a range."),
    "name": gettext_lazy("The name."),
    "note": gettext_lazy("A note, in the project's own words."),
    "notes": gettext_lazy("Notes, in the project's own words."),
    "party_id": gettext_lazy("The party."),
    "plan_id": gettext_lazy("The plan."),
    "planversion_id": gettext_lazy("The version."),
    "position_id": gettext_lazy("The position."),
    "relation": gettext_lazy("How the later point relates to the earlier one (see allowed_values)."),
    "reliability": gettext_lazy("How reliable the source is (see allowed_values)."),
    "slug": gettext_lazy("The short name in the object's address."),
    "source_id": gettext_lazy("The source."),
    "stance": gettext_lazy("The stance taken (see allowed_values)."),
    "stated_on": gettext_lazy("When it was stated."),
    "status": gettext_lazy("The version's status (see allowed_values)."),
    "text_basis": gettext_lazy("How completely the text is known (see allowed_values)."),
    "title": gettext_lazy("The title."),
    "topic_id": gettext_lazy("The topic."),
    "url": gettext_lazy("The document's address."),
    "value": gettext_lazy("The value."),
    "version_id": gettext_lazy("The version."),
}


# A translated text's column in each language, described in the codebook's language.
_TRANSLATION_COLUMN = {
    "uk": gettext_lazy(
        "The %(column)s column in Ukrainian: the project's own translation of the English text. Empty while "
        "not translated (readers then see the English)."
    ),
    "ru": gettext_lazy(
        "The %(column)s column in Russian: the project's own translation of the English text. Empty while "
        "not translated (readers then see the English)."
    ),
}


def _describe(table, model_field):
    if isinstance(model_field, TranslationField):
        return _TRANSLATION_COLUMN[model_field.language] % {"column": model_field.translated_field.name}
    if model_field.primary_key:
        return _("The row's id, stable across downloads; other tables refer to it.")
    if model_field.name == "updated_at":
        return _("When the row last changed.")
    meaning = model_field.help_text or _COLUMN_MEANINGS.get(model_field.attname)
    if isinstance(model_field, models.ForeignKey):
        target = TABLE_OF_MODEL.get(model_field.related_model, model_field.related_model._meta.db_table)
        text = meaning or _("The %(name)s.") % {"name": model_field.verbose_name}
        return _sentence(text) + " " + _("Refers to %(table)s.id.") % {"table": target}
    return _sentence(meaning or f"{model_field.verbose_name}.")


def codebook_rows():
    """One row per column of every table: what it holds and which values it takes, in the active language.

    The codebook's own column names and the yes/no of ``may_be_empty`` stay the same in every language,
    like the data's columns, so a script reads any language's codebook alike."""
    rows = []
    for table in TABLES:
        for model_field in table.fields:
            choices = "; ".join(f"{value} = {label}" for value, label in (model_field.choices or []))
            rows.append(
                {
                    "table": f"{table.name}.csv",
                    "column": model_field.attname,
                    "type": _type(model_field),
                    "may_be_empty": "yes" if (model_field.null or model_field.blank) else "no",
                    "description": _describe(table, model_field),
                    "allowed_values": choices,
                }
            )
    return rows


def _cell(model_field, value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    # Text cells are defused against spreadsheet formulas; import_zip takes the guard off again.
    return defuse_reversibly(text) if _is_text(model_field) else text


def table_rows(table, exported_ids):
    """The exported rows of one table, as lists of CSV cells, in id order (one query)."""
    queryset = table.rows().order_by(*(table.columns if table.through else ["pk"]))
    raw = [list(values) for values in queryset.values_list(*table.columns)]
    if not table.through:
        exported_ids[table.name] = {row[0] for row in raw}
    for column, parent in table.parents.items():
        index = table.columns.index(column)
        for row in raw:
            if row[index] is not None and row[index] not in exported_ids.get(parent, set()):
                row[index] = None  # a reference to a draft stays empty
    fields = table.fields
    return [[_cell(model_field, value) for model_field, value in zip(fields, row, strict=True)] for row in raw]


def _csv_bytes(header, rows):
    buffer = io.StringIO()
    # Rows end in CRLF (RFC 4180): the writer then quotes every cell holding a CR or LF of its own.
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return encode(buffer.getvalue())


@dataclass
class Export:
    files: dict  # name -> bytes, CSVs and codebook
    counts: dict  # table name -> rows
    version: str
    content_hash: str
    stamp: object


def build_export(stamp=None):
    """Every table as CSV bytes, and the dataset's version: the date of its newest change plus a hash.

    The tables are read in the default language whatever the request's, so they are the same bytes
    from every address; the codebook is in the active language."""
    exported_ids = {}
    files, counts = {}, {}
    with translation.override(RECORD_LANGUAGE):
        for table in TABLES:
            rows = table_rows(table, exported_ids)
            files[f"{table.name}.csv"] = _csv_bytes(table.columns, rows)
            counts[table.name] = len(rows)
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name] + b"\0")
    content_hash = digest.hexdigest()[:12]
    codebook = codebook_rows()
    files["codebook.csv"] = _csv_bytes(list(codebook[0]), [list(row.values()) for row in codebook])
    date = (stamp or datetime.datetime.now(datetime.UTC)).date().isoformat()
    return Export(files=files, counts=counts, version=f"{date}+{content_hash}", content_hash=content_hash, stamp=stamp)


def readme(export, site_url="", data_path="/data/"):
    """The zip's README.md in the active language; ``data_path`` is the open-data page in that language."""
    tables = "\n".join(
        f"| `{table.name}.csv` | {export.counts[table.name]} | {table.description} |" for table in TABLES
    )
    values = {"version": export.version, "licence": LICENCE, "zip_name": ZIP_NAME}
    sections = [
        "# " + _("Peace-plan clause tracker: dataset"),
        _(
            "Version **%(version)s** (the date of the newest change in the data, then the first 12 hex "
            "digits of a SHA-256 hash over every CSV file: the same version always means the same data)."
        ),
        _(
            "Peace plans clause by clause: versions of each plan, their clauses and lineage, numeric terms tied "
            "to sourced figures, and every party's stated positions over time. Only published content is here; "
            "drafts never are."
        ),
        "## " + _("Files"),
        "| {} | {} | {} |\n|---|---|---|\n{}".format(_("file"), _("rows"), _("what it holds"), tables),
        _(
            "`codebook.csv` describes every column of every file: its type, whether it may be empty, what it "
            "means, the values it takes, and which table an id refers to. Rows keep their ids across downloads, "
            "so files join on `*_id` columns. Text columns keep their English names and hold the English text; "
            "where the site shows a text in Ukrainian or Russian too, the translation follows at the end of the "
            "row in a column named after it with `_uk` or `_ru` (`heading_uk`, `heading_ru`), empty while not "
            "yet translated. The translations are the project's own unless `codebook.csv` says otherwise. "
            "Text cells that begin with `=`, `+`, `-`, `@`, a tab or a carriage "
            "return are written with a leading apostrophe (`'`) so spreadsheet programs do not run them as "
            "formulas, and so are cells whose text itself begins with an apostrophe followed by one of those (or "
            "by another apostrophe); remove that one apostrophe to get the original text. Rows end in CRLF, and "
            "a cell holding a line break is quoted. Every CSV file is UTF-8 and starts with a byte-order mark, "
            "so spreadsheet programs show Cyrillic and typographic quotes as written."
        ),
        _(
            "The data files are the same whichever language the download was made in: their column names are "
            "English and their texts are as the tracker stores them. This README and the descriptions in "
            "`codebook.csv` are in the language of the page the download came from."
        ),
        "## " + _("Licence"),
        _(
            "The curation (selection, structure, summaries, lineage and coding) is published under the "
            "Creative Commons Attribution 4.0 International licence (%(licence)s):"
        )
        + "\nhttps://creativecommons.org/licenses/by/4.0/",
        _(
            "Quotations and figures remain the work of their sources, credited in `sources.csv`; their own "
            "rights and terms apply to them."
        ),
        "## " + _("How to cite"),
        _("Peace-plan clause tracker. *Peace plans clause by clause: dataset*, version %(version)s.")
        + "\n"
        + (site_url + data_path if site_url else _("(the site's address)") + data_path),
        "## " + _("Re-import"),
        _("`python manage.py import_dataset_zip %(zip_name)s` rebuilds this content in an empty database."),
    ]
    return "\n\n".join(section % values if "%(" in section else section for section in sections) + "\n"


def build_zip(export, site_url="", data_path="/data/"):
    """The zip's bytes; entries carry the data's date, so the same data gives the same file."""
    stamp = export.stamp or datetime.datetime(1980, 1, 1, tzinfo=datetime.UTC)
    date_time = stamp.astimezone(datetime.UTC).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entries = {"README.md": readme(export, site_url, data_path).encode("utf-8"), **export.files}
        for name, content in entries.items():
            info = zipfile.ZipInfo(f"tracker-dataset/{name}", date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


class ImportRefused(Exception):
    pass


# How many of a refused import's errors the message lists.
ERRORS_SHOWN = 50


def _parse(model_field, text):
    if text == "":
        return None if model_field.null else ""
    if isinstance(model_field, models.BooleanField):
        if text not in ("true", "false"):
            raise ValidationError("Write true or false.")
        return text == "true"
    if _is_text(model_field):
        return restore(text)
    if isinstance(model_field, models.DateTimeField):
        value = parse_datetime(text)
        if value is None:
            raise ValidationError("Write a date and time in ISO 8601, such as 2025-11-21T10:00:00+00:00.")
        return value
    return model_field.to_python(text)


def _read_tables(archive):
    names = {name.rsplit("/", 1)[-1]: name for name in archive.namelist()}
    data = {}
    for table in TABLES:
        name = f"{table.name}.csv"
        if name not in names:
            raise ImportRefused(f"The zip has no {name}; is it a tracker dataset download?")
        reader = csv.reader(io.TextIOWrapper(archive.open(names[name]), encoding=ENCODING, newline=""))
        try:
            header = next(reader, None)
            if header != table.columns:
                raise ImportRefused(f"{name} has columns {header}, expected {table.columns}.")
            data[table.name] = list(reader)
        except (UnicodeDecodeError, csv.Error) as error:
            raise ImportRefused(f"{name} is not a readable UTF-8 CSV file: {error}") from None
    return data


def _messages(error):
    if hasattr(error, "message_dict"):
        return [
            f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages)
            for name, messages in error.message_dict.items()
        ]
    return [" ".join(error.messages)]


def _build_row(table, cells, ids):
    """The row's object, checked as an editor's form would check it, and what is wrong with it."""
    if len(cells) != len(table.fields):
        return None, [f"has {len(cells)} cells, expected {len(table.fields)}"]
    values, problems = {}, []
    for model_field, cell in zip(table.fields, cells, strict=True):
        try:
            values[model_field.attname] = _parse(model_field, cell)
        except (ValidationError, ValueError) as error:
            problems.append(f"{model_field.attname}: {' '.join(getattr(error, 'messages', [str(error)]))}")
    if problems:
        return None, problems
    references = [f for f in table.fields if isinstance(f, models.ForeignKey)]
    for model_field in references:
        value, target = values[model_field.attname], TABLE_OF_MODEL.get(model_field.related_model)
        if value is not None and target is not None and value not in ids.get(target, set()):
            problems.append(f"{model_field.attname}: no row with id {value} in {target}.csv")
    obj = table.model(**values)
    if "is_published" in table.exclude and hasattr(obj, "is_published"):
        obj.is_published = True
    # As full_clean() would, but references are checked above against the zip's own ids rather than
    # the database, and the database itself refuses rows breaking a constraint or a uniqueness rule
    # when the file is written (the models' clean() mirrors the constraints, naming the row).
    try:
        obj.clean_fields(exclude=[f.name for f in references])
    except ValidationError as error:
        problems += _messages(error)
    try:
        obj.clean()
    except ValidationError as error:
        problems += _messages(error)
    except ObjectDoesNotExist:
        pass  # clean() looked up a row the import refused: that row's error is reported
    return obj, problems


def _write(table, objs, updated_at):
    if table.through:
        table.model.objects.bulk_create(objs)
    else:
        bulk_create_with_history(objs, table.model, default_change_reason=CHANGE_REASON)
    if objs and "updated_at" in table.columns:
        # bulk_create stamps auto_now fields with the present; put the dataset's dates back.
        for obj, value in zip(objs, updated_at, strict=True):
            obj.updated_at = value
        table.model.objects.bulk_update(objs, ["updated_at"], batch_size=500)


@in_english
def import_zip(fileobj):
    """Rebuild the published content of a dataset zip in an empty database; returns rows per table.

    Every row is checked as the admin's forms and the database would check it (values, choices,
    addresses, dates, the models' own rules, references to rows of the zip); any mistake refuses
    the whole import, and ImportRefused names each file, row and column at fault.
    """
    from tracker.dataset import has_content

    if has_content():
        raise ImportRefused(
            "The database already holds tracker content. The import only fills an empty database, "
            "so that ids stay those of the download: use a new database, or empty this one first."
        )
    with zipfile.ZipFile(fileobj) as archive:
        data = _read_tables(archive)
    counts, errors, ids = {}, [], {}
    with transaction.atomic():
        for table in TABLES:
            if not table.through:
                ids[table.name] = {_id_of(cells) for cells in data[table.name]}
            objs, updated_at = [], []
            for number, cells in enumerate(data[table.name], start=1):
                obj, problems = _build_row(table, cells, ids)
                where = f"{table.name}.csv, row {number}" + ("" if table.through else f" (id {cells[0]})")
                errors += [f"{where}: {problem}" for problem in problems]
                if obj is not None:
                    objs.append(obj)
                    updated_at.append(getattr(obj, "updated_at", None))
            if errors:
                continue  # nothing more is written, but every row is still checked
            try:
                with transaction.atomic():
                    _write(table, objs, updated_at)
            except IntegrityError as error:
                errors.append(f"{table.name}.csv: the database refused its rows: {error}")
            counts[table.name] = len(objs)
        if errors:
            shown = errors[:ERRORS_SHOWN]
            if len(errors) > ERRORS_SHOWN:
                shown.append(f"... and {len(errors) - ERRORS_SHOWN} more.")
            # Raised inside the transaction: whatever was written is rolled back.
            raise ImportRefused("The zip has errors; nothing was imported.\n" + "\n".join(shown))
        _reset_sequences()
    return counts


def _id_of(cells):
    try:
        return int(cells[0])
    except (IndexError, ValueError):
        return None


def _reset_sequences():
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), [t.model for t in TABLES if not t.through])
    statements += connection.ops.sequence_reset_sql(no_style(), [t.model for t in TABLES if t.through])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
