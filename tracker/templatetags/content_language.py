"""Content in the reader's language, and words kept in the language their source printed them in.

``{% in_language clause "heading" %}`` writes the point's heading in the reader's language. While it is not
translated yet, it writes the English, marked ``lang="en"`` (so screen readers pronounce it as English)
and followed by a "not yet translated" mark in the reader's language. ``{% quoted position %}`` writes a
quote in the words and the language its source printed. ``{% translation_note clause %}`` says, under a
translated text, that the translation is the project's own.
"""

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html, linebreaks
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext
from modeltranslation.utils import get_language

from tracker.translation import RECORD_LANGUAGE, TRANSLATED_FIELDS

register = template.Library()


def _text(value, paragraphs, words=None):
    if words:
        value = Truncator(value).words(words)
    return mark_safe(linebreaks(value, autoescape=True)) if paragraphs else conditional_escape(value)


def untranslated_mark():
    return format_html('<span class="untranslated">({})</span>', gettext("not yet translated"))


@register.simple_tag
def in_language(obj, field, paragraphs=False, words=None):
    """The field in the reader's language; the English, marked as such, while it is not translated.

    ``field`` may be "gist": a point's summary, or its text while it has no summary (Clause.gist).
    ``words`` shortens the text to that many words.
    """
    if obj is None:
        return ""
    if field == "gist":
        field = "summary" if getattr(obj, "summary_en", None) else "text"
    language = get_language()
    if language == RECORD_LANGUAGE or field not in TRANSLATED_FIELDS.get(type(obj), ()):
        return _text(getattr(obj, field) or "", paragraphs, words)
    translated = getattr(obj, f"{field}_{language}", None)
    if translated:
        return _text(translated, paragraphs, words)
    english = getattr(obj, f"{field}_{RECORD_LANGUAGE}", None) or ""
    if not english:
        return ""
    tag = "div" if paragraphs else "span"
    text = _text(english, paragraphs, words)
    return format_html('<{} lang="en">{}</{}> {}', tag, text, tag, untranslated_mark())


@register.simple_tag
def translation_note(obj, *fields):
    """Under a text shown in the reader's language: the translation is the project's own."""
    language = get_language()
    names = fields or TRANSLATED_FIELDS.get(type(obj), ())
    if obj is None or language == RECORD_LANGUAGE or not any(getattr(obj, f"{n}_{language}", None) for n in names):
        return ""
    return format_html(
        '<p class="meta translation-note">{} <a href="{}#translations">{}</a></p>',
        gettext("Translated from the English by the project; the English text is the record."),
        reverse("tracker:methods"),
        gettext("How the site is translated"),
    )


def lang_attribute(language):
    """` lang="xx"` where words are in another language than the page's, else nothing."""
    language = language or RECORD_LANGUAGE
    return "" if language == get_language() else format_html(' lang="{}"', language)


@register.simple_tag
def quoted(position, marks=True):
    """The quote as its source printed it, marked with its language; a paraphrase is said to be one."""
    if not position.quote:
        return ""
    lang = lang_attribute(position.quote_language)
    if position.quote_is_paraphrase:
        paraphrase = gettext("(paraphrase)")
        return format_html('<span class="muted">{}</span> <span{}>{}</span>', paraphrase, lang, position.quote)
    if marks:
        return format_html("<q{}>{}</q>", lang, position.quote)
    return format_html("<span{}>{}</span>", lang, position.quote)


@register.simple_tag
def source_title(source):
    """A source's title in the words and the language it was printed in."""
    lang = lang_attribute(source.language)
    return format_html("<span{}>{}</span>", lang, source.title) if lang else source.title


@register.filter
def in_english(text):
    """Project text kept in English only (a position's note, a lineage note): marked lang="en" on a page in
    another language, so screen readers pronounce it as English."""
    if not text:
        return ""
    if get_language() == RECORD_LANGUAGE:
        return conditional_escape(text)
    return format_html('<span lang="en">{}</span>', text)
