"""The API, the feeds, the downloads and the caches in each language.

Pages, feeds and downloads speak the language of their address (/uk/, /ru/, English without a prefix);
the API answers one address in the language asked for (``?lang=``, then Accept-Language) and says which.
Every cache keeps each language's copy apart, and a save makes every language's copy stale.
"""

import csv
import io
import xml.etree.ElementTree as ET
import zipfile

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory

from tests.worlds import make_world
from tracker import exports
from tracker.cache import CachedPageApplication

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def world(db):
    return make_world(1)


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()


# --- The API's language ---


def test_the_api_answers_in_the_language_of_accept_language_and_says_so(client, world):
    for header, expected in [("uk-UA,uk;q=0.9,en;q=0.5", "uk"), ("ru", "ru"), ("de, en;q=0.5", "en"), ("", "en")]:
        response = client.get("/api/v1/plans/", HTTP_ACCEPT_LANGUAGE=header)
        assert response.status_code == 200, header
        assert response["Content-Language"] == expected, header
        assert "Accept-Language" in response["Vary"], header


def test_lang_in_the_query_wins_over_accept_language(client, world):
    response = client.get("/api/v1/plans/", {"lang": "ru"}, HTTP_ACCEPT_LANGUAGE="uk")
    assert response["Content-Language"] == "ru"
    assert client.get("/api/v1/plans/", {"lang": "en"}, HTTP_ACCEPT_LANGUAGE="uk")["Content-Language"] == "en"


@pytest.mark.parametrize("value", ["de", "", "uk-UA", "<script>"])
def test_a_language_the_site_does_not_offer_is_a_400_naming_the_choices(client, world, value):
    response = client.get("/api/v1/plans/", {"lang": value})
    assert response.status_code == 400
    [message] = response.json()["lang"]
    assert "en, uk, ru" in message


def test_the_apis_own_messages_follow_its_language(client, world):
    english = client.get("/api/v1/positions/", {"stance": "bogus"})
    ukrainian = client.get("/api/v1/positions/", {"stance": "bogus", "lang": "uk"})
    assert english.status_code == ukrainian.status_code == 400
    assert "Select a valid choice" in english.json()["stance"][0]
    assert "немає серед варіантів вибору" in ukrainian.json()["stance"][0]


def test_the_apis_texts_and_links_follow_its_language(client, world):
    plan = world["plan"]
    plan.title_uk = "Рамкова угода США"
    plan.save()
    english = client.get("/api/v1/plans/").json()["results"][0]
    ukrainian = client.get("/api/v1/plans/", {"lang": "uk"}).json()["results"][0]
    russian = client.get("/api/v1/plans/", HTTP_ACCEPT_LANGUAGE="ru").json()["results"][0]
    assert (english["title"], ukrainian["title"], russian["title"]) == (
        "US framework",
        "Рамкова угода США",
        "US framework",  # not yet translated into Russian: the English text
    )
    assert english["page_url"] == "http://testserver/plans/us-framework/"
    assert ukrainian["page_url"] == "http://testserver/uk/plans/us-framework/"
    assert russian["page_url"] == "http://testserver/ru/plans/us-framework/"


def test_the_api_etag_differs_per_language_so_a_304_never_crosses_languages(client, world):
    english = client.get("/api/v1/plans/")
    ukrainian = client.get("/api/v1/plans/", HTTP_ACCEPT_LANGUAGE="uk")
    assert english["ETag"] != ukrainian["ETag"]
    again = client.get("/api/v1/plans/", HTTP_ACCEPT_LANGUAGE="uk", HTTP_IF_NONE_MATCH=english["ETag"])
    assert again.status_code == 200 and again["Content-Language"] == "uk"
    same = client.get("/api/v1/plans/", HTTP_ACCEPT_LANGUAGE="uk", HTTP_IF_NONE_MATCH=ukrainian["ETag"])
    assert same.status_code == 304


def test_the_schema_documents_lang_and_content_language(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/plans/"]["get"]
    parameters = {(p["in"], p["name"]): p for p in operation["parameters"]}
    assert set(parameters[("query", "lang")]["schema"]["enum"]) == {"en", "uk", "ru"}
    assert ("header", "Accept-Language") in parameters
    assert "Content-Language" in operation["responses"]["200"]["headers"]


# --- The page cache ---


def test_each_languages_copy_of_a_page_is_cached_apart(world, page_cache):
    reader = Client()
    english = reader.get("/")
    ukrainian = reader.get("/uk/")
    assert english["X-Page-Cache"] == ukrainian["X-Page-Cache"] == "miss"
    assert b'<html lang="en' in english.content and b'<html lang="uk"' in ukrainian.content
    for _ in range(2):
        assert reader.get("/uk/").content == ukrainian.content
        # An English page stays English whatever the browser prefers: the address decides.
        hit = reader.get("/", HTTP_ACCEPT_LANGUAGE="uk")
        assert hit["X-Page-Cache"] == "hit" and hit.content == english.content


def test_the_api_keeps_each_languages_answer_apart_in_the_cache(world, page_cache):
    reader = Client()
    english = reader.get("/api/v1/plans/")
    ukrainian = reader.get("/api/v1/plans/", HTTP_ACCEPT_LANGUAGE="uk")
    assert english["X-Page-Cache"] == ukrainian["X-Page-Cache"] == "miss"
    for headers, language in [
        ({}, "en"),
        ({"HTTP_ACCEPT_LANGUAGE": "uk"}, "uk"),
        ({"HTTP_ACCEPT_LANGUAGE": "en"}, "en"),
    ]:
        hit = reader.get("/api/v1/plans/", **headers)
        assert hit["X-Page-Cache"] == "hit" and hit["Content-Language"] == language, headers
    assert reader.get("/api/v1/plans/", {"lang": "uk"})["X-Page-Cache"] == "miss"
    # ?lang=uk and Accept-Language: uk are the same answer, stored once more under its own address.
    assert reader.get("/api/v1/plans/", {"lang": "uk"})["Content-Language"] == "uk"


def test_the_fast_path_answers_each_language_from_its_own_entry(world, page_cache):
    Client().get("/api/v1/plans/", HTTP_ACCEPT_LANGUAGE="uk")
    reached_django = []

    def django(environ, start_response):
        reached_django.append(environ.get("HTTP_ACCEPT_LANGUAGE"))
        start_response("204 No Content", [])
        return []

    application = CachedPageApplication(django)

    def get(**headers):
        sent = {}
        environ = RequestFactory().get("/api/v1/plans/", HTTP_ACCEPT_ENCODING="gzip", **headers).META
        application(environ, lambda status, response_headers: sent.update(response_headers))
        return sent

    assert get(HTTP_ACCEPT_LANGUAGE="uk-UA,uk;q=0.9,en;q=0.5")["Content-Language"] == "uk"
    assert reached_django == []
    get(HTTP_ACCEPT_LANGUAGE="en")
    assert reached_django == ["en"], "no English entry yet: Django builds it"


def test_a_save_makes_every_languages_copy_stale(world, page_cache):
    reader = Client()
    version = world["first"]
    addresses = [
        ("/", {}, "en"),
        ("/uk/", {}, "uk"),
        ("/ru/", {}, "ru"),
        ("/api/v1/versions/", {}, "en"),
        ("/api/v1/versions/", {"HTTP_ACCEPT_LANGUAGE": "uk"}, "uk"),
        ("/api/v1/versions/", {"QUERY_STRING": "lang=ru"}, "ru"),
    ]
    for url, headers, _language in addresses:
        assert version.name.encode() in reader.get(url, **headers).content
        assert reader.get(url, **headers)["X-Page-Cache"] == "hit", url
    version.name = "28-point leaked draft, corrected"
    version.save()
    for url, headers, language in addresses:
        stale = reader.get(url, **headers)
        assert stale["X-Page-Cache"] == "stale", (url, headers)
        rebuilt = reader.get(url, **headers)
        assert rebuilt["X-Page-Cache"] == "hit", (url, headers)
        assert b"28-point leaked draft, corrected" in rebuilt.content, (url, headers)
        # Rebuilt in the language it was asked in, not in whichever the rebuild ran after.
        assert rebuilt["Content-Language"] == language, (url, headers)


# --- Downloads ---


def _zip_files(content):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}


def _codebook(files):
    rows = csv.DictReader(io.StringIO(files["codebook.csv"].decode("utf-8-sig")))
    return {(row["table"], row["column"]): row for row in rows}


def test_the_dataset_zip_has_the_same_data_in_every_language_and_a_codebook_in_the_pages_language(client, world):
    english = client.get("/data/tracker-dataset.zip")
    ukrainian = client.get("/uk/data/tracker-dataset.zip")
    assert english["X-Dataset-Version"] == ukrainian["X-Dataset-Version"], "the same data, the same version"
    en_files, uk_files = _zip_files(english.content), _zip_files(ukrainian.content)
    assert set(en_files) == set(uk_files)
    for name in en_files:
        if name not in ("codebook.csv", "README.md"):
            assert en_files[name] == uk_files[name], name

    en_codebook, uk_codebook = _codebook(en_files), _codebook(uk_files)
    assert list(en_codebook) == list(uk_codebook), "the same columns, named alike"
    row = uk_codebook[("positions.csv", "party_id")]
    assert "Посилається на parties.id." in row["description"]
    assert uk_codebook[("positions.csv", "id")]["type"] == "цілочисловий id"
    assert en_codebook[("positions.csv", "id")]["type"] == "integer id"
    assert row["may_be_empty"] in ("yes", "no")
    assert uk_codebook[("parties.csv", "slug")]["description"] == "Коротка назва в адресі об’єкта."
    assert en_codebook[("parties.csv", "slug")]["description"] == "The short name in the object's address."

    readme = uk_files["README.md"].decode()
    assert readme.startswith("# Трекер пунктів мирних планів: набір даних")
    assert "http://testserver/uk/data/" in readme
    assert "Документи, з яких узято факти." in readme
    assert "http://testserver/data/" in en_files["README.md"].decode()


def test_each_language_has_its_own_stored_download(client, world, settings, tmp_path):
    settings.EXPORTS_STORED = True
    settings.EXPORT_DIR = str(tmp_path)
    english = client.get("/data/tracker-dataset.zip").getvalue()
    russian = client.get("/ru/data/tracker-dataset.zip").getvalue()
    assert exports._read_index("tracker-dataset.zip") and exports._read_index("ru-tracker-dataset.zip")
    assert "Refers to parties.id." in _zip_files(english)["codebook.csv"].decode("utf-8-sig")
    assert "Ссылается на parties.id." in _zip_files(russian)["codebook.csv"].decode("utf-8-sig")
    # Served from the stored files: each language gets its own again, never the other's.
    assert client.get("/ru/data/tracker-dataset.zip").getvalue() == russian
    assert client.get("/data/tracker-dataset.zip").getvalue() == english
    uk_csv = client.get("/uk/sources/", {"format": "csv"}).getvalue()
    assert exports._read_index("uk-sources.csv") is not None
    assert uk_csv.startswith(b"\xef\xbb\xbfkey,"), "the columns keep their English names"


# --- Feeds ---


def test_a_feed_speaks_the_language_of_its_address(client, world):
    english = ET.fromstring(client.get("/feeds/versions/").content)
    ukrainian = ET.fromstring(client.get("/uk/feeds/versions/").content)
    assert english.find(f"{ATOM}title").text == "Peace-plan tracker: plan versions"
    assert ukrainian.find(f"{ATOM}title").text == "Трекер мирних планів: версії планів"
    assert ukrainian.find(f"{ATOM}subtitle").text == "Нові тексти планів і зміни в тому, що про них відомо."
    entry = ukrainian.find(f"{ATOM}entry")
    assert "/uk/plans/" in entry.find(f"{ATOM}link").get("href")
    assert entry.find(f"{ATOM}summary").text.startswith("Оприлюднено ")
    # Entry ids are the same in every language: a reader following both sees one item.
    assert {e.find(f"{ATOM}id").text for e in english.iter(f"{ATOM}entry")} == {
        e.find(f"{ATOM}id").text for e in ukrainian.iter(f"{ATOM}entry")
    }


def test_the_figures_feed_writes_dates_the_russian_way(client, world):
    indicator = world["indicator"]
    feed = ET.fromstring(client.get(f"/ru/feeds/figures/{indicator.slug}/").content)
    assert feed.find(f"{ATOM}title").text == f"Трекер мирных планов: значения — {indicator.name}"
    summary = feed.find(f"{ATOM}entry").find(f"{ATOM}summary").text
    assert summary.startswith("Сообщено 21 ноября 2025.")
    assert "Источник: " in summary
    english = ET.fromstring(client.get(f"/feeds/figures/{indicator.slug}/").content)
    assert english.find(f"{ATOM}entry").find(f"{ATOM}summary").text.startswith("Reported on 21 November 2025.")


def test_only_the_api_and_the_admin_vary_by_accept_language(client, world):
    # A page's address decides its language: shared caches keep one copy, whatever browsers prefer.
    for address in ["/", "/uk/", "/plans/", "/feeds/versions/", "/sitemap.xml", "/robots.txt"]:
        response = client.get(address, HTTP_ACCEPT_LANGUAGE="uk")
        assert response.status_code == 200, address
        assert "accept-language" not in response.get("Vary", "").lower(), address
    assert "Accept-Language" in client.get("/api/v1/plans/")["Vary"]
    assert "Accept-Language" in client.get("/admin/login/")["Vary"]
