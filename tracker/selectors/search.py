"""Search across points, positions and their quotes, figures, indicators, sources and events.

Each word must appear (in any of a kind's fields); only published content is searched. Without
a kind, each kind gives its first few matches and a count (one query each); with one, its
matches are paged by the page.

Translated text is searched in every language (heading_en, heading_uk, heading_ru), so a point is found
from its Ukrainian or Russian wording on any page. Numbers are found however they are written, the
local ways included ("600 000" with a no-break space, "600 тис.", "600 тыс.", "1,2 млн").
"""

import difflib
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, reduce
from operator import and_, or_

from django.db import connection
from django.db.models import Count, Expression, Q, TextField, Window
from django.db.models.expressions import Col
from django.db.models.lookups import Contains
from django.utils.translation import gettext_lazy as _
from modeltranslation.fields import TranslationField

from tracker.models import Actor, Clause, Event, Figure, Indicator, Party, Position, Source, Topic
from tracker.translation import ALL_LANGUAGES, TRANSLATED_FIELDS

# How a number's size is written after it: English, Ukrainian ("тис.", "млн", "млрд") and Russian ("тыс.").
_SCALE_WORDS = r"[km]|bn|mn|million|billion|thousand|тис|тыс|млн|млрд"
_NUMBER = re.compile(r"^(\d{1,3}(?:[,\u202f\u00a0 ]\d{3})+|\d+)(?:[.](\d+))?\s*(" + _SCALE_WORDS + r")?\.?$", re.I)
# "1,2 млн": in Ukrainian and Russian the comma is the decimal mark.
_LOCAL_DECIMAL = re.compile(r"^(\d+),(\d{1,2})\s*(тис|тыс|млн|млрд)\.?$", re.I)
# "800 000": a number's digit groups are one word, not two.
_SPACED_GROUPS = re.compile(r"(?<=\d)[ \u202f\u00a0](?=\d{3}\b)")
# "600 тис." and "600 thousand": the number and its size are one word (a lone "m" or "k" after a space is
# left alone: "600 m" may be metres).
_SPACED_SCALE = re.compile(
    r"(?<=\d)[ \u202f\u00a0]+(?=(?:bn|mn|million|billion|thousand|тис|тыс|млн|млрд)\.?(?:\s|$))", re.I
)
_SCALES = {"k": 1000, "thousand": 1000, "m": 10**6, "mn": 10**6, "million": 10**6, "bn": 10**9, "billion": 10**9}
_SCALES |= {"тис": 1000, "тыс": 1000, "млн": 10**6, "млрд": 10**9}


def parse_number(word):
    """The number a search word stands for, however written (600000, 600,000, 600k, 1.2m), or None."""
    local = _LOCAL_DECIMAL.match(word.strip())
    if local:
        whole, fraction, scale = local.groups()
        return (Decimal(f"{whole}.{fraction}") * _SCALES[scale.lower()]).normalize()
    match = _NUMBER.match(word.strip())
    if not match:
        return None
    whole, fraction, scale = match.groups()
    digits = re.sub(r"\D", "", whole)
    if len(digits) > 15:
        return None
    number = Decimal(digits + (f".{fraction}" if fraction else ""))
    if scale:
        number *= _SCALES[scale.lower()]
    elif fraction and len(fraction) == 3 and "," not in whole:
        return None  # "600.000" may be a European grouping or a decimal: too ambiguous to widen
    return number.normalize() if number == number.to_integral_value() else number


def number_spellings(number):
    """The ways a number is written in running text, to find it in summaries, quotes and captions."""
    if number != number.to_integral_value():
        return [f"{number:f}"]
    n = int(number)
    spellings = {str(n), f"{n:,}"} | {f"{n:,}".replace(",", space) for space in (" ", "\u202f", "\u00a0")}
    scales = (
        (10**9, ("bn", " billion"), (" млрд",)),
        (10**6, ("m", " million"), (" млн",)),
        (1000, ("k", " thousand"), (" тис", " тыс")),
    )
    for size, suffixes, local_suffixes in scales:
        if n >= size and n % (size // 10) == 0:
            short = f"{n / size:.1f}".rstrip("0").rstrip(".")
            spellings.update(short + suffix for suffix in suffixes)
            spellings.update(short.replace(".", ",") + suffix for suffix in local_suffixes)
            break
    return sorted(spellings)


@cache
def search_columns(model, path):
    """The columns a field is searched in: a translated field's column in every language, others as they are."""
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    field = model._meta.get_field(name)
    if name in TRANSLATED_FIELDS.get(model, ()) and not isinstance(field, TranslationField):
        return tuple(f"{path}_{language}" for language in ALL_LANGUAGES)
    return (path,)


def case_variants(word):
    """The word as typed, in lower case, capitalised and in capitals. SQLite compares letters beyond ASCII
    case-sensitively, so "амністія" would miss "Амністія"; PostgreSQL needs none of these but loses nothing."""
    if word.isascii():
        return [word]
    return list(dict.fromkeys([word, word.lower(), word.capitalize(), word.upper()]))


def ascii_lower(text):
    """The text with its ASCII letters in lower case and every other letter as it was (SQL's lower() in a
    database whose locale knows only ASCII case)."""
    return "".join(char.lower() if char.isascii() else char for char in text)


_SEARCH_TEXT_FIELD = TextField()
_SEARCH_TEXT_FIELD.set_attributes_from_name("search_text")


class SearchText(Expression):
    """The row's stored search text: a generated column on PostgreSQL only (migration 0015), unknown to
    the models so that no page reads it, and read here from the query's own table."""

    output_field = _SEARCH_TEXT_FIELD

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        return Col(query.get_initial_alias(), _SEARCH_TEXT_FIELD)


# The tables that have the stored search text on PostgreSQL, and the fields it holds (each language's column of
# a translated one, lower-cased, one per line), as migration 0015 wrote them: a kind's own searched fields.
SEARCH_TEXT_TABLES = {
    "tracker_clause": ("number", "heading", "summary", "text"),
    "tracker_position": ("quote", "note"),
    "tracker_figure": ("claimed_by", "caveat", "period_label"),
    "tracker_indicator": ("name", "unit", "description", "caveat"),
    "tracker_source": ("key", "title", "publisher", "notes"),
    "tracker_event": ("title", "description"),
}


def uses_search_text():
    return connection.vendor == "postgresql"


def _text_condition(model, fields, variants):
    """Any of the model's own ``fields`` holds one of the variants (paths through relations allowed)."""
    own = [field for field in fields if "__" not in field]
    conditions = []
    if own and uses_search_text() and set(own) == set(SEARCH_TEXT_TABLES.get(model._meta.db_table, ())):
        # The stored text is lower case as the database writes it: as Python does, or ASCII letters only.
        patterns = dict.fromkeys([v.lower() for v in variants] + [ascii_lower(v) for v in variants])
        conditions += [Q(Contains(SearchText(), pattern)) for pattern in patterns]
        fields = [field for field in fields if "__" in field]
    columns = [column for field in fields for column in search_columns(model, field)]
    conditions += [Q(**{f"{column}__icontains": v}) for column in columns for v in variants]
    return reduce(or_, conditions, Q(pk__in=[]))


def _numeric_paths(kind, relation):
    return [f.partition("__")[2] for f in kind.numeric_fields if f.startswith(relation + "__")]


MAX_QUERY_LENGTH = 200
MAX_WORDS = 10
PREVIEW = 5


@dataclass(frozen=True)
class Kind:
    slug: str
    label: str
    fields: tuple
    ordering: tuple
    columns: tuple = ()

    def queryset(self):
        return _QUERYSETS[self.slug]()

    @property
    def model(self):
        return _MODELS[self.slug]

    numeric_fields: tuple = ()  # number fields a number in the query may equal exactly

    def word_condition(self, word):
        """Any of the kind's fields holds the word; a number matches however it is written (600000, 600,000, 600k).

        The row's own fields are compared in one subquery, and each related row's (a party's name, a point's
        terms) in one of its own, so that the database reads each table once and never compares a long text
        once per joined row. On PostgreSQL the own fields are one stored lower-cased text (``SearchText``),
        which a trigram index finds rows in, where comparing each column in upper case took a second at 100
        times the data.
        """
        number = parse_number(word)
        variants = number_spellings(number) if number is not None else case_variants(word)
        model = self.model
        own, related = [], {}
        for field in (*self.fields, *(self.numeric_fields if number is not None else ())):
            first, _, rest = field.partition("__")
            if rest:
                related.setdefault(first, []).append(rest)
            elif field not in self.numeric_fields:
                own.append(field)
        own_condition = _text_condition(model, own, variants)
        if number is not None:
            own_condition = reduce(or_, (Q(**{f: number}) for f in self.numeric_fields if "__" not in f), own_condition)
        condition = Q(pk__in=model._default_manager.filter(own_condition).values("pk"))
        for name, paths in related.items():
            relation = model._meta.get_field(name)
            other = relation.related_model
            texts = [path for path in paths if path not in _numeric_paths(self, name)]
            found = _text_condition(other, texts, variants)
            if number is not None:
                found = reduce(or_, (Q(**{path: number}) for path in _numeric_paths(self, name)), found)
            rows = other._default_manager.filter(found)
            if relation.many_to_one:  # a position's party: the parties that match
                condition |= Q(**{f"{name}__in": rows.values("pk")})
            else:  # a point's terms: the points of the terms that match
                condition |= Q(pk__in=rows.values(relation.field.name))
        return condition

    def matching(self, words):
        condition = reduce(and_, (self.word_condition(word) for word in words))
        queryset = self.queryset()
        if self.slug in _ROW_BY_ROW:
            # Whether a source is public is a question about every published row that cites it: asked of all
            # sources at once, then looked up (0.1-0.2 s at 100 times the data, however few sources match),
            # or asked of each matching source (an index lookup or two each). A first query finds the matches
            # by their words; when they are few, only they are asked about.
            few = list(self.model._default_manager.filter(condition).values_list("pk", flat=True)[: FEW_ROWS + 1])
            if len(few) <= FEW_ROWS:
                queryset, condition = _ROW_BY_ROW[self.slug](), Q(pk__in=few)
        return queryset.filter(condition).order_by(*self.ordering)

    def preview(self, words, size=PREVIEW):
        """The first ``size`` matches and how many there are: two queries at most.

        The matches are ranked and counted (a window over the same scan) as bare ids, then only the first
        few rows are read whole: a count over the whole rows carried every match's text through the sort,
        and a separate count would search the table twice.
        """
        ranked = list(
            self.matching(words).annotate(matches_in_all=Window(Count("pk"))).values_list("pk", "matches_in_all")[:size]
        )
        if not ranked:
            return [], 0
        rows = _WHOLE_ROWS.get(self.slug, lambda rows: rows)(self.model._default_manager.all()).in_bulk(
            [pk for pk, _ in ranked]
        )
        return [rows[pk] for pk, _ in ranked], ranked[0][1]


_QUERYSETS = {
    "points": lambda: Clause.objects.published().with_version(),
    "positions": lambda: Position.objects.published().with_related(),
    "figures": lambda: Figure.objects.published().select_related("indicator", "source"),
    "indicators": lambda: Indicator.objects.public(),
    "sources": lambda: Source.objects.public(),
    "events": lambda: Event.objects.published(),
}

# Kinds whose rule for readers has a form that checks a few rows one by one (see Kind.matching), and how few.
_ROW_BY_ROW = {"sources": lambda: Source.objects.public_one()}
FEW_ROWS = 500

_MODELS = {
    "points": Clause,
    "positions": Position,
    "figures": Figure,
    "indicators": Indicator,
    "sources": Source,
    "events": Event,
}

# How a page of matches is read (by id, from matches the published rows gave): with what each row shows.
_WHOLE_ROWS = {
    "points": lambda rows: rows.with_version(),
    "positions": lambda rows: rows.with_related(),
    "figures": lambda rows: rows.select_related("indicator", "source"),
}

KINDS = [
    Kind(
        "points",
        _("Points of plans"),
        ("number", "heading", "summary", "text", "targets__label", "targets__indicator__name"),
        ("version__plan__title", "version__released_on", "sort_order", "pk"),
        (
            ("plan", "version.plan.title"),
            ("version", "version.name"),
            ("number", "number"),
            ("heading", "heading"),
            ("summary", "summary"),
            ("text_basis", "text_basis"),
        ),
        numeric_fields=("targets__value",),
    ),
    Kind(
        "positions",
        _("Positions and quotes"),
        ("quote", "note", "party__name", "actor__name"),
        ("-stated_on", "-pk"),
        (
            ("stated_on", "stated_on"),
            ("party", "party.name"),
            ("actor", lambda p: p.actor.name if p.actor_id else ""),
            ("subject", "subject_label"),
            ("stance", "stance"),
            ("quote", "quote"),
            ("source_key", "source.key"),
        ),
    ),
    Kind(
        "figures",
        _("Figures"),
        ("claimed_by", "caveat", "period_label", "indicator__name"),
        ("-reported_on", "-pk"),
        (
            ("indicator", "indicator.name"),
            ("value", "value"),
            ("low", "low"),
            ("high", "high"),
            ("period_label", "period_label"),
            ("reported_on", "reported_on"),
            ("claimed_by", "claimed_by"),
            ("kind", "kind"),
            ("source_key", "source.key"),
        ),
        numeric_fields=("value", "low", "high"),
    ),
    Kind(
        "indicators",
        _("Indicators"),
        ("name", "unit", "description", "caveat"),
        ("name", "pk"),
        (("slug", "slug"), ("name", "name"), ("unit", "unit")),
    ),
    Kind(
        "sources",
        _("Sources"),
        ("key", "title", "publisher", "notes"),
        ("key", "pk"),
        (
            ("key", "key"),
            ("title", "title"),
            ("publisher", "publisher"),
            ("url", "url"),
            ("published_on", "published_on"),
        ),
    ),
    Kind(
        "events",
        _("Events"),
        ("title", "description"),
        ("-happened_on", "-pk"),
        (("happened_on", "happened_on"), ("ends_on", "ends_on"), ("title", "title"), ("description", "description")),
    ),
]
KINDS_BY_SLUG = {kind.slug: kind for kind in KINDS}


def _vocabulary():
    """The words readers are likely to search for: names of parties, speakers, indicators, topics, points."""
    # Each name once (the database drops repeats, which many versions of a plan share).
    querysets = [
        Party.objects.all(),
        Actor.objects.all(),
        Indicator.objects.all(),
        Topic.objects.all(),
        Clause.objects.published(),
    ]
    field = {Clause: "heading"}
    names = [
        name
        for queryset in querysets
        for name in queryset.order_by().values_list(field.get(queryset.model, "name"), flat=True).distinct()
    ]
    return sorted({word for name in names for word in re.findall(r"[^\W\d_][\w'-]{2,}", name.lower())})


def did_you_mean(words):
    """A query spelt like the recorded names, when the reader's found nothing; None when no word is close."""
    vocabulary = _vocabulary()
    corrected, changed = [], False
    for word in words:
        close = difflib.get_close_matches(word.lower(), vocabulary, n=1, cutoff=0.75)
        if close and close[0] != word.lower() and parse_number(word) is None:
            corrected.append(close[0])
            changed = True
        else:
            corrected.append(word)
    return " ".join(corrected) if changed else None


def split_words(query):
    """The words of a query (at most MAX_WORDS); "800 000" and "600 тис." stay one word."""
    return _SPACED_SCALE.sub("", _SPACED_GROUPS.sub(",", query)).split()[:MAX_WORDS]


def previews(words):
    """Each kind's first matches and count; with a number among the words, points and figures come first."""
    kinds = KINDS
    if any(parse_number(word) is not None for word in words):
        # A number is most likely a plan's term or a figure: show those first.
        kinds = sorted(KINDS, key=lambda k: k.slug not in ("points", "figures"))
    sections = []
    for each in kinds:
        items, count = each.preview(words)
        sections.append({"kind": each, "count": count, "items": items})
    return sections
