from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from tracker import feeds, sitemaps
from tracker.conditional import conditional
from tracker.views import changes, convergence, data, evidence, methods, parties, plans, search, sources, timeline
from tracker.views.health import healthz, readyz

# Public pages; models' get_absolute_url and templates rely on these names (namespace "tracker").
public_patterns = [
    path("", plans.home, name="home"),
    path("plans/", plans.plan_list, name="plan-list"),
    path("plans/<slug:plan>/", plans.plan_detail, name="plan-detail"),
    path("plans/<slug:plan>/compare/", plans.compare, name="compare"),
    path("plans/<slug:plan>/<slug:version>/", plans.version_detail, name="version-detail"),
    path("plans/<slug:plan>/<slug:version>/<str:number>/", plans.clause_detail, name="clause-detail"),
    path("plans/<slug:plan>/<slug:version>/<str:number>/card/", plans.clause_card, name="clause-card"),
    path(
        "plans/<slug:plan>/<slug:version>/<str:number>/convergence.svg",
        convergence.spread_chart_svg,
        name="clause-convergence-chart",
    ),
    path("parties/", parties.party_list, name="party-list"),
    path("parties/<slug:slug>/", parties.party_detail, name="party-detail"),
    path("actors/<slug:slug>/", parties.actor_detail, name="actor-detail"),
    path("indicators/", evidence.indicator_list, name="indicator-list"),
    path("indicators/<slug:slug>/", evidence.indicator_detail, name="indicator-detail"),
    path("indicators/<slug:slug>/chart.svg", evidence.indicator_chart, name="indicator-chart"),
    path("sources/", sources.source_list, name="source-list"),
    path("sources/<slug:key>/", sources.source_detail, name="source-detail"),
    path("timeline/", timeline.timeline, name="timeline"),
    # Permanent addresses of rows shown on paged lists: each answers with the page that shows the row.
    path("timeline/events/<int:pk>/", timeline.event_detail, name="event-detail"),
    path("positions/<int:pk>/", parties.position_detail, name="position-detail"),
    path("figures/<int:pk>/", evidence.figure_detail, name="figure-detail"),
    path("changes/", changes.changes_page, name="changes"),
    path("methods/", methods.methods, name="methods"),
    path("search/", search.search, name="search"),
    path("convergence/", convergence.convergence_page, name="convergence"),
    path("flags/", convergence.flag_list, name="flags"),
]

# The dataset download and the feeds: each answers conditional requests with 304.
open_data_patterns = [
    path("data/", data.data_page, name="data"),
    path("data/tracker-dataset.zip", data.dataset_zip, name="dataset-zip"),
    path("feeds/positions/", conditional(feeds.PositionFeed()), name="feed-positions"),
    path("feeds/positions/party/<slug:slug>/", conditional(feeds.PartyPositionFeed()), name="feed-party-positions"),
    path(
        "feeds/positions/<slug:plan>/<slug:version>/<str:number>/",
        conditional(feeds.ClausePositionFeed()),
        name="feed-clause-positions",
    ),
    path("feeds/versions/", conditional(feeds.VersionFeed()), name="feed-versions"),
    path("feeds/changes/", conditional(feeds.ChangesFeed()), name="feed-changes"),
    path("feeds/events/", conditional(feeds.EventFeed()), name="feed-events"),
    path("feeds/figures/<slug:slug>/", conditional(feeds.IndicatorFigureFeed()), name="feed-indicator-figures"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/", include(("tracker.api.urls", "api"))),
    # For search engines: one address each, listing and naming every language's pages (tracker/sitemaps.py).
    path("robots.txt", sitemaps.robots_txt, name="robots"),
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap_section, name="sitemap-section"),
]

# Public pages and open data in each language: English at the addresses it always had, Ukrainian and Russian
# under /uk/ and /ru/ (settings.LANGUAGES). The admin and the API keep one address each: the admin speaks
# the editor's browser language (tracker.middleware.LocaleMiddleware), the API says its language itself.
urlpatterns += i18n_patterns(
    path("", include((public_patterns + open_data_patterns, "tracker"))),
    prefix_default_language=False,
)

handler400 = "tracker.views.common.bad_request"
# A database that cannot be reached gives a 503 page asking to retry, not the 500 page.
handler500 = "tracker.views.health.server_error"
