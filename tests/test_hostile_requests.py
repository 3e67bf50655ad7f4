"""What an outsider can send never gives a 500: forged Host headers, and a crawl of every public
address with hostile query strings, paths and headers.

The crawl is small on purpose: it visits one address of each public URL pattern, finds the
parameters each one takes (its forms' fields on pages, its FilterSet's on the API), and sends one
request per parameter and kind of bad value, not thousands of random ones.
"""

import re

import pytest
from django.test import Client
from django.urls import resolve

from tests import factories as f
from tests.worlds import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = make_world(2)
    world["source"] = world["clauses"][0].sources.get()
    return world


def public_addresses(world):
    """One address of each public URL pattern, over the small world."""
    plan, version, clause = world["plan"].slug, world["first"].slug, world["clauses"][0].number
    party, actor, indicator, source = world["party"].slug, world["actor"].slug, world["indicator"].slug, world["source"]
    pages = [
        "/",
        "/plans/",
        f"/plans/{plan}/",
        f"/plans/{plan}/compare/",
        f"/plans/{plan}/{version}/",
        f"/plans/{plan}/{version}/{clause}/",
        f"/plans/{plan}/{version}/{clause}/card/",
        f"/plans/{plan}/{version}/{clause}/convergence.svg",
        "/parties/",
        f"/parties/{party}/",
        f"/actors/{actor}/",
        "/indicators/",
        f"/indicators/{indicator}/",
        f"/indicators/{indicator}/chart.svg",
        "/sources/",
        f"/sources/{source.key}/",
        "/timeline/",
        "/changes/",
        "/methods/",
        "/convergence/",
        "/flags/",
        "/search/",
        "/data/",
        "/data/tracker-dataset.zip",
        "/feeds/positions/",
        f"/feeds/positions/party/{party}/",
        f"/feeds/positions/{plan}/{version}/{clause}/",
        "/feeds/versions/",
        "/feeds/changes/",
        "/feeds/events/",
        f"/feeds/figures/{indicator}/",
        "/api/v1/",
        "/api/schema/",
        "/api/docs/",
    ]
    api_lists = ["plans", "versions", "clauses", "topics", "parties", "actors", "positions"]
    api_lists += ["indicators", "figures", "sources", "events"]
    api = [f"/api/v1/{name}/" for name in api_lists]
    # Details share their list's parameters; these are the ones with lookups of their own.
    api += [
        f"/api/v1/versions/{plan}/{version}/compare/{world['second'].slug}/",
        f"/api/v1/clauses/{plan}/{version}/{clause}/",
        f"/api/v1/clauses/{world['clauses'][0].pk}/",
        f"/api/v1/sources/{source.key}/",
    ]
    return pages + api


# Parameters any page or endpoint may read beside those its forms or FilterSet declare.
PAGE_PARAMETERS = {"as_of", "page", "format"}
API_PARAMETERS = {"page", "page_size", "ordering", "format"}
# Slow to build and reading no parameter of their own: only the all-at-once request.
NO_PARAMETERS = {"/api/schema/", "/data/tracker-dataset.zip"}

# Kinds of bad value. Each parameter of an address gets one, in turn, so that over the crawl every
# parameter meets every kind on some address.
HOSTILE_VALUES = [
    "%ff%fe%3Cscript%3Ealert(1)%3C/script%3E%27%22%01..%2F",  # broken UTF-8, markup, quotes, control byte
    "-99999999999999999999999999",  # overflows every integer and date field
    "0001-01-01T25:61:61%2B99:99",  # a date at the edge of the calendar, with an impossible time
]
LONG = "9" * 4000


def parameters_of(client, url, response):
    """The parameters an address takes: its forms' fields, or its API FilterSet's, and the common ones."""
    if url in NO_PARAMETERS:
        return sorted(PAGE_PARAMETERS | API_PARAMETERS)
    names = set(API_PARAMETERS if url.startswith("/api/") else PAGE_PARAMETERS)
    content_type = response.get("Content-Type", "")
    if content_type.startswith("text/html"):
        names |= set(re.findall(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', response.content.decode()))
    match = resolve(url.split("?")[0])
    view = getattr(match.func, "cls", None)
    filterset_class = getattr(view, "filterset_class", None)
    # A detail endpoint runs its list's FilterSet, which the list's own address already tries.
    if filterset_class is not None and not match.kwargs:
        names |= set(filterset_class.base_filters)
    names.discard("csrfmiddlewaretoken")
    return sorted(names)


HOSTILE_HEADERS = {
    "HTTP_ACCEPT": "application/json;q=nan, text/html;;;q=-1, */*;version=\u00ff",
    "HTTP_ACCEPT_ENCODING": "gzip;q=x, br;q=99, identity;q=",
    "HTTP_ACCEPT_LANGUAGE": "zz-ZZZZ;q=5, ../../etc/passwd, " + "a" * 300,
    "HTTP_IF_NONE_MATCH": '"unterminated, W/"", *, ' + '"x' * 200,
    "HTTP_IF_MODIFIED_SINCE": "Fri, 99 Foo 99999 99:99:99 GMT",
    "HTTP_IF_UNMODIFIED_SINCE": "Thu, 01 Jan 0001 00:00:00 GMT",
    "HTTP_RANGE": "bytes=999999999999999999999-1",
    "HTTP_X_FORWARDED_FOR": "not-an-address, ::::, 999.1.1.1, " + "1." * 200,
    "HTTP_X_FORWARDED_PROTO": "gopher",
    "HTTP_X_FORWARDED_HOST": "evil.example",
    "HTTP_COOKIE": 'sessionid=%ff<garbage>; csrftoken="; messages=bogus',
    "HTTP_REFERER": "javascript:alert(1)",
    "HTTP_USER_AGENT": "<script>" * 100,
}


def assert_no_server_error(response, what):
    assert response.status_code < 500, f"{what} answered {response.status_code}"


def test_a_crawl_with_hostile_query_strings_paths_and_headers_gives_no_server_error(world):
    client = Client(raise_request_exception=False)
    addresses = public_addresses(world)
    requests = 0
    for turn, url in enumerate(addresses):
        plain = client.get(url)
        assert plain.status_code == 200, url
        parameters = parameters_of(client, url, plain)
        for index, name in enumerate([] if url in NO_PARAMETERS else parameters):
            value = HOSTILE_VALUES[(turn + index) % len(HOSTILE_VALUES)]
            assert_no_server_error(client.get(f"{url}?{name}={value}"), f"{url}?{name}={value}")
            requests += 1
        # Every parameter at once, repeated, and far too long.
        query = "&".join(f"{name}={LONG}&{name}=1" for name in parameters)
        assert_no_server_error(client.get(f"{url}?{query}"), f"{url} with every parameter repeated and long")
        assert_no_server_error(client.get(url, **HOSTILE_HEADERS), f"{url} with hostile headers")
        if turn % 2:
            assert_no_server_error(client.post(url, "%ff<x>", content_type="text/xml"), f"POST {url}")
        else:
            assert_no_server_error(client.options(url), f"OPTIONS {url}")
        requests += 3
    # Addresses no pattern gives out: broken encodings, odd keys, numbers past every integer.
    for url in [
        "/plans/%ff%fe/",
        "/plans/x/y/z%2Fw/",
        "/plans/" + "a" * 3000 + "/",
        f"/plans/{world['plan'].slug}/{world['first'].slug}/%ff%00x/",
        f"/plans/{world['plan'].slug}/{world['first'].slug}/..%2F..%2F/",
        "/api/v1/clauses/99999999999999999999999999/",
        "/api/v1/clauses/-1/",
        "/api/v1/versions/x/y/compare/%ff/",
        "/feeds/positions/party/%ff/",
        "/sources/%3Cscript%3E/",
        "/admin/login/?next=javascript:alert(1)",
        "/static/../../etc/passwd",
    ]:
        assert_no_server_error(client.get(url), url)
        requests += 1
    assert requests > 6 * len(addresses)  # the crawl found parameters to try


@pytest.mark.parametrize(
    "url", ["/", "/plans/", "/api/v1/clauses/", "/feeds/versions/", "/data/tracker-dataset.zip", "/no-such-page/"]
)
def test_a_host_the_site_does_not_serve_gets_a_400_not_a_500(client, url, settings):
    f.PlanFactory()
    response = client.get(url, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "host" in response.content.decode().lower()


def test_a_forged_host_gets_a_400_before_the_https_redirect_and_on_the_admin(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400
    assert client.get("/admin/login/", HTTP_HOST="evil.example", secure=True).status_code == 400
    assert client.get("/", HTTP_HOST="localhost").status_code == 301  # the allowed host is still redirected
