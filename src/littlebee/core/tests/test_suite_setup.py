"""How `make test` runs the suite: what its processes inherit, and what CI leaves out."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from littlebee.conftest import screenshot_folder

ROOT = Path(__file__).resolve().parents[4]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
def test_the_test_processes_keep_their_bytecode_whatever_the_machine_says() -> None:
    # given a machine whose environment forbids writing bytecode (these machines set it)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}

    # when make runs a recipe
    probe = subprocess.run(
        ["make", "--no-print-directory", "--eval", 'probe-env: ; @echo "[$$PYTHONDONTWRITEBYTECODE]"', "probe-env"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    # then the recipe does not inherit it: a test process reuses the bytecode an earlier one wrote
    assert probe.stdout.strip() == "[]"


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
