"""How `make test` runs the suite: what its processes inherit, and what CI leaves out."""

from __future__ import annotations

import os
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from littlebee import conftest
from littlebee.conftest import screenshot_folder
from littlebee.hives.tests.photo_files import huge_png_bytes

# make's plan and the processes it starts: never the pass's database.
pytestmark = pytest.mark.once

ROOT = Path(__file__).resolve().parents[4]


def _make(*args: str, env: dict[str, str] | None = None) -> str:
    """What make prints for these arguments, run in the project's root."""
    return subprocess.run(
        ["make", "--no-print-directory", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
def test_the_test_processes_keep_their_bytecode_whatever_the_machine_says() -> None:
    # given a machine whose environment forbids writing bytecode (these machines set it)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}

    # when make runs a recipe
    probe = _make("--eval", 'probe-env: ; @echo "[$$PYTHONDONTWRITEBYTECODE]"', "probe-env", env=env)

    # then the recipe does not inherit it: a test process reuses the bytecode an earlier one wrote
    assert probe.strip() == "[]"


def test_screenshots_go_where_the_setting_says_and_nowhere_when_off(tmp_path: Path) -> None:
    # when / then
    assert screenshot_folder(str(tmp_path)) == tmp_path
    assert screenshot_folder("") == ROOT / "var" / "screenshots"
    assert screenshot_folder("off") is None


def test_ci_takes_no_screenshots() -> None:
    # given CI's script
    script = (ROOT / ".ci" / "run").read_text()

    # then the journeys run without their screenshots
    assert "export LITTLEBEE_SCREENSHOTS=off" in script


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
def test_the_environment_is_installed_by_uv_with_pip_as_the_fallback() -> None:
    # when make says how it would build the development environment from nothing
    plan = _make("-n", "-B", ".venv/.dev-deps")

    # then uv installs it (pip took 127 s on a fresh clone for the same versions), and pip
    # still does when uv cannot be had
    assert "pip install --quiet 'uv>=" in plan
    assert "uv pip install --quiet --python .venv/bin/python -e '.[dev]'" in plan
    assert "else .venv/bin/pip install --quiet -e '.[dev]'" in plan


def test_the_test_processes_collect_garbage_rarely_and_never_scan_the_imported_code() -> None:
    import gc

    from littlebee.core.collector import THRESHOLDS

    # then (this very process, after collection) the thresholds are the suite's and what was
    # imported before the first test sits in the permanent generation
    assert gc.get_threshold() == THRESHOLDS
    assert gc.get_freeze_count() > 100_000


def test_a_web_worker_tunes_the_collector_once_the_application_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from littlebee import wsgi
    from littlebee.core import collector

    # given
    calls: list[str] = []
    monkeypatch.setattr(collector, "collector_tune", lambda: calls.append("tuned"))

    # when a worker imports the WSGI module
    importlib.reload(wsgi)

    # then the collector is tuned, after the application exists
    assert calls == ["tuned"] and wsgi.application is not None


class _Marked:
    """A test item as pytest_runtest_setup sees it, carrying only the named markers."""

    def __init__(self, *names: str) -> None:
        self.names = names

    def get_closest_marker(self, name: str) -> pytest.Mark | None:
        return getattr(pytest.mark, name).mark if name in self.names else None


@pytest.mark.parametrize(("vendor", "skipped"), [("postgresql", True), ("sqlite", False)])
def test_a_test_that_never_uses_the_database_runs_in_the_sqlite_pass_only(
    monkeypatch: pytest.MonkeyPatch, vendor: str, skipped: bool
) -> None:
    from django.db import connections

    # given the pass's database
    monkeypatch.setattr(connections["default"], "vendor", vendor)
    monkeypatch.setattr(conftest, "ONCE_ON_POSTGRES", False)

    # when a test marked `once` is about to run
    try:
        conftest.pytest_runtest_setup(_Marked("once"))  # type: ignore[arg-type]
        outcome = "ran"
    except pytest.skip.Exception as skip:
        outcome = str(skip)

    # then the PostgreSQL pass leaves it to the SQLite pass, which runs it
    assert (outcome != "ran") is skipped
    if skipped:
        assert "runs in the SQLite pass" in outcome


def test_the_once_tests_run_on_postgresql_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import connections

    # given
    monkeypatch.setattr(connections["default"], "vendor", "postgresql")
    monkeypatch.setattr(conftest, "ONCE_ON_POSTGRES", True)

    # when / then nothing is skipped
    conftest.pytest_runtest_setup(_Marked("once"))  # type: ignore[arg-type]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
def test_the_passes_run_beside_each_other_start_from_compiled_tests() -> None:
    # given a make of its own (not the one running this suite, whose command line its children inherit)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "USE_TEST_CITY")}

    # when make says how CI would run the two passes (.ci/run: USE_TEST_CITY=1), and one alone
    beside = _make("-n", "USE_TEST_CITY=1", "test-sqlite", "test-postgres", env=env)
    alone = _make("-n", "test-sqlite", env=env)

    # then one process collects the suite first (writing the bytecode and rewritten tests that the
    # four workers then read, instead of each compiling all of it), and only once
    collect = "pytest -p no:xdist --collect-only"
    assert beside.count(collect) == 1
    assert beside.index(collect) < beside.index("pytest -n")
    # and a pass run alone starts at once
    assert collect not in alone


def test_the_huge_test_image_is_a_real_png_made_without_pillow() -> None:
    # given the 400-megapixel PNG that upload tests build while the suite is collected (in every
    # test process: Pillow filled and encoded all its pixels, 1.2 s of CPU; now written by hand)
    content = huge_png_bytes((20001, 20000))

    # then it is a PNG of that size, small on disk, and a small one's pixels are all black
    with Image.open(BytesIO(huge_png_bytes((30, 20)))) as small:
        small.load()
        assert (small.size, small.mode, small.getextrema()) == ((30, 20), "1", (0, 0))
    limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        with Image.open(BytesIO(content)) as huge:
            assert (huge.size, huge.mode) == ((20001, 20000), "1")
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    assert len(content) < 100_000
