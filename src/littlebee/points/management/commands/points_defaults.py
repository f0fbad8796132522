"""Load the city's default earning rules and badges: `littlebee points_defaults`. Existing rules
and badges are left as they are, so it is safe to run on every deployment."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from littlebee.points.services import points_defaults_ensure


class Command(BaseCommand):
    help = "Create the default earning rules and badges that do not exist yet (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        rules_created, badges_created = points_defaults_ensure()
        self.stdout.write(f"Created {rules_created} earning rule(s) and {badges_created} badge(s).")
