"""Rebuild the statistics rollups from the source rows: `littlebee analytics_rebuild`.

Prints every stored value that differed from the one computed now (none, when the rollups kept up
with every change), then replaces them; `--dry-run` only reports. Exit status 0 either way: a
difference is corrected, not an error (`--check` makes it one, for monitoring)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from littlebee.analytics.rollups import rollups_rebuild


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = "Recompute the statistics rollups from the source rows and report every difference."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", help="first day (YYYY-MM-DD); default the first source row")
        parser.add_argument("--to", dest="end", help="last day (YYYY-MM-DD); default today")
        parser.add_argument("--dry-run", action="store_true", help="report the differences, change nothing")
        parser.add_argument("--check", action="store_true", help="exit with status 1 if anything differed")

    def handle(self, *args: Any, **options: Any) -> None:
        start = _day(options["start"]) if options["start"] else None
        end = _day(options["end"]) if options["end"] else None
        if start and end and start > end:
            raise CommandError("--from is after --to")
        differences = rollups_rebuild(start=start, end=end, dry_run=options["dry_run"])
        for difference in differences:
            self.stdout.write(str(difference))
        verb = "found" if options["dry_run"] else "corrected"
        self.stdout.write(f"{len(differences)} difference(s) {verb}." if differences else "No differences.")
        if differences and options["check"]:
            raise CommandError(f"{len(differences)} rollup value(s) differed from the source rows.")
