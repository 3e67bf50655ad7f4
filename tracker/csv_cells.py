"""Text cells in the CSV files readers download, defused against spreadsheet formulas.

Spreadsheet programs run a cell that starts with ``= + - @`` (or a tab or carriage return, which
they skip before looking) as a formula: CSV injection. Such a cell is written with a leading
apostrophe, which spreadsheets show as text. The page downloads only defuse (``defuse``); the
dataset zip must give back the exact text on re-import, so it also marks an apostrophe that would
otherwise be taken for the guard (``defuse_reversibly``), and ``restore`` takes the mark off.

Every CSV file the site serves starts with a UTF-8 byte-order mark (``BYTE_ORDER_MARK``, written by
``encode`` and by the page downloads' stream): without it Excel reads UTF-8 as the legacy code page of
the reader's system and shows Cyrillic and typographic quotes as mojibake. Readers of these files
decode them as ``ENCODING`` (``utf-8-sig``), which takes the mark off and accepts a file without one.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"
BYTE_ORDER_MARK = "\ufeff"
ENCODING = "utf-8-sig"


def encode(text):
    """A whole CSV file's bytes: UTF-8 with the byte-order mark spreadsheet programs look for."""
    return text.encode(ENCODING)


def defuse(text):
    """The text with an apostrophe before it if a spreadsheet would run it as a formula."""
    return GUARD + text if text.startswith(FORMULA_STARTS) else text


def _is_guarded(text):
    return text.startswith(GUARD) and text[1:].startswith((*FORMULA_STARTS, GUARD))


def defuse_reversibly(text):
    """``defuse``, and one apostrophe more before text ``restore`` would otherwise shorten."""
    return GUARD + text if text.startswith(FORMULA_STARTS) or _is_guarded(text) else text


def restore(text):
    """The original text of a cell written by ``defuse_reversibly``."""
    return text[1:] if _is_guarded(text) else text
