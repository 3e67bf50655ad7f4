"""sitemap.xml and robots.txt: every public page, in every language, for search engines.

``/sitemap.xml`` is an index of one sitemap per kind of page (``/sitemap-<section>.xml``, paged past
``Section.limit`` addresses with ``?p=2``...). Each page is listed once per language (English at its
unprefixed address, then ``/uk/`` and ``/ru/``), each entry naming all of them and English as
``x-default`` in ``xhtml:link hreflang`` alternates, with absolute addresses on the host and scheme the
request came in on. The objects are the ones readers can open: each section starts from the model's
``published()`` or ``public()`` rule, so no draft is ever listed. Events and figures have no page of
their own (they are anchors on the timeline and indicator pages), and topics none at all.

Each sitemap page costs one query whatever the data size (the index one or two per section).
``robots.txt`` points at the index and keeps crawlers out of the back office and of the query-string
variants of pages and API lists (filters, dates, pages, ``?format=csv``).
"""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpResponse
from django.urls import reverse

from tracker.models import Actor, Clause, Indicator, Party, Plan, PlanVersion, Source


class Section(Sitemap):
    """One kind of page in every language of the site, each with its alternates."""

    i18n = True
    alternates = True
    x_default = True
    # Addresses per sitemap page: three languages of each object, each entry with four alternates. Small
    # enough for the page cache to keep a page (well under its 2 MiB), far below the protocol's 50 000.
    limit = 1500

    def lastmod(self, item):
        return getattr(item, "updated_at", None)


class StaticPages(Section):
    """The pages that are not one object: the lists, the timeline, the methods."""

    changefreq = "daily"
    names = [
        "home",
        "plan-list",
        "party-list",
        "indicator-list",
        "source-list",
        "timeline",
        "changes",
        "convergence",
        "flags",
        "data",
        "methods",
    ]

    def items(self):
        return self.names

    def location(self, item):
        return reverse(f"tracker:{item}")


class Plans(Section):
    def items(self):
        return Plan.objects.published().order_by("pk")


class Versions(Section):
    def items(self):
        return PlanVersion.objects.published().select_related("plan").order_by("pk")


class Points(Section):
    def items(self):
        return Clause.objects.published().select_related("version__plan").order_by("pk")


class Parties(Section):
    def items(self):
        return Party.objects.order_by("pk")


class Actors(Section):
    def items(self):
        return Actor.objects.public().order_by("pk")


class Indicators(Section):
    def items(self):
        return Indicator.objects.public().order_by("pk")


class Sources(Section):
    def items(self):
        return Source.objects.public().order_by("pk")


SECTIONS = {
    "pages": StaticPages,
    "plans": Plans,
    "versions": Versions,
    "points": Points,
    "parties": Parties,
    "actors": Actors,
    "indicators": Indicators,
    "sources": Sources,
}


def sitemap_index(request):
    return sitemap_views.index(request, SECTIONS, sitemap_url_name="sitemap-section")


def sitemap_section(request, section):
    return sitemap_views.sitemap(request, SECTIONS, section=section)


ROBOTS = """\
# Every public page, in English, Ukrainian (/uk/) and Russian (/ru/), is listed in the sitemap.
User-agent: *
# The editors' back office.
Disallow: /admin/
# Variants of pages and of the API's lists made by a query string: filters, dates (?as_of=), page
# numbers, searches and CSV downloads (?format=csv). Each shows what a listed page already does.
Disallow: /*?

Sitemap: {sitemap}
"""


def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    return HttpResponse(ROBOTS.format(sitemap=sitemap), content_type="text/plain; charset=utf-8")
