"""Text cells in the CSV files readers download, defused against spreadsheet formulas.

Spreadsheet programs run a cell that starts with ``= + - @`` (or a tab or carriage return, which
they skip before looking) as a formula: CSV injection. Such a cell is written with a leading
apostrophe, which spreadsheets show as text. The page downloads only defuse (``defuse``); the
dataset zip must give back the exact text on re-import, so it also marks an apostrophe that would
otherwise be taken for the guard (``defuse_reversibly``), and ``restore`` takes the mark off.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


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
