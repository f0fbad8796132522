"""Check every cached balance against its ledger: `littlebee points_reconcile` (exit 1 on a mismatch)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from littlebee.points.selectors import points_mismatches


class Command(BaseCommand):
    help = "Compare each worker's cached points balance and lifetime total with the sums of the ledger."

    def handle(self, *args: Any, **options: Any) -> None:
        mismatches = points_mismatches()
        for m in mismatches:
            self.stdout.write(
                f"worker {m.worker_id}: balance {m.cached_balance} cached, {m.ledger_balance} in the ledger; "
                f"lifetime {m.cached_lifetime} cached, {m.ledger_lifetime} in the ledger"
            )
        if mismatches:
            raise CommandError(f"{len(mismatches)} account(s) disagree with the ledger.")
        self.stdout.write("Every balance equals its ledger.")
