"""`littlebee partner_key "<partner name>"`: issue an Open311 api_key to a partner and print it.

The secret is printed once and not kept (only its hash is). The partner must exist (the city
admin's partners page, /staff/partners/, adds one; the demo city has 顺丰速运).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from littlebee.core.errors import InvalidInput
from littlebee.open311 import selectors, services
from littlebee.open311.models import Partner


class Command(BaseCommand):
    help = "Issue an Open311 api_key to a partner and print it (shown once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("partner", help="the partner's name, as on the partners page")
        parser.add_argument(
            "--quota", type=int, default=services.DEFAULT_DAILY_QUOTA, help="posts a day (default %(default)s)"
        )
        parser.add_argument(
            "--rate",
            type=int,
            default=None,
            help="posts within OPEN311_KEY_RATE_LIMIT_MINUTES (default: OPEN311_KEY_RATE_LIMIT_COUNT)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        partner = selectors.partner_named(options["partner"])
        if partner is None:
            known = ", ".join(Partner.objects.order_by("name").values_list("name", flat=True)) or "none"
            raise CommandError(f"No partner named {options['partner']!r}. Partners: {known}.")
        try:
            key, raw = services.api_key_issue(
                partner=partner, actor=None, daily_quota=options["quota"], rate_limit=options["rate"]
            )
        except InvalidInput as exc:
            raise CommandError(str(exc.errors[0].detail)) from exc
        self.stderr.write(
            f"Issued key {key.prefix}… to {partner.name} ({key.daily_quota} posts a day, "
            f"{key.posts_per_window} in {settings.OPEN311_KEY_RATE_LIMIT_MINUTES} minutes)."
        )
        self.stdout.write(raw)
