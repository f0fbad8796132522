"""Build the Wuhan demo city once for `make test` (src/littlebee/demo/tests/prebuilt.py):
python scripts/test_city.py DIRECTORY. The two test passes read it through LITTLEBEE_TEST_CITY;
they start beside this and their city tests wait for it, so a failure is written down for them
(prebuilt.FAILED) as well as raised here."""

from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path


def main() -> None:
    directory = Path(sys.argv[1]).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / "build.sqlite3"
    for leftover in directory.glob("*"):
        leftover.unlink()
    # An empty SQLite file of its own; pytest-django runs the suite with DEBUG off, so does this.
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "littlebee.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False
    from littlebee.core.collector import collector_tune

    collector_tune()  # a long build of ~19,000 objects through the services, as a test process does
    from littlebee.demo.tests.prebuilt import FAILED, build_and_dump

    started = time.monotonic()
    try:
        result = build_and_dump(directory)
    except BaseException:
        (directory / FAILED).write_text(traceback.format_exc())
        raise
    for built in directory.glob(f"{database.name}*"):  # the file and its WAL's -wal and -shm
        built.unlink()
    print(f"demo city for the tests: {sum(result.created.values())} objects in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
