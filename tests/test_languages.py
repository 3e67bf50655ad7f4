"""The interface in English, Ukrainian and Russian: addresses, the language switcher, hreflang, <html lang>."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def point():
    version = f.PlanVersionFactory(name="28-point draft")
    return f.ClauseFactory(version=version, number="6", sort_order=6, heading="Armed forces")


def _html_lang(html):
    return re.search(r'<html lang="([^"]+)">', html).group(1)


def _switcher(html):
    return html.split('<nav class="language-switcher"')[1].split("</nav>")[0]


@pytest.mark.parametrize("code", ["uk", "ru"])
def test_prefixed_pages_answer_in_their_language_and_say_so(client, point, code):
    english = point.get_absolute_url()
    response = client.get(f"/{code}{english}")
    assert response.status_code == 200
    html = response.content.decode()
    assert _html_lang(html) == code
    assert response["Content-Language"] == code
    # Links on the page stay in the reader's language.
    assert f'href="/{code}/"' in html


def test_english_keeps_its_unprefixed_addresses_whatever_the_browser_asks_for(client, point):
    url = point.get_absolute_url()
    assert not url.startswith(("/uk/", "/ru/", "/en/"))
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="uk,ru;q=0.8")
    assert response.status_code == 200
    assert _html_lang(response.content.decode()) == "en"
    assert client.get(f"/en{url}").status_code == 404


def test_the_switcher_keeps_the_reader_on_the_same_point_and_query(client, point):
    url = point.get_absolute_url()
    html = client.get(f"/uk{url}?as_of=2025-11-25").content.decode()
    switcher = _switcher(html)
    assert f'<a href="{url}?as_of=2025-11-25" hreflang="en" lang="en">English</a>' in switcher
    assert f'<a href="/ru{url}?as_of=2025-11-25" hreflang="ru" lang="ru">Русский</a>' in switcher
    assert f'<a href="/uk{url}?as_of=2025-11-25" lang="uk" aria-current="true">Українська</a>' in switcher
    # Followed, each link gives the same point in the other language.
    russian = client.get(f"/ru{url}?as_of=2025-11-25")
    assert russian.status_code == 200 and _html_lang(russian.content.decode()) == "ru"
    assert "Armed forces" in russian.content.decode()


def test_the_switcher_on_a_page_that_does_not_exist_leads_to_each_languages_home(client):
    html = client.get("/uk/no-such-section/").content.decode()
    switcher = _switcher(html)
    assert 'href="/" hreflang="en"' in switcher and 'href="/ru/" hreflang="ru"' in switcher


def test_every_page_names_its_alternates_in_each_language_with_absolute_addresses(client, point):
    url = point.get_absolute_url()
    html = client.get(f"/ru{url}").content.decode()
    head = html.split("</head>")[0]
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', head))
    assert alternates == {
        "en": f"http://testserver{url}",
        "uk": f"http://testserver/uk{url}",
        "ru": f"http://testserver/ru{url}",
        "x-default": f"http://testserver{url}",
    }


def test_the_header_marks_the_current_section_in_every_language(client, point):
    html = client.get(f"/uk{point.get_absolute_url()}").content.decode()
    nav = html.split('class="site-nav"')[1].split("</nav>")[0]
    assert re.search(r'<a href="/uk/" aria-current="page">', nav)


def test_addresses_built_outside_a_request_stay_english(point):
    assert reverse("tracker:home") == "/"
    with translation.override("uk"):
        assert reverse("tracker:home") == "/uk/"
        assert point.get_absolute_url().startswith("/uk/plans/")


def test_the_admin_keeps_one_address_and_follows_the_editors_browser(client):
    assert client.get("/uk/admin/").status_code == 404
    response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="uk")
    assert response["Content-Language"] == "uk"
    assert client.get("/admin/login/")["Content-Language"] == "en"


def test_each_languages_pages_link_to_that_languages_addresses_whichever_was_built_first(client, point):
    english = point.get_absolute_url()
    with translation.override("uk"):
        assert point.get_absolute_url() == f"/uk{english}"
    with translation.override("ru"):
        assert point.get_absolute_url() == f"/ru{english}"
    assert point.get_absolute_url() == english
    version_page = point.version.get_absolute_url()
    assert f'href="/ru{english}"' in client.get(f"/ru{version_page}").content.decode()
    assert f'href="{english}"' in client.get(version_page).content.decode()


def test_the_interface_speaks_the_pages_language(client, point):
    f.PositionFactory(clause=point, stance="rejects")
    ukrainian = client.get("/uk/").content.decode()
    assert "<h1>Мирні плани, пункт за пунктом</h1>" in ukrainian
    assert "Відхиляє" in ukrainian and ">Сторони</a>" in ukrainian
    russian = client.get("/ru/").content.decode()
    assert "<h1>Мирные планы, пункт за пунктом</h1>" in russian and "Отвергает" in russian
    english = client.get("/").content.decode()
    assert "<h1>Peace plans, clause by clause</h1>" in english and "Rejects" in english


def test_every_page_type_of_the_shipped_dataset_answers_in_ukrainian_and_russian(client, loaded):
    from tracker.models import Actor, Clause, Indicator, Party, PlanVersion, Source

    clause = Clause.objects.published().select_related("version__plan").first()
    version = PlanVersion.objects.published().first()
    pages = [
        "/",
        "/plans/",
        version.plan.get_absolute_url(),
        version.get_absolute_url(),
        clause.get_absolute_url(),
        f"/plans/{clause.version.plan.slug}/compare/",
        "/parties/",
        Party.objects.first().get_absolute_url(),
        Actor.objects.public().first().get_absolute_url(),
        "/indicators/",
        Indicator.objects.public().first().get_absolute_url(),
        "/sources/",
        Source.objects.public().first().get_absolute_url(),
        "/timeline/",
        "/changes/",
        "/methods/",
        "/search/?q=forces",
        "/convergence/",
        "/flags/",
        "/data/",
    ]
    headings = {"uk": "Трекер мирних планів", "ru": "Трекер мирных планов"}
    for code, brand in headings.items():
        for url in pages:
            response = client.get(f"/{code}{url}")
            assert response.status_code == 200, (code, url)
            html = response.content.decode()
            assert _html_lang(html) == code, url
            assert f'<a class="brand" href="/{code}/">{brand}</a>' in html, url
