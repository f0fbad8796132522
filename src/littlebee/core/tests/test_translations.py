"""The English catalogue is complete, compiled, and covers every string in the code."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from littlebee.conftest import REQUIRE_SERVICES

# The catalogues and the code's strings: never the pass's database.
pytestmark = pytest.mark.once

PACKAGE_DIR = Path(__file__).resolve().parents[2]
PO_FILE = PACKAGE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")


def test_every_english_entry_is_translated() -> None:
    # given the committed catalogue
    catalogue = polib.pofile(str(PO_FILE))

    # then nothing is untranslated or fuzzy
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    assert len(catalogue.translated_entries()) > 50


def test_compiled_catalogue_matches_the_source() -> None:
    # given the .po and the committed .mo
    source = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.pofile(str(PO_FILE)) if not e.obsolete}
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(MO_FILE))}

    # then compilemessages was run after the last edit
    compiled = {key: value for key, value in compiled.items() if key[1] != ""}
    assert compiled == source


def test_catalogue_covers_every_translatable_string_in_the_code(tmp_path: Path) -> None:
    # given a copy of the code and its catalogue
    if shutil.which("xgettext") is None:
        if REQUIRE_SERVICES:
            pytest.fail("xgettext (Debian package gettext) is needed to check the catalogue")
        pytest.skip("needs xgettext (apt-get install gettext) to extract strings")
    copy = tmp_path / "littlebee"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "tests", "*.pyc", "conftest.py"))

    # when strings are extracted afresh
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "en", "--no-obsolete", "--no-location"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "", "HOME": str(tmp_path)},
    )

    # then no extracted string is missing from the committed catalogue
    committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(PO_FILE))}
    extracted = {(e.msgctxt, e.msgid) for e in polib.pofile(str(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))}
    assert sorted(m for _, m in extracted - committed) == []
