"""Fragments that repeat across the public pages: navigation, stance badges, source citations."""

import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.template.defaultfilters import date as date_filter
from django.urls import reverse, translate_url
from django.utils import timezone, translation
from django.utils.formats import get_format
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tracker.cache import shows_data_stamp, untracked
from tracker.conditional import content_stamp
from tracker.models import Stance
from tracker.numbers import local_grouped
from tracker.templatetags.content_language import source_title

register = template.Library()

# Reader-facing sections, in the order the header lists them.
NAV = [
    (_("Plans"), "tracker:home"),
    (_("Parties"), "tracker:party-list"),
    (_("Indicators"), "tracker:indicator-list"),
    (_("Sources"), "tracker:source-list"),
    (_("Timeline"), "tracker:timeline"),
    (_("What changed"), "tracker:changes"),
    (_("Open data"), "tracker:data"),
]

# A symbol beside each label so the scale reads without colour (and in print).
STANCE_SYMBOLS = {
    Stance.SUPPORTS: "✔",
    Stance.CONDITIONAL: "✔?",
    Stance.AMBIGUOUS: "~",
    Stance.OPPOSES: "✘",
    Stance.REJECTS: "✘✘",
}


@register.inclusion_tag("includes/nav.html", takes_context=True)
def site_nav(context):
    """The header's section links and search box."""
    request = context.get("request")
    current = request.path if request is not None else ""
    links = []
    home, plans = reverse("tracker:home"), reverse("tracker:plan-list")
    for label, name in NAV:
        url = reverse(name)
        # Plans, versions, points and comparisons all live under the home page's section.
        is_current = (current == home or current.startswith(plans)) if url == home else current.startswith(url)
        links.append({"label": label, "url": url, "current": is_current})
    search_url = reverse("tracker:search")
    query = request.GET.get("q", "") if request is not None and current == search_url else ""
    return {"links": links, "search_url": search_url, "query": query}


def language_versions(request):
    """This page in every language of the site: [(code, name, address)], the address keeping the object and
    the query string. A page that names nothing the site knows (a 404) links to each language's home page."""
    if request is None:
        return []
    versions = getattr(request, "_language_versions", None)
    if versions is None:
        here = request.get_full_path()
        current = translation.get_language()
        versions = []
        for code, name in settings.LANGUAGES:
            url = translate_url(here, code)
            if url == here and code != current:
                with translation.override(code):
                    url = reverse("tracker:home")
            versions.append((code, name, url))
        request._language_versions = versions
    return versions


@register.inclusion_tag("includes/language_switcher.html", takes_context=True)
def language_switcher(context):
    """Plain links to this page in the other languages, each named in its own language."""
    current = translation.get_language()
    links = [
        {"code": code, "name": name, "url": url, "current": code == current}
        for code, name, url in language_versions(context.get("request"))
    ]
    return {"links": links}


@register.simple_tag(takes_context=True)
def hreflang_links(context):
    """<link rel="alternate" hreflang> for this page in every language, and English as x-default."""
    request = context.get("request")
    versions = language_versions(request)
    if not versions:
        return ""
    absolute = [(code, request.build_absolute_uri(url)) for code, _name, url in versions]
    default = dict(absolute)[settings.LANGUAGE_CODE]
    return format_html_join(
        "\n  ",
        '<link rel="alternate" hreflang="{}" href="{}">',
        [*absolute, ("x-default", default)],
    )


# The stance badge, a source's citation and a position's subject are written with format_html, not as
# template fragments: a page shows hundreds of them. Measured on 3 December 2026 against the same three
# as inclusion tags with templates under templates/includes/ (PostgreSQL, synthetic data at 10 and 100
# times the shipped dataset, in-process, page cache off, CPU time per request, ten A/B pairs back to
# back per scale): the templates cost 28 against 17 µs a badge, 123 against 91 µs a short citation and
# 90 against 57 µs a subject, and so 7% more CPU over the party, version, home, sources and timeline
# pages at both scales (party page +13% at 10x, +14% at 100x; timeline +8%, +9%; version +6%, +6%;
# home +6%, +5%; sources list +3%, +2%). tests/test_templatetags.py holds the template equivalents
# and checks that both print the same.


def stance_parts(stance):
    try:
        label = Stance(stance).label
    except ValueError:
        label = stance
    return {"stance": stance, "label": label, "symbol": STANCE_SYMBOLS.get(stance, "")}


@register.simple_tag
def stance_badge(stance, url=None, title=""):
    """A stance as symbol and words (never colour alone), optionally linking to the position.

    Built in Python rather than from a template (see the measurement above)."""
    parts = stance_parts(stance)
    title_attribute = format_html(' title="{}"', title) if title else ""
    inside = format_html(
        '<span class="stance__symbol" aria-hidden="true">{}</span> {}', parts["symbol"], parts["label"]
    )
    if url:
        return format_html('<a class="stance stance--{}" href="{}"{}>{}</a>\n', stance, url, title_attribute, inside)
    return format_html('<span class="stance stance--{}"{}>{}</span>\n', stance, title_attribute, inside)


@register.inclusion_tag("includes/stance_legend.html")
def stance_legend():
    return {"stances": Stance.values}


@register.simple_tag
def source_link(source, short=False):
    """A citation: the source's page on this site and, where there is one, the original.

    Short: publisher and date; long: title, then publisher and date. Built in Python rather than
    from a template (see the measurement above)."""
    page = page_url(source)
    published = short_date(source.published_on)
    if short:
        label = format_html("{}, {}", source.publisher, published) if published else source.publisher
    else:
        label = source_title(source)  # in the words and the language the source printed it in
    cited = format_html('<a href="{}">{}</a>', page, label) if page else conditional_escape(label)
    if not short:
        approximately = pgettext("circa, before a date", "c. ") if source.date_is_approximate else ""
        when = format_html(", {}{}", approximately, published) if published else ""
        cited = format_html("{} ({}{})", cited, source.publisher, when)
    original = ""
    if source.url:
        original = format_html(
            ' <a class="source__original" href="{}" rel="noopener noreferrer external">{}'
            '<span class="visually-hidden"> {}</span></a>',
            source.url,
            pgettext("a source's original publication", "original"),
            gettext("of %(title)s") % {"title": source.title},
        )
    return format_html('<cite class="source">{}{}</cite>\n', cited, original)


@register.simple_tag
def position_subject(position):
    """What a position is about: a point (its version, number and heading) or a version as a whole.

    Built in Python rather than from a template (see the measurement above)."""
    if position.clause_id:
        clause = position.clause
        return format_html(
            '<a href="{}">{}, {}</a>: {}',
            clause.get_absolute_url(),
            clause.version.name,
            clause.point_name,
            clause.heading,
        )
    version = position.version
    return format_html(
        '<a href="{}">{}</a> <span class="muted">{}</span>',
        version.get_absolute_url(),
        version.name,
        gettext("(the version as a whole)"),
    )


@register.filter
def page_url(obj):
    """The object's page on this site."""
    return obj.get_absolute_url()


# Dates as the pages print them, in each language's convention (tracker/formats/: 21 Nov 2025 and
# 21 November 2025 in English, 21.11.2025 and 21 листопада 2025 in Ukrainian): Django's date filter with
# the language's format. A datetime is first turned to the reader's time zone by the template.


def _date_text(value, format_name):
    return date_filter(value, get_format(format_name))


@register.filter(expects_localtime=True)
def short_date(value):
    """21 Nov 2025 (the date filter's "j M Y"); 21.11.2025 in Ukrainian and Russian."""
    return _date_text(value, "TRACKER_SHORT_DATE")


@register.filter(expects_localtime=True)
def long_date(value):
    """21 November 2025 (the date filter's "j F Y"); 21 листопада 2025, 21 ноября 2025."""
    return _date_text(value, "TRACKER_LONG_DATE")


@register.filter(expects_localtime=True)
def day_month(value):
    """21 Nov; 21.11 in Ukrainian and Russian."""
    return date_filter(value, get_format("TRACKER_DAY_MONTH"))


@register.filter(expects_localtime=True)
def iso_date(value):
    """2025-11-21, for machine-readable datetime attributes (the date filter's "Y-m-d")."""
    return date_filter(value, "Y-m-d")


@register.filter
def signed(number):
    """A difference with its sign spelt out and thousands grouped: +200,000 or −50,000 (+200 000 in uk)."""
    if number is None:
        return ""
    text = local_grouped(abs(number))
    return ("+" if number > 0 else "−" if number < 0 else "±") + text


@register.filter
def figure_value(figure):
    """A figure's value with its amounts written the language's way: "over 600 000" in Ukrainian."""
    return figure.display_value


@register.filter
def plain_number(number):
    """A number with thousands grouped: 600,000 in English, 600 000 in Ukrainian and Russian."""
    if number is None:
        return ""
    return local_grouped(number)


@register.simple_tag(takes_context=True)
def last_updated(context):
    """When the tracker's data last changed, as the page's frame says it (one query, shared with the
    HTTP validators of the same request)."""
    request = context.get("request")
    if request is None:
        return ""
    # The stamp changes with every save anywhere: the page cache lets it lag a little rather than
    # rebuild every page on every save.
    shows_data_stamp()
    if not hasattr(request, "_content_stamp"):
        with untracked():
            request._content_stamp = content_stamp()
    stamp = request._content_stamp
    if stamp is None:
        return ""
    stamp = timezone.localtime(stamp)
    moment = format_html(
        '<time datetime="{}">{} {}</time>',
        stamp.isoformat(timespec="minutes"),
        long_date(stamp.date()),
        stamp.strftime("%H:%M %Z"),
    )
    return format_html(gettext("Data last updated {moment}."), moment=moment)


# A figure against a clause's term in plain words, by what the term is (its comparator): whole sentences,
# so each language can word them in its own grammar.
_GAP_WORDS = {
    "cap": {
        "above": _("above the cap by %(amount)s%(percent)s"),
        "below": _("below the cap by %(amount)s%(percent)s"),
        "at": _("exactly at the cap"),
        "meets above": _("within the cap (%(amount)s above it)"),
        "meets below": _("within the cap (%(amount)s below it)"),
        "range": _("the range runs from %(low)s %(low_side)s to %(high)s %(high_side)s the cap: partly outside it"),
    },
    "minimum": {
        "above": _("above the minimum by %(amount)s%(percent)s"),
        "below": _("below the minimum by %(amount)s%(percent)s"),
        "at": _("exactly at the minimum"),
        "meets above": _("meets the minimum (%(amount)s above it)"),
        "meets below": _("meets the minimum (%(amount)s below it)"),
        "range": _("the range runs from %(low)s %(low_side)s to %(high)s %(high_side)s the minimum: partly outside it"),
    },
    "agreed figure": {
        "above": _("above the agreed figure by %(amount)s%(percent)s"),
        "below": _("below the agreed figure by %(amount)s%(percent)s"),
        "at": _("exactly at the agreed figure"),
        "meets above": _("meets the agreed figure (%(amount)s above it)"),
        "meets below": _("meets the agreed figure (%(amount)s below it)"),
        "range": _(
            "the range runs from %(low)s %(low_side)s to %(high)s %(high_side)s the agreed figure: partly outside it"
        ),
    },
    "term": {
        "above": _("above the term by %(amount)s%(percent)s"),
        "below": _("below the term by %(amount)s%(percent)s"),
        "at": _("exactly at the term"),
        "meets above": _("meets the term (%(amount)s above it)"),
        "meets below": _("meets the term (%(amount)s below it)"),
        "range": _("the range runs from %(low)s %(low_side)s to %(high)s %(high_side)s the term: partly outside it"),
    },
}
_TERM_NOUNS = {"lte": "cap", "lt": "cap", "gte": "minimum", "gt": "minimum", "eq": "agreed figure"}
_SIDES = {
    "above": pgettext_lazy("a range's end against a term", "above"),
    "below": pgettext_lazy("a range's end against a term", "below"),
}


def _amount(number):
    return local_grouped(abs(number))


@register.simple_tag
def gap_words(gap):
    """A figure against a clause's term in plain words: "above the cap by 200,000 (33.3%)"."""
    words = _GAP_WORDS[_TERM_NOUNS.get(gap.target.comparator, "term")]
    percent = ""
    if gap.percent is not None:
        percent = " (" + local_grouped(abs(gap.percent)) + "%)"
    if gap.difference_low is not None and gap.status == "straddles":
        low, high = gap.difference_low, gap.difference_high
        return conditional_escape(
            str(words["range"])
            % {
                "low": _amount(low),
                "low_side": _SIDES["below" if low < 0 else "above"],
                "high": _amount(high),
                "high_side": _SIDES["below" if high < 0 else "above"],
            }
        )
    difference = gap.difference
    if difference is None:  # a range wholly on one side of the term, with no central value
        ends = sorted((gap.difference_low, gap.difference_high), key=abs)
        difference, percent = ends[0], ""
        amount = pgettext("a range of two amounts", "%(low)s to %(high)s") % {
            "low": _amount(ends[0]),
            "high": _amount(ends[1]),
        }
    else:
        amount = _amount(difference)
    if difference == 0:
        return conditional_escape(str(words["at"]))
    side = "above" if difference > 0 else "below"
    if gap.status == "meets":
        return conditional_escape(str(words[f"meets {side}"]) % {"amount": amount})
    return conditional_escape(str(words[side]) % {"amount": amount, "percent": percent})


def _source_words(source):
    published = short_date(source.published_on)
    return f"{source.publisher}, {published}" if published else source.publisher


def _site_name():
    return gettext("Peace-plan tracker")


@register.simple_tag(takes_context=True)
def position_citation(context, position):
    """How to cite one statement: who, what, when, its source, and its permanent address on the site."""
    request = context.get("request")
    # The point's page lists every statement on it, so the anchor is always there (a party's page is paged).
    if position.clause_id:
        url = f"{position.clause.get_absolute_url()}#position-{position.pk}"
    else:
        url = position.get_absolute_url()
    url = request.build_absolute_uri(url) if request is not None else url
    voice = f" ({position.actor.name})" if position.actor_id else ""
    subject = position.subject_words()
    return gettext(
        "%(party)s%(voice)s: %(stance)s on %(subject)s, stated %(date)s. Source: %(source)s. %(site)s, %(url)s"
    ) % {
        "party": position.party.name,
        "voice": voice,
        "stance": position.get_stance_display().lower(),
        "subject": subject,
        "date": short_date(position.stated_on),
        "source": _source_words(position.source),
        "site": _site_name(),
        "url": url,
    }


@register.simple_tag(takes_context=True)
def figure_citation(context, figure):
    """How to cite one figure: the value, what it describes, who claims it, its source and permanent address."""
    request = context.get("request")
    url = figure.get_absolute_url()
    url = request.build_absolute_uri(url) if request is not None else url
    period = f" ({figure.period_label})" if figure.period_label else ""
    return gettext(
        "%(indicator)s: %(value)s %(unit)s%(period)s, claimed by %(claimant)s, reported %(date)s. "
        "Source: %(source)s. %(site)s, %(url)s"
    ) % {
        "indicator": figure.indicator.name,
        "value": figure_value(figure),
        "unit": figure.indicator.unit,
        "period": period,
        "claimant": figure.claimed_by,
        "date": short_date(figure.reported_on),
        "source": _source_words(figure.source),
        "site": _site_name(),
        "url": url,
    }


# The characters that could end a script element or open a comment inside it, as JSON escapes
# (as Django's json_script filter writes them).
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data):
    """A JSON-LD script element for ``data`` (see tracker.structured_data); nothing when there is none.

    Escaped as json_script escapes, so no text in the data (an editor's note, a source's title) can
    close the element or inject markup."""
    if not data:
        return ""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))
