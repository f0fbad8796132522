"""`littlebee demo_load`: load the Wuhan demo city (safe to run on every start)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from littlebee.analytics.rollups import rollups_missing, rollups_rebuild
from littlebee.demo.wuhan import accounts_table, load_wuhan, summary_lines


class Command(BaseCommand):
    help = "Load the Wuhan demo city. Idempotent: a second run finds everything and adds nothing."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--print-accounts", action="store_true", help="print the demo accounts and password")
        parser.add_argument("--quiet", action="store_true", help="print nothing but the accounts table, if asked")

    def handle(self, *args: Any, **options: Any) -> None:
        # The statistics' rollups of everything the demo wrote, at once after it, rather than
        # after-commit jobs on threads this command does not wait for (and that would lock SQLite).
        tracking = settings.ANALYTICS_TRACK
        settings.ANALYTICS_TRACK = False
        try:
            result = load_wuhan()
        finally:
            settings.ANALYTICS_TRACK = tracking
        # A load that added nothing changed no figure: computing the whole history again would
        # only cost every `make run` several seconds. Unless figures are missing (a city loaded
        # before the statistics existed, or before a migration added a panel rollup).
        if not result.already_loaded or rollups_missing():
            rollups_rebuild()
        if not options["quiet"] and options["verbosity"] > 0:
            if result.already_loaded:
                self.stdout.write(f"Wuhan demo city already loaded, nothing to add ({result.seconds:.1f} s).")
            else:
                made = ", ".join(f"{n} {what}" for what, n in result.created.items())
                self.stdout.write(self.style.SUCCESS(f"Wuhan demo city loaded in {result.seconds:.1f} s: {made}."))
            for line in summary_lines():
                self.stdout.write(f"  {line}")
        if options["print_accounts"]:
            self.stdout.write(accounts_table())
