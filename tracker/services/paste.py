"""Paste a version's numbered text ("1. ... 2. ... 12a. ...") and turn it into its points."""

import re
from dataclasses import dataclass, field

from django.db import transaction

from tracker.models import Clause, ClauseTextBasis, TextBasis
from tracker.translation import in_english

# A point starts on a line of its own: "12a. text", "12a) text", "Point 12a: text", "6.1 text".
_POINT_START = re.compile(
    r"^\s*(?:point\s+)?(?P<number>\d{1,3})(?P<sub>\.\d{1,2})?(?P<letter>[a-z]?)"
    r"(?P<sep>\s*[.):]\s*|\s+)(?P<rest>.*)$",
    re.I,
)
HEADING_MAX = 80
MAX_POINTS = 400

# How a point's wording is known follows from how the version's text is known.
CLAUSE_BASIS_FOR_VERSION = {
    TextBasis.OFFICIAL_FULL: ClauseTextBasis.OFFICIAL,
    TextBasis.LEAKED_FULL: ClauseTextBasis.LEAKED,
    TextBasis.PARTIAL: ClauseTextBasis.REPORTED,
    TextBasis.ORAL_SUMMARY: ClauseTextBasis.ORAL,
}


@dataclass
class ParsedPoint:
    number: str
    line: int
    lines: list = field(default_factory=list)
    heading: str = ""
    text: str = ""

    @property
    def key(self):
        return number_key(self.number)


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


@dataclass
class ParsedText:
    points: list
    errors: list  # the text cannot be saved until these are fixed
    notes: list  # what the parser did that the editor should check

    @property
    def ok(self):
        return bool(self.points) and not self.errors


def number_key(number):
    """Order of a point label: 12 < 12a < 12b < 12.1 < 12.2 < 13."""
    match = re.fullmatch(r"(\d+)(?:\.(\d+))?([a-z]?)", number.lower())
    if not match:
        return (10**6, 0, number)
    return (int(match.group(1)), int(match.group(2) or 0), match.group(3))


def normalise_newlines(text):
    """Browsers send a textarea's newlines as CRLF; the test client and pasted files may not."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_points(text):
    """Split a numbered text into points, with what could not be read as a point.

    A numbered line starts a new point when its number comes after the current point's.
    A "1." (and the run "2.", "3." after it) inside a point is a list within that point and
    stays in its text. Any other number that does not move forward is a duplicate or out of
    order: an error, so nothing is saved until the editor fixes the text.
    """
    points, errors, notes = [], [], []
    seen = {}
    current = None
    sublist_next = None  # the next number of a list running inside the current point
    preamble = []
    for lineno, raw in enumerate(normalise_newlines(text).split("\n"), start=1):
        line = raw.rstrip()
        match = _POINT_START.match(line)
        if match and not match.group("sep").strip():
            # "6.1 text" (no full stop after the number) is a sub-point only within point 6: elsewhere,
            # as "8.5 million..." or "12 countries...", it is the text going on.
            main = match.group("number").lstrip("0") or "0"
            if not (match.group("sub") and current is not None and re.match(r"\d+", current.number).group() == main):
                match = None
        if match:
            number = (
                (match.group("number").lstrip("0") or "0") + (match.group("sub") or "") + match.group("letter").lower()
            )
            key = number_key(number)
            if current is None or key > current.key:
                current = ParsedPoint(number=number, line=lineno, lines=[match.group("rest").strip()])
                points.append(current)
                seen[number] = lineno
                sublist_next = None
                continue
            is_list_start = number == "1" and sublist_next is None
            if is_list_start or (sublist_next is not None and number == str(sublist_next)):
                sublist_next = int(number) + 1
                current.lines.append(line.strip())
                notes.append(Problem(lineno, f"'{number}.' inside point {current.number} is kept as part of its text."))
                continue
            if number in seen:
                errors.append(Problem(lineno, f"Point {number} appears twice (lines {seen[number]} and {lineno})."))
            else:
                errors.append(
                    Problem(lineno, f"Point {number} comes after point {current.number}: the numbers are out of order.")
                )
            continue
        if current is None:
            if line.strip():
                preamble.append(lineno)
            continue
        current.lines.append(line.strip())
    if preamble:
        first, last = preamble[0], preamble[-1]
        where = f"Line {first} comes" if first == last else f"Lines {first}-{last} come"
        notes.append(Problem(first, f"{where} before the first numbered point and will be left out."))
    for point in points:
        _finish(point, errors)
    if not points and not errors:
        errors.append(Problem(1, "No numbered point found: each point should start a line with its number, as in '1.'"))
    if len(points) > MAX_POINTS:
        errors.append(Problem(points[MAX_POINTS].line, f"More than {MAX_POINTS} points: paste the text in parts."))
    return ParsedText(points=points, errors=errors, notes=notes)


def _finish(point, errors):
    """Join the point's lines into paragraphs and choose its heading."""
    lines = point.lines
    while lines and not lines[-1]:
        lines.pop()
    first = lines[0] if lines else ""
    rest = [line for line in lines[1:]]
    while rest and not rest[0]:
        rest.pop(0)
    # A short first line without a full stop, followed by more text, is the point's heading.
    if first and rest and len(first) <= HEADING_MAX and not first.endswith((".", ";", ",", ":")):
        point.heading = first.rstrip(":")
        body = rest
    else:
        body = lines
        head, sep, _ = first.partition(": ")
        if sep and 0 < len(head) <= 60 and "." not in head:
            point.heading = head
        else:
            point.heading = _first_words(first)
    point.text = _paragraphs(body)
    if not point.text:
        errors.append(Problem(point.line, f"Point {point.number} has no text."))


_LIST_ITEM = re.compile(r"^(?:\d{1,3}[a-z]?|[a-z]|[ivx]+)[.)]\s|^[-•*–]\s", re.I)


def _paragraphs(lines):
    """Lines joined into paragraphs (blank lines separate them); list items keep a line of their own."""
    paragraphs, current = [], ""
    for line in lines:
        if not line:
            if current:
                paragraphs.append(current)
            current = ""
        elif not current:
            current = line
        else:
            current += ("\n" if _LIST_ITEM.match(line) else " ") + line
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


def _first_words(text):
    sentence = re.split(r"(?<=[.;])\s", text, maxsplit=1)[0].rstrip(".;:")
    if len(sentence) <= HEADING_MAX:
        return sentence
    return sentence[:HEADING_MAX].rsplit(" ", 1)[0].rstrip(",;:") + "…"


@dataclass(frozen=True)
class ImportResult:
    created: list
    updated: list
    unchanged: list


@in_english
@transaction.atomic
def import_points(version, parsed, *, text_basis=None, user=None):
    """Create the parsed points in the version, or update the points it already has with those numbers.

    Each point is saved on its own so it gets its history row; all of them in one transaction. The pasted
    text is the English record (whatever language the editor reads the admin in); translations of a point
    are left as they were.
    """
    if not parsed.ok:
        raise ValueError("The text has errors; nothing was saved.")
    text_basis = text_basis or CLAUSE_BASIS_FOR_VERSION.get(version.text_basis, ClauseTextBasis.REPORTED)
    existing = {clause.number: clause for clause in version.clauses.select_for_update()}
    created, updated, unchanged = [], [], []
    for order, point in enumerate(parsed.points, start=1):
        clause = existing.get(point.number)
        if clause is None:
            clause = Clause(version=version, number=point.number, text_basis=text_basis)
            bucket = created
        elif (clause.heading, clause.text, clause.sort_order) == (point.heading, point.text, order):
            unchanged.append(clause)
            continue
        else:
            bucket = updated
            clause.edit_version += 1  # a form opened before the paste is now stale
        clause.heading, clause.text, clause.sort_order = point.heading, point.text, order
        clause.full_clean(exclude=["version"])
        clause._change_reason = "Pasted from the version's text"
        if user is not None:
            clause._history_user = user
        clause.save()
        bucket.append(clause)
    return ImportResult(created=created, updated=updated, unchanged=unchanged)
