"""The Ukrainian and Russian catalogues are complete and up to date with the source.

makemessages is run over a copy of the project: every string marked in a template or in Python must be in
locale/{uk,ru}/LC_MESSAGES/django.po, translated and not fuzzy, with no entry left over from a string
that is gone; the compiled .mo answers with the .po's translations.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

LANGUAGES = ["uk", "ru"]
ROOT = Path(settings.BASE_DIR)
# What makemessages must not read: tools, tests and third-party code.
IGNORED = [".venv", "node_modules", "staticfiles", "tests", "bench", "var", "docs", "deploy", "backups"]


def _catalogue(root, language):
    return polib.pofile(str(root / "locale" / language / "LC_MESSAGES" / "django.po"))


def _key(entry):
    return (entry.msgctxt, entry.msgid, entry.msgid_plural)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    """The catalogues as makemessages writes them from today's source, in a copy of the project."""
    assert shutil.which("xgettext"), "GNU gettext is needed (make system-deps installs it)"
    copy = tmp_path_factory.mktemp("project")
    for name in ("tracker", "templates", "locale"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    command = [sys.executable, "manage.py", "makemessages", "--no-location", "--no-obsolete"]
    command += [f"-l{language}" for language in LANGUAGES] + [f"--ignore={name}" for name in IGNORED]
    environment = {**os.environ, "DJANGO_DEBUG": "1", "PYTHONPATH": str(copy)}
    subprocess.run(command, cwd=copy, env=environment, check=True, capture_output=True)
    return copy


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_is_in_the_catalogue_translated_and_not_fuzzy(regenerated, language):
    fresh = _catalogue(regenerated, language)
    shipped = _catalogue(ROOT, language)
    assert len(fresh) > 200
    missing = {_key(entry) for entry in fresh} - {_key(entry) for entry in shipped}
    assert not missing, f"marked in the source but not in locale/{language}: {sorted(missing)[:10]}"
    stale = {_key(entry) for entry in shipped} - {_key(entry) for entry in fresh}
    assert not stale, f"in locale/{language} but no longer in the source: {sorted(stale)[:10]}"
    untranslated = [entry.msgid for entry in fresh if not entry.translated()]
    assert not untranslated, f"untranslated or fuzzy in {language}: {untranslated[:10]}"
    assert not shipped.metadata_is_fuzzy and not shipped.obsolete_entries()


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_their_placeholders(language):
    po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    assert shutil.which("msgfmt"), "GNU gettext is needed (make system-deps installs it)"
    checked = subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(po)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_answers_with_the_translations(language):
    with translation.override(language):
        for entry in _catalogue(ROOT, language):
            if entry.msgid_plural:
                continue
            if entry.msgctxt:
                assert translation.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr, entry.msgid
            else:
                assert translation.gettext(entry.msgid) == entry.msgstr, entry.msgid
