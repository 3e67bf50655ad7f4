"""Word-level differences between two texts of a clause, rendered as <ins>/<del> HTML.

Computed on the server per linked pair of clauses (never the whole document, where one
insertion would cascade), and cached by the texts' hash since texts rarely change.
"""

import difflib
import hashlib
import re

from django.core.cache import cache
from django.utils.html import escape
from django.utils.safestring import mark_safe

_TOKEN = re.compile(r"\w+(?:[.,’'-]\w+)*\s*|[^\w\s]\s*")
_CACHE_SECONDS = 60 * 60 * 24 * 30


def _tokens(text):
    """Words with their trailing whitespace; words alone are compared, so reflowed lines match."""
    tokens = _TOKEN.findall(text)
    leading = text[: len(text) - len(text.lstrip())]
    return tokens, [token.rstrip() for token in tokens], leading


def _render(before, after):
    old_tokens, old_words, _ = _tokens(before)
    new_tokens, new_words, leading = _tokens(after)
    parts = [escape(leading)]
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(new_tokens[j1:j2])))
            continue
        if op in ("delete", "replace"):
            parts.append(_wrap("del", old_tokens[i1:i2]))
        if op in ("insert", "replace"):
            parts.append(_wrap("ins", new_tokens[j1:j2]))
    return "".join(parts)


def _wrap(tag, tokens):
    text = "".join(tokens)
    body = text.rstrip()
    return f"<{tag}>{escape(body)}</{tag}>{escape(text[len(body) :])}"


def word_diff(before, after):
    """The later text with deletions and insertions marked; safe HTML, every text escaped."""
    digest = hashlib.sha256(f"{len(before)}:{before}{after}".encode()).hexdigest()
    key = f"worddiff:v1:{digest}"
    html = cache.get(key)
    if html is None:
        html = _render(before, after)
        cache.set(key, html, _CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - built from escaped pieces above
