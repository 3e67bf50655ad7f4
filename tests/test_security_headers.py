"""Content-Security-Policy and Permissions-Policy: strict on public pages, workable in the admin and
the API documentation."""

import re

import pytest

from tests.worlds import make_world

pytestmark = pytest.mark.django_db


def directives(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


@pytest.fixture
def world():
    return make_world(1)


PUBLIC = [
    "/",
    "/plans/us-framework/28-point/",
    "/plans/us-framework/28-point/1/",
    "/parties/ukraine/",
    "/indicators/ua-forces/",
    "/sources/",
    "/timeline/",
    "/search/?q=point",
    "/data/",
    "/api/v1/clauses/",
    "/feeds/positions/",
    "/no-such-page/",
]


@pytest.mark.parametrize("url", PUBLIC)
def test_public_responses_carry_a_strict_policy_and_turn_off_unused_browser_features(client, world, url):
    response = client.get(url)
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"] and policy["form-action"] == ["'self'"]
    permissions = response["Permissions-Policy"]
    assert "camera=()" in permissions and "geolocation=()" in permissions and "microphone=()" in permissions


@pytest.mark.parametrize("url", [u for u in PUBLIC if not u.startswith(("/api/", "/feeds/"))])
def test_public_pages_hold_no_inline_code_the_strict_policy_would_block(client, world, url):
    html = client.get(url).content.decode()
    # A data block (JSON-LD, json_script) is never run, so the policy has nothing to block there.
    executable = re.sub(r'<script type="application/(?:ld\+)?json"[^>]*>.*?</script>', "", html, flags=re.S)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", executable), "an inline script"
    assert "<style" not in html, "an inline style block"
    assert not re.search(r"<[^>]+\sstyle=", html), "a style attribute"
    assert not re.search(r"<[^>]+\son[a-z]+=", html), "an inline event handler"


def test_the_admin_allows_inline_styles_but_scripts_only_from_the_site(client, editor_client):
    policy = directives(client.get("/admin/login/"))
    assert "'unsafe-inline'" in policy["style-src"]
    assert policy["script-src"] == ["'self'"]
    policy = directives(editor_client.get("/admin/tracker/clause/add/"))
    assert "'unsafe-inline'" in policy["style-src"] and policy["script-src"] == ["'self'"]


def test_the_api_documentation_loads_its_script_from_the_site_under_a_policy_it_can_run_with(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in policy["style-src"]
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    script = re.search(r'<script src="([^"]*\?[^"]*script[^"]*)"', html).group(1).replace("&amp;", "&")
    init = client.get(script)
    assert init.status_code == 200 and "SwaggerUIBundle" in init.content.decode()
