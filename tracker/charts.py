"""Server-rendered SVG charts: no JavaScript, readable by screen readers, printable.

An indicator's figures are drawn against time: one mark per figure (its shape says the
figure's kind, its colour and legend entry say its source), a whisker from low to high
where the figure is a range, and a dashed line for each clause term on the indicator.
Every mark carries a <title> so the exact figure is one hover away, and the whole chart
has a title and description; the page shows the same figures as a table beside it.
"""

import datetime
import math
from dataclasses import dataclass

from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

from tracker.models import FigureKind, figure_date
from tracker.numbers import compact, grouped

# Colour-blind-safe palette (Okabe and Ito, then Tol's); sources beyond twelve reuse colours, but the
# legend, the mark's own title and the table still name the source.
PALETTE = [
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#8C6D1F",
    "#332288",
    "#882255",
    "#44AA99",
    "#888888",
]

SHAPES = {
    FigureKind.OFFICIAL: "circle",
    FigureKind.REPORTED: "square",
    FigureKind.CLAIM: "triangle",
    FigureKind.ESTIMATE: "diamond",
    FigureKind.DERIVED: "cross",
}


@dataclass(frozen=True)
class Frame:
    width: int = 720
    height: int = 380
    left: int = 96
    right: int = 24
    top: int = 48  # room for the chart's visible title
    bottom: int = 96

    @property
    def is_narrow(self):
        return self.width < 500

    @property
    def plot_width(self):
        return self.width - self.left - self.right

    @property
    def plot_height(self):
        return self.height - self.top - self.bottom


# A phone's chart: the same figures on a narrower canvas, so its labels stay readable at 375 px.
PHONE = Frame(width=360, height=350, left=52, right=12, top=60)


def source_label(source):
    """A source as readers see it: its publisher and date, never its key."""
    when = f"{source.published_on.day} {source.published_on:%b %Y}" if source.published_on else "undated"
    return f"{source.publisher}, {when}"


def nice_ticks(low, high, count=5):
    """Round tick values covering low..high, at a step of 1, 2 or 5 times a power of ten."""
    if high <= low:
        high = low + (abs(low) or 1)
    raw_step = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw_step)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step / 2:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def date_ticks(first, last):
    """Tick dates between first and last: month starts for long spans, evenly spaced days otherwise."""
    span = (last - first).days
    if span > 120:
        months = (last.year - first.year) * 12 + last.month - first.month
        step = max(1, math.ceil(months / 6))
        ticks = []
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            tick = datetime.date(year, month, 1)
            if first <= tick <= last:
                ticks.append(tick)
            month += step
            year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        return ticks or [first, last]
    step = next(days for days in (1, 2, 7, 14, 28, 56) if span / days <= 6)
    return [first + datetime.timedelta(days=offset) for offset in range(0, span + 1, step)]


def _date_label(date, span_days):
    return date.strftime("%b %Y") if span_days > 120 else f"{date.day} {date.strftime('%b %Y')}"


def _mark(shape, x, y, colour, size=6):
    """One marker; hollow shapes would vanish on a whisker, so all are filled but the cross."""
    if shape == "circle":
        return format_html('<circle cx="{}" cy="{}" r="{}" fill="{}"/>', _n(x), _n(y), size, colour)
    if shape == "square":
        return format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
            _n(x - size),
            _n(y - size),
            2 * size,
            2 * size,
            colour,
        )
    if shape == "triangle":
        points = f"{_n(x)},{_n(y - size - 1)} {_n(x - size - 1)},{_n(y + size)} {_n(x + size + 1)},{_n(y + size)}"
        return format_html('<polygon points="{}" fill="{}"/>', points, colour)
    if shape == "diamond":
        s = size + 1
        points = f"{_n(x)},{_n(y - s)} {_n(x + s)},{_n(y)} {_n(x)},{_n(y + s)} {_n(x - s)},{_n(y)}"
        return format_html('<polygon points="{}" fill="{}"/>', points, colour)
    return format_html(
        '<path d="M{} {}L{} {}M{} {}L{} {}" stroke="{}" stroke-width="3"/>',
        _n(x - size),
        _n(y - size),
        _n(x + size),
        _n(y + size),
        _n(x - size),
        _n(y + size),
        _n(x + size),
        _n(y - size),
        colour,
    )


def _n(number):
    """Coordinates to one decimal place keep the markup short."""
    return f"{number:.1f}".rstrip("0").rstrip(".")


def describe(indicator, figures):
    """A sentence for screen readers: how many figures, over which dates and which values."""
    if not figures:
        return gettext("No published figures for %(indicator)s.") % {"indicator": indicator.name}
    dates = [figure_date(f) for f in figures]
    values = [v for f in figures for v in (f.value, f.low, f.high) if v is not None]
    sources = {f.source_id for f in figures}
    counted = ngettext("%(count)s figure for %(indicator)s", "%(count)s figures for %(indicator)s", len(figures)) % {
        "count": len(figures),
        "indicator": indicator.name,
    }
    sourced = ngettext("from %(count)s source", "from %(count)s sources", len(sources)) % {"count": len(sources)}
    return gettext(
        "%(counted)s %(sourced)s, dated %(first)s to %(last)s, ranging from %(low)s to %(high)s %(unit)s. "
        "The table that follows lists each figure."
    ) % {
        "counted": counted,
        "sourced": sourced,
        "first": _day(min(dates)),
        "last": _day(max(dates)),
        "low": grouped(min(values)),
        "high": grouped(max(values)),
        "unit": indicator.unit,
    }


def _day(date):
    """A date as the page prints it in its language (21 Nov 2025, 21.11.2025)."""
    form = get_format("TRACKER_SHORT_DATE")
    return f"{date:%d %b %Y}" if form == "j M Y" else dateformat.format(date, form)


def credit():
    return gettext("Figures: each from its own source, named in the legend. Chart: Peace-plan tracker, CC BY 4.0.")


def chart_title(indicator):
    return gettext("%(indicator)s over time (%(unit)s)") % {"indicator": indicator.name, "unit": indicator.unit}


def _shorten(text, frame):
    most = (frame.width - 16) // 9
    return text if len(text) <= most else text[: most - 1] + "…"


def _wrap(text, width):
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + ([line] if line else [])


def legend_labels(colours):
    """Source id -> its legend label; two sources of one publisher and date are told apart by title."""
    plain = {source_id: source_label(source) for source_id, (_, source) in colours.items()}
    counts = {}
    for label in plain.values():
        counts[label] = counts.get(label, 0) + 1
    return {
        source_id: label if counts[label] == 1 else f"{label}: {colours[source_id][1].title[:24]}"
        for source_id, label in plain.items()
    }


def figure_chart(indicator, figures, *, targets=(), chart_id="chart", frame=None, page_url=""):
    """SVG markup charting the figures of one indicator, or an empty string when there are none.

    ``figures`` must have ``source`` loaded; ``targets`` are clause terms on the same
    indicator, drawn as dashed lines so the gap can be seen.
    """
    figures = list(figures)
    if not figures:
        return ""
    frame = frame or Frame()
    targets = list(targets)
    dates = [figure_date(f) for f in figures]
    first, last = min(dates), max(dates)
    if (last - first).days < 14:
        first, last = first - datetime.timedelta(days=7), last + datetime.timedelta(days=7)
    else:
        # A margin on both sides keeps the first and last marks off the axes.
        margin = datetime.timedelta(days=max(1, (last - first).days // 30))
        first, last = first - margin, last + margin
    span_days = (last - first).days

    values = [float(v) for f in figures for v in (f.value, f.low, f.high) if v is not None]
    values += [float(t.value) for t in targets]
    y_ticks = nice_ticks(min(0.0, min(values)), max(values))
    y_low, y_high = y_ticks[0], y_ticks[-1]

    def x_of(date):
        return frame.left + frame.plot_width * (date - first).days / span_days

    def y_of(value):
        return frame.top + frame.plot_height * (1 - (float(value) - y_low) / (y_high - y_low))

    colours = source_colours(figures)
    labels = legend_labels(colours)

    parts = []
    bottom = frame.top + frame.plot_height
    right = frame.left + frame.plot_width
    # Grid and axes.
    for tick in y_ticks:
        y = y_of(tick)
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d0d7de"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="#57606a">{}</text>',
                frame.left,
                _n(y),
                right,
                _n(y),
                frame.left - 6,
                _n(y + 4),
                compact(tick) if frame.is_narrow else grouped(tick),
            )
        )
    x_ticks = date_ticks(first, last)
    if frame.is_narrow:
        x_ticks = x_ticks[:: max(1, math.ceil(len(x_ticks) / 3))]  # three labels fit a phone's width
    for tick in x_ticks:
        x = x_of(tick)
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#57606a"/>'
                '<text x="{}" y="{}" text-anchor="{}" font-size="12" fill="#57606a">{}</text>',
                _n(x),
                bottom,
                _n(x),
                bottom + 5,
                _n(x),
                bottom + 20,
                # A label centred on the last tick would run off the edge.
                "end" if x > right - 40 else "middle",
                _date_label(tick, span_days),
            )
        )
    parts.append(
        format_html(
            '<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="#57606a"/>'
            '<line x1="{l}" y1="{t}" x2="{l}" y2="{b}" stroke="#57606a"/>',
            l=frame.left,
            r=right,
            t=frame.top,
            b=bottom,
        )
    )
    parts.append(
        format_html(
            '<text x="{}" y="{}" text-anchor="middle" font-size="13">Date the figure describes</text>'
            '<text transform="translate(16 {}) rotate(-90)" text-anchor="middle" font-size="13">{}</text>',
            _n(frame.left + frame.plot_width / 2),
            bottom + 40,
            _n(frame.top + frame.plot_height / 2),
            indicator.unit,
        )
    )
    # Clause terms; several clauses with the same term share one line.
    terms = {}
    for target in targets:
        terms.setdefault((target.comparator, target.value), []).append(target)
    for (_, value), same in terms.items():
        y = y_of(value)
        first_term = same[0]
        text = f"{first_term.label or gettext('term')}: {first_term.get_comparator_display()} {grouped(value)}"
        if len(same) > 1:
            text += " " + ngettext("(%(count)s point)", "(%(count)s points)", len(same)) % {"count": len(same)}
        parts.append(
            format_html(
                '<g class="target"><title>{}</title>'
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#a40e26" stroke-width="2" stroke-dasharray="6 4"/>'
                '<text x="{}" y="{}" font-size="12" fill="#a40e26">{}</text></g>',
                "; ".join(gettext("Clause term: %(term)s") % {"term": target} for target in same),
                frame.left,
                _n(y),
                right,
                _n(y),
                frame.left + 4,
                _n(y - 5),
                text,
            )
        )
    # Figures: whisker first so the mark sits on top. Figures for the same date stand side by side,
    # a few pixels apart, rather than hiding one another.
    same_date = {}
    for figure in figures:
        same_date.setdefault(figure_date(figure), []).append(id(figure))
    for figure in figures:
        colour, source = colours[figure.source_id]
        group = same_date[figure_date(figure)]
        x = x_of(figure_date(figure)) + 14 * (group.index(id(figure)) - (len(group) - 1) / 2)
        centre = figure.value if figure.value is not None else (figure.low + figure.high) / 2
        whisker = mark_safe("")
        if figure.is_range:
            whisker = format_html(
                '<path d="M{x} {lo}V{hi}M{a} {lo}H{b}M{a} {hi}H{b}" stroke="{c}" stroke-width="2" fill="none"/>',
                x=_n(x),
                lo=_n(y_of(figure.low)),
                hi=_n(y_of(figure.high)),
                a=_n(x - 5),
                b=_n(x + 5),
                c=colour,
            )
        if figure.is_lower_bound and figure.value is not None:
            # "Over 21,000": an arrow up from the mark, so the value does not read as exact.
            top = y_of(figure.value) - 20
            whisker = whisker + format_html(
                '<path class="lower-bound" d="M{x} {y}V{top}M{a} {tip}L{x} {top}L{b} {tip}" stroke="{c}" '
                'stroke-width="2" fill="none"/>',
                x=_n(x),
                y=_n(y_of(figure.value)),
                top=_n(top),
                a=_n(x - 4),
                b=_n(x + 4),
                tip=_n(top + 5),
                c=colour,
            )
        label = gettext("%(value)s %(unit)s, %(when)s; %(kind)s by %(claimant)s; source: %(label)s: %(title)s") % {
            "value": figure.display_value,
            "unit": indicator.unit,
            "when": figure.period_label or figure_date(figure),
            "kind": figure.get_kind_display().lower(),
            "claimant": figure.claimed_by,
            "label": labels[figure.source_id],
            "title": source.title,
        }
        parts.append(
            format_html(
                '<g class="figure kind-{}"><title>{}</title>{}{}</g>',
                figure.kind,
                label,
                whisker,
                _mark(SHAPES.get(figure.kind, "circle"), x, y_of(centre), colour),
            )
        )
    # Legend below the axis label: shapes for kinds on one row, then colours for sources, wrapping.
    legend_y = bottom + 62
    x = frame.left
    for kind in dict.fromkeys(f.kind for f in figures):
        label = FigureKind(kind).label
        parts.append(
            format_html(
                '<g class="legend">{}<text x="{}" y="{}" font-size="12">{}</text></g>',
                _mark(SHAPES.get(kind, "circle"), x + 6, legend_y - 4, "#444", size=5),
                x + 16,
                legend_y,
                label,
            )
        )
        x += 30 + 7 * len(label)
    x, row_y = frame.left, legend_y + 10
    x = 8 if frame.is_narrow else frame.left
    for source_id, (colour, source) in colours.items():
        step = 28 + 7 * len(labels[source_id])
        if x + step > frame.width - frame.right and x > (8 if frame.is_narrow else frame.left):
            x, row_y = (8 if frame.is_narrow else frame.left), row_y + 20
        parts.append(
            format_html(
                '<g class="legend"><title>{}</title><rect x="{}" y="{}" width="12" height="12" fill="{}"/>'
                '<text x="{}" y="{}" font-size="12">{}</text></g>',
                str(source),
                x,
                row_y,
                colour,
                x + 16,
                row_y + 11,
                labels[source_id],
            )
        )
        x += step
    # The source line travels with the chart when it is downloaded or embedded.
    credit_y = row_y + 40
    # A phone's chart stays on its page; the address is in the downloaded one.
    where = gettext("Peace-plan tracker") if frame.is_narrow or not page_url else page_url
    lines = _wrap(
        gettext("Source: %(where)s. %(credit)s") % {"where": where, "credit": credit()}, 52 if frame.is_narrow else 100
    )
    for number, line in enumerate(lines):
        parts.append(
            format_html(
                '<text class="credit" x="8" y="{}" font-size="12" fill="#57606a">{}</text>',
                credit_y + 16 * number,
                line,
            )
        )
    height = max(frame.height, credit_y + 16 * len(lines))
    title = chart_title(indicator)
    # The visible title, on two lines at most (a phone's chart is narrow).
    title_lines = _wrap(title, (frame.width - 16) // 9)
    if len(title_lines) > 2:
        title_lines = [title_lines[0], _shorten(" ".join(title_lines[1:]), frame)]
    for number, line in enumerate(title_lines):
        parts.insert(
            number,
            format_html('<text x="8" y="{}" font-size="15" font-weight="700">{}</text>', 18 + 18 * number, line),
        )

    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" '
        'font-family="system-ui, sans-serif" fill="#1b1f24" '
        'aria-labelledby="{tid} {did}"><title id="{tid}">{title}</title><desc id="{did}">{desc}</desc>{body}</svg>',
        w=frame.width,
        h=height,
        tid=title_id,
        did=desc_id,
        title=title,
        desc=describe(indicator, figures),
        body=mark_safe("".join(parts)),  # each part was built with format_html, which escapes
    )


def source_colours(figures):
    """Source id -> (colour, source), in order of first appearance; the page's table uses the same colours."""
    colours = {}
    for figure in figures:
        colours.setdefault(figure.source_id, (PALETTE[len(colours) % len(PALETTE)], figure.source))
    return colours


# The spread chart is small enough for one canvas at every width: 360 units wide, scaled by CSS.
SPREAD_FRAME = Frame(width=360, height=230, left=44, right=16, top=40, bottom=44)
_SPREAD_WORDS = ["agree", "1 step", "2 steps", "3 steps", "4 steps"]


def spread_chart(title, steps, *, chart_id="spread", frame=SPREAD_FRAME):
    """SVG markup of a point's spread over time: one step per date a party stated a position.

    ``steps`` are ``SpreadStep``s (tracker.selectors.convergence) with the positions' sources
    loaded. A date with fewer than two parties on record is marked on the base line, hollow, and
    breaks the line: it is not a spread of 0. Empty string when there are no steps.
    """
    steps = list(steps)
    if not steps:
        return ""
    first, last = steps[0].date, steps[-1].date
    end = max(last + datetime.timedelta(days=3), first + datetime.timedelta(days=7))
    start = first - datetime.timedelta(days=2)
    span_days = (end - start).days
    bottom = frame.top + frame.plot_height
    right = frame.left + frame.plot_width
    top_spread = len(_SPREAD_WORDS) - 1

    def x_of(date):
        return frame.left + frame.plot_width * (date - start).days / span_days

    def y_of(spread):
        return frame.top + frame.plot_height * (1 - spread / top_spread)

    parts = []
    for spread, words in enumerate(_SPREAD_WORDS):
        y = y_of(spread)
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d0d7de"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#57606a">{}</text>',
                frame.left,
                _n(y),
                right,
                _n(y),
                frame.left - 4,
                _n(y + 4),
                words,
            )
        )
    ticks = date_ticks(start, end)
    ticks = ticks[:: max(1, math.ceil(len(ticks) / 3))]
    for tick in ticks:
        x = x_of(tick)
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="{}" font-size="11" fill="#57606a">{}</text>',
                _n(x),
                bottom + 18,
                "end" if x > right - 40 else "middle",
                _date_label(tick, span_days),
            )
        )
    # The line: level from each step to the next, broken where no spread is known.
    path = []
    for index, step in enumerate(steps):
        if step.spread is None:
            continue
        next_date = steps[index + 1].date if index + 1 < len(steps) else end
        y = y_of(step.spread)
        path.append(f"M{_n(x_of(step.date))} {_n(y)}H{_n(x_of(next_date))}")
        if index + 1 < len(steps) and steps[index + 1].spread is not None:
            path.append(f"V{_n(y_of(steps[index + 1].spread))}")
    if path:
        parts.append(format_html('<path d="{}" fill="none" stroke="#0072B2" stroke-width="2.5"/>', "".join(path)))
    for step in steps:
        sources = "; ".join(dict.fromkeys(source_label(p.source) for p in step.positions))
        who = ", ".join(f"{p.party.name} {p.get_stance_display().lower()}" for p in step.positions)
        tip = f"{step.date.day} {step.date:%b %Y}: {who}. Now {step.label}. Source: {sources}"
        x = x_of(step.date)
        if step.spread is None:
            mark = format_html(
                '<circle cx="{}" cy="{}" r="5" fill="#fff" stroke="#57606a" stroke-width="2"/>', _n(x), _n(y_of(0))
            )
        else:
            mark = format_html('<circle cx="{}" cy="{}" r="5" fill="#0072B2"/>', _n(x), _n(y_of(step.spread)))
        parts.append(format_html("<g><title>{}</title>{}</g>", tip, mark))
    described = "; ".join(f"{s.date.day} {s.date:%b %Y}: {s.label}" for s in steps)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart--spread" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="{}-title {}-desc">'
        '<title id="{}-title">{}</title><desc id="{}-desc">How far apart the parties stood after each dated '
        "position: {}.</desc>"
        '<text x="{}" y="20" font-size="13" font-weight="600" fill="#1f2328">{}</text>{}</svg>',
        frame.width,
        frame.height,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        described,
        frame.left,
        _wrap_title(title),
        mark_safe("".join(parts)),
    )


def _wrap_title(title, limit=48):
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def spread_sparkline(title, steps, *, width=132, height=34):
    """A small step line of a point's spread over time, for a version's small multiple (no axes).

    The same scale for every point (0 at the bottom, 4 at the top) so the small charts compare;
    hollow marks where fewer than two parties were on record. Empty string when there are no steps.
    """
    steps = list(steps)
    if not steps:
        return ""
    start = steps[0].date - datetime.timedelta(days=1)
    end = max(steps[-1].date + datetime.timedelta(days=2), start + datetime.timedelta(days=7))
    span = (end - start).days
    left, right, top, bottom = 4, width - 4, 5, height - 5

    def x_of(date):
        return left + (right - left) * (date - start).days / span

    def y_of(spread):
        return bottom - (bottom - top) * spread / 4

    path, marks = [], []
    for index, step in enumerate(steps):
        x = x_of(step.date)
        if step.spread is None:
            marks.append(format_html('<circle cx="{}" cy="{}" r="2.5" fill="#fff" stroke="#57606a"/>', _n(x), bottom))
            continue
        following = steps[index + 1].date if index + 1 < len(steps) else end
        path.append(f"M{_n(x)} {_n(y_of(step.spread))}H{_n(x_of(following))}")
        marks.append(format_html('<circle cx="{}" cy="{}" r="2.5" fill="#0072B2"/>', _n(x), _n(y_of(step.spread))))
    described = "; ".join(f"{s.date.day} {s.date:%b %Y}: {s.label}" for s in steps)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="spark" viewBox="0 0 {} {}" width="{}" height="{}" '
        'role="img" aria-label="{}"><title>{}</title>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d0d7de"/>'
        '<path d="{}" fill="none" stroke="#0072B2" stroke-width="2"/>{}</svg>',
        width,
        height,
        width,
        height,
        f"{title}: {described}",
        f"{title}: {described}",
        left,
        bottom,
        right,
        bottom,
        "".join(path) or "M0 0",
        mark_safe("".join(marks)),
    )
