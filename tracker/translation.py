"""Which content fields readers get in Ukrainian and Russian beside English (django-modeltranslation).

Each field named here gets a column per language (``heading_en``, ``heading_uk``, ``heading_ru``); the
field itself (``clause.heading``) reads the reader's language and falls back to English while a
translation is missing (``tracker.translated`` tells the page so). English is the record: imports and
the dataset write it, exports keep it under the stable column names.

Not translated, on purpose: what a source printed stays in its words (positions' quotes, sources'
titles and publishers, figures' period labels); keys, slugs and numbers are not words.

The history tables get the same columns, so a change to a translation is recorded like any other.
"""

from functools import wraps

from django.utils import translation
from modeltranslation.manager import MultilingualQuerySet, append_fallback
from modeltranslation.translator import TranslationOptions, translator
from modeltranslation.utils import get_language, resolution_order
from simple_history.models import SIMPLE_HISTORY_REVERSE_ATTR_NAME

from tracker.models import Actor, Clause, Event, Indicator, Party, Plan, PlanVersion, Topic

# The languages content is translated into, besides English (the record).
TRANSLATED_LANGUAGES = ("uk", "ru")

# Model -> its translated fields. Read by the dataset loader, the exports and search too.
TRANSLATED_FIELDS = {
    Topic: ("name", "description"),
    Plan: ("title", "summary", "coverage_note"),
    PlanVersion: ("name", "summary", "released_on_note"),
    Clause: ("heading", "summary", "text"),
    Party: ("name", "short_name", "description"),
    Actor: ("name", "role"),
    Indicator: ("name", "unit", "description", "caveat"),
    Event: ("title", "description"),
}


# English, the record: what imports and the dataset write, and what exports keep under stable names.
RECORD_LANGUAGE = "en"
ALL_LANGUAGES = (RECORD_LANGUAGE, *TRANSLATED_LANGUAGES)
# In English, for the English-language codebook and messages (the interface names them per language).
LANGUAGE_NAMES = {"en": "English", "uk": "Ukrainian", "ru": "Russian"}


def language_columns(model, languages=ALL_LANGUAGES):
    """Every language's column of the model's translated fields: heading_en, heading_uk, ..."""
    return [f"{name}_{lang}" for name in TRANSLATED_FIELDS.get(model, ()) for lang in languages]


def in_english(function):
    """Run ``function`` with English active, so that ``clause.heading = ...`` writes the English column
    whatever language the editor reads the admin in."""

    @wraps(function)
    def wrapper(*args, **kwargs):
        with translation.override(RECORD_LANGUAGE):
            return function(*args, **kwargs)

    return wrapper


def _options(model, names):
    # English keeps the field's own rule (a heading is required in English only). A missing translation
    # is stored as NULL, not "": two untranslated names must not collide on a
    # unique column (topics' and parties' names are unique in each language).
    return type(
        f"{model.__name__}TranslationOptions",
        (TranslationOptions,),
        {"fields": names, "empty_values": dict.fromkeys(names, None), "required_languages": ("en",)},
    )


def _history_instance(self):
    """The object as this history row recorded it, every language's text included (simple-history's own
    get_instance knows only the fields the model had before the translations were added)."""
    attrs = {field.attname: getattr(self, field.attname) for field in self.tracked_fields}
    result = self.instance_type(**attrs)
    setattr(result, SIMPLE_HISTORY_REVERSE_ATTR_NAME, self)
    return result


def _register(model, names):
    translator.register(model, _options(model, names))
    # django-simple-history built the history model before the translations were registered: give it the
    # same columns, and track them, so saving, comparing and reverting a translation work like any field.
    history = model.history.model
    translator.register(history, _options(history, names))
    excluded = set(history._history_excluded_fields)
    history.tracked_fields = [field for field in model._meta.fields if field.name not in excluded]
    history.get_instance = _history_instance
    history.instance = property(_history_instance)


for _model, _names in TRANSLATED_FIELDS.items():
    _register(_model, _names)


def _values_in_the_order_asked(self, *original, **kwargs):
    """``MultilingualQuerySet._values`` selecting the columns in the order asked for.

    The library collects the columns in a set, so ``values_list("day", "kind", "pk")`` may select them in
    any order (the rows are put back in order in Python, but a UNION of two such queries pairs columns up
    by position in SQL and mixes dates with ids). Here each asked field comes in its place (a translated
    one as its language columns in fallback order), then whatever else the library adds, sorted.
    """
    selects_all = kwargs.pop("selects_all", False)
    if not kwargs.pop("prepare", False):
        return super(MultilingualQuerySet, self)._values(*original, **kwargs)
    new_fields, translation_fields = append_fallback(self.model, original)
    if selects_all:
        new_fields.update(self.query.annotation_select.keys())
    ordered = []
    for name in original:
        if name in translation_fields:
            ordered += [
                column for column in language_columns_in_fallback_order(self.model, name) if column in new_fields
            ]
        elif name in new_fields:
            ordered.append(name)
    ordered += sorted(set(new_fields) - set(ordered))
    clone = super(MultilingualQuerySet, self)._values(*dict.fromkeys(ordered), **kwargs)
    clone.original_fields = tuple(original)
    clone.translation_fields = translation_fields
    return clone


def language_columns_in_fallback_order(model, name):
    field = getattr(model, name)
    return [f"{name}_{lang}" for lang in resolution_order(get_language(), field.fallback_languages)]


MultilingualQuerySet._values = _values_in_the_order_asked
