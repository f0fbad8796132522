"""The import-linter contracts of pyproject.toml (DESIGN.md, "Dependencies run one way"): the
tree keeps them, and an import that runs up the layers, one between sibling intakes, or an app
the contracts do not place, breaks them. Each broken case is linted on a copy of the package, so
the real tree is never touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import grimp
import pytest

import littlebee

# The import graph of a copy of the package: never the pass's database.
pytestmark = pytest.mark.once

PACKAGE = Path(littlebee.__file__).parent
PYPROJECT = PACKAGE.parent.parent / "pyproject.toml"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports against pyproject.toml's contracts, finding `littlebee` under `root`."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(PYPROJECT)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """The package's Python modules, copied under tmp_path (templates, static files and
    translations are no imports and stay behind)."""
    shutil.copytree(
        PACKAGE,
        tmp_path / "littlebee",
        ignore=shutil.ignore_patterns("templates", "static", "locale", "__pycache__", "*.pyc"),
    )
    return tmp_path


def _append(root: Path, module: str, code: str) -> None:
    path = root / "littlebee" / module
    path.write_text(path.read_text() + "\n" + code + "\n")


def test_the_tree_keeps_the_layers() -> None:
    # given the tree as it is
    # when it is linted
    result = _lint(PACKAGE.parent)

    # then every contract is kept
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    "code",
    [
        "from littlebee.cases.models import Case  # noqa",
        # A lazy import inside a function counts just as much.
        "def _late():\n    from littlebee.cases.models import Case  # noqa\n    return Case",
    ],
    ids=["module-level", "inside-a-function"],
)
def test_an_import_up_the_layers_breaks_the_contract(package_copy: Path, code: str) -> None:
    # given core (the bottom layer) importing the case engine
    _append(package_copy, "core/geo.py", code)

    # when the copy is linted
    result = _lint(package_copy)

    # then the layers contract is broken, naming the import
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Apps depend one way, down the layers (DESIGN.md) BROKEN" in result.stdout
    assert "littlebee.core.geo -> littlebee.cases.models" in result.stdout


def test_an_import_between_sibling_intakes_breaks_the_contract(package_copy: Path) -> None:
    # given reports importing a piece of appeals (both sit in the same layer)
    _append(package_copy, "reports/flags.py", "from littlebee.appeals.models import Appeal  # noqa")

    # when the copy is linted
    result = _lint(package_copy)

    # then the contracts are broken
    assert result.returncode == 1, result.stdout + result.stderr
    assert "littlebee.reports.flags -> littlebee.appeals.models" in result.stdout


def test_an_app_without_a_place_in_the_layers_breaks_the_contract(package_copy: Path) -> None:
    # given a new app the contract does not name
    (package_copy / "littlebee" / "newapp").mkdir()
    (package_copy / "littlebee" / "newapp" / "__init__.py").write_text("")

    # when the copy is linted
    result = _lint(package_copy)

    # then it must be given a layer first
    assert result.returncode == 1, result.stdout + result.stderr
    assert "littlebee.newapp" in result.stdout


def test_no_two_apps_import_each_other_even_indirectly() -> None:
    # given the imports between the apps (tests aside: they sit above everything)
    graph = grimp.build_graph("littlebee", cache_dir=None)
    edges: dict[str, set[str]] = defaultdict(set)

    def app(module: str) -> str:
        return module.split(".")[1] if module.count(".") else module

    for importer in graph.modules:
        if ".tests" in importer:
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            if app(importer) != app(imported):
                edges[app(importer)].add(app(imported))

    # when the app graph is walked
    cycles = []
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                cycles.append([*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for start in sorted(list(edges)):
        if start not in state:
            visit(start, [start])

    # then there is no cycle
    assert cycles == []
