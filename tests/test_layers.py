"""The layers of ARCHITECTURE.md, read from the source: lower layers never import upper ones, views and
the API never import each other, and tracker's modules import each other without a cycle."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tracker"

# Each module of tracker/ sits in one layer (the longest matching prefix wins) and may import only its
# own layer and those below it.
LAYERS = {
    # Plain helpers that know no model: numbers and dates, CSV cells, languages, the page cache, the CDN,
    # text differences, settings.
    "tracker": 0,
    "tracker.settings": 0,
    "tracker.numbers": 0,
    "tracker.formats": 0,
    "tracker.csv_cells": 0,
    "tracker.languages": 0,
    "tracker.textdiff": 0,
    "tracker.cdn": 0,
    "tracker.redis_cache": 0,
    "tracker.cache": 0,
    "tracker.history": 0,
    "tracker.roles": 0,
    "tracker.db_triggers": 0,
    # Data and its invariants.
    "tracker.models": 1,
    # Reads, writes and what is worked out from the data, for any surface.
    "tracker.selectors": 2,
    "tracker.services": 2,
    "tracker.lineage": 2,
    "tracker.translation": 2,
    "tracker.dataset": 2,
    "tracker.dataset_zip": 2,
    "tracker.backup": 2,
    # The HTTP validators and stored downloads: they ask which rows readers could see.
    "tracker.conditional": 2,
    "tracker.exports": 2,
    # Query parameters, validated once for the pages and the API.
    "tracker.filters": 3,
    "tracker.forms": 3,
    # Surfaces: pages and what renders them, the API, feeds, the back office, and the entry points.
    "tracker.views": 4,
    "tracker.api": 4,
    "tracker.feeds": 4,
    "tracker.sitemaps": 4,
    "tracker.templatetags": 4,
    "tracker.charts": 4,
    "tracker.structured_data": 4,
    "tracker.admin": 4,
    "tracker.admin_site": 4,
    "tracker.admin_views": 4,
    "tracker.preview": 4,
    "tracker.middleware": 4,
    "tracker.urls": 4,
    "tracker.wsgi": 4,
    "tracker.apps": 4,
    "tracker.management": 4,
}

# Within a layer, siblings that must not lean on each other.
TAGS = "tracker.templatetags"
SIBLINGS_APART = {
    "tracker.selectors": ["tracker.services"],
    "tracker.services": ["tracker.selectors"],
    # Pages and API pass data; the templates' tags format it for pages only.
    "tracker.views": ["tracker.api", "tracker.feeds", "tracker.admin", "tracker.admin_views", "tracker.urls", TAGS],
    "tracker.api": ["tracker.views", "tracker.feeds", "tracker.admin", "tracker.admin_views", "tracker.urls", TAGS],
    "tracker.feeds": ["tracker.views", "tracker.api", TAGS],
    "tracker.templatetags": ["tracker.views", "tracker.api", "tracker.feeds", "tracker.urls"],
    "tracker.charts": ["tracker.views", "tracker.api", "tracker.templatetags"],
    "tracker.structured_data": ["tracker.views", "tracker.api", "tracker.templatetags"],
    "tracker.filters": ["tracker.forms"],
}


def module_name(path, package=PACKAGE):
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def tracker_modules(package=PACKAGE):
    """{module name: path} for every module of tracker/ but its migrations."""
    return {
        module_name(path, package): path
        for path in sorted(package.rglob("*.py"))
        if "migrations" not in path.relative_to(package).parts
    }


def imported(name, path, node, modules):
    """The tracker modules one import statement names: ``from tracker.x import y`` names tracker.x.y when
    that is a module, else tracker.x."""
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        if node.level:
            base = name if path.name == "__init__.py" else name.rpartition(".")[0]
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            source = f"{base}.{node.module}" if node.module else base
        else:
            source = node.module
        targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source for alias in node.names]
    found = set()
    for target in targets:
        # ``import tracker.x.y`` where only tracker.x is a module of ours, and so on.
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target.split(".")[0] == "tracker" and target != name:
            found.add(target)
    return found


def module_level(tree):
    """The import statements run when the module is imported: not those inside functions, nor under
    ``if TYPE_CHECKING:``."""
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
        else:
            pending.extend(ast.iter_child_nodes(node))


def import_graph(package=PACKAGE):
    """Every import of one tracker module by another: ({module: {imported: line}}, same at module level)."""
    modules = tracker_modules(package)
    every, at_load = {}, {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        top = set(map(id, module_level(tree)))
        every[name], at_load[name] = {}, {}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in imported(name, path, node, modules):
                    every[name].setdefault(target, node.lineno)
                    if id(node) in top:
                        at_load[name].setdefault(target, node.lineno)
    return every, at_load


def place(name, table):
    """The entry of ``table`` for the longest prefix of the module's name (None when there is none)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in table:
            return prefix
    return None


def layer_breaches(graph):
    breaches = []
    for name, targets in sorted(graph.items()):
        home = place(name, LAYERS)
        for target, line in sorted(targets.items()):
            there = place(target, LAYERS)
            if LAYERS[there] > LAYERS[home]:
                breaches.append(f"{name} (line {line}) imports {target}, a layer above it")
            elif any(place(target, {apart: 0}) for apart in SIBLINGS_APART.get(home, [])):
                breaches.append(f"{name} (line {line}) imports {target}: the two must stay apart")
    return breaches


def cycles(graph):
    """Each cycle of imports found by a depth-first walk, as the list of modules round it."""
    found, state, trail = [], {}, []

    def visit(name):
        state[name] = "open"
        trail.append(name)
        for target in sorted(graph.get(name, {})):
            if state.get(target) == "open":
                found.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target)
        trail.pop()
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name)
    return found


def test_every_module_has_a_layer():
    unplaced = [name for name in tracker_modules() if place(name, LAYERS) is None]
    assert not unplaced, f"Say in LAYERS (and ARCHITECTURE.md) where these sit: {unplaced}"


def test_no_module_imports_a_layer_above_it_or_a_sibling_it_must_stay_apart_from():
    every, _at_load = import_graph()
    breaches = layer_breaches(every)
    assert not breaches, "\n".join(breaches)


def test_no_import_cycle_between_trackers_modules():
    _every, at_load = import_graph()
    found = cycles(at_load)
    assert not found, "\n".join(" -> ".join(cycle) for cycle in found)


def test_the_views_and_the_api_read_their_filters_from_below_both():
    every, _at_load = import_graph()
    assert "tracker.forms" in every["tracker.api.checks"]
    assert "tracker.forms" in every["tracker.views.convergence"]


# The checks above, shown to fail on a small package written for the purpose.


def write_package(root, files):
    for relative, text in files.items():
        path = root / "tracker" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "tracker"


FIXTURE = {
    "__init__.py": "",
    "models/__init__.py": "from .plans import Plan\n",
    "models/plans.py": "class Plan:\n    pass\n",
    "selectors/__init__.py": "",
    "selectors/plans.py": "from tracker.models import Plan\n",
    "forms.py": "from tracker.selectors.plans import Plan\n",
    "views/__init__.py": "",
    "views/common.py": "from tracker.forms import Plan\n",
    "api/__init__.py": "",
    "api/checks.py": "from tracker import forms\nfrom tracker.selectors import plans\n",
}


def test_a_sound_package_passes(tmp_path):
    every, at_load = import_graph(write_package(tmp_path, FIXTURE))
    assert layer_breaches(every) == [] and cycles(at_load) == []
    assert every["tracker.api.checks"] == {"tracker.forms": 1, "tracker.selectors.plans": 2}


@pytest.mark.parametrize(
    ("module", "line", "breach"),
    [
        ("api/checks.py", "from tracker.views.common import Plan", "tracker.views.common: the two must stay apart"),
        ("views/common.py", "from ..api import checks", "tracker.api.checks: the two must stay apart"),
        ("models/plans.py", "def later():\n    from tracker.selectors import plans", "selectors.plans, a layer"),
        ("selectors/plans.py", "import tracker.views.common", "tracker.views.common, a layer above"),
        ("forms.py", "from tracker.api.checks import x", "tracker.api.checks, a layer above"),
    ],
)
def test_an_import_from_above_or_across_fails(tmp_path, module, line, breach):
    files = {**FIXTURE, module: FIXTURE[module] + line + "\n"}
    every, _at_load = import_graph(write_package(tmp_path, files))
    breaches = layer_breaches(every)
    assert len(breaches) == 1 and breach in breaches[0]


def test_a_cycle_at_module_level_fails_and_one_deferred_to_a_function_does_not(tmp_path):
    files = {**FIXTURE, "models/plans.py": "from tracker.models import base\n"}
    files["models/base.py"] = "from . import plans\n"
    _every, at_load = import_graph(write_package(tmp_path / "cycle", files))
    assert cycles(at_load) == [["tracker.models.plans", "tracker.models.base", "tracker.models.plans"]]
    files["models/base.py"] = "def plans():\n    from . import plans\n"
    _every, at_load = import_graph(write_package(tmp_path / "deferred", files))
    assert cycles(at_load) == []
