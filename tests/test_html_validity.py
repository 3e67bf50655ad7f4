"""Every type of public page is valid HTML according to the Nu HTML checker (vnu-jar from npm)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests.public_data import build_world, page_types

VNU_JAR = Path(settings.BASE_DIR) / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def run_vnu(paths):
    """The checker's messages for the files, by file name."""
    assert VNU_JAR.exists(), f"{VNU_JAR} is missing: run `make system-deps` to install the Nu HTML checker"
    java = shutil.which("java")
    assert java, "Java is missing: run `make system-deps`"
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr)["messages"]
    by_file = {Path(path).name: [] for path in paths}
    for message in messages:
        by_file[Path(message["url"]).name].append(message)
    return by_file


@pytest.mark.django_db
def test_every_page_type_is_valid_html(client, tmp_path):
    world = build_world(1)
    paths = []
    for name, url in page_types(world).items():
        response = client.get(url)
        assert response.status_code in (200, 400, 404), (name, response.status_code)
        path = tmp_path / (name.replace(" ", "-") + ".html")
        path.write_bytes(response.content)
        paths.append(path)
    # A page known to be broken proves the checker is running and reading the files.
    broken = tmp_path / "known-broken.html"
    broken.write_text("<!doctype html><html lang=en><title>x</title><ul><p>not a list item</ul>")
    results = run_vnu([*paths, broken])
    assert any(m["type"] == "error" for m in results.pop(broken.name))
    errors = {
        name: [f"{m.get('lastLine')}: {m['message']} [{m.get('extract', '').strip()}]" for m in messages]
        for name, messages in results.items()
        if any(m["type"] in ("error", "non-document-error") for m in messages)
    }
    assert errors == {}
