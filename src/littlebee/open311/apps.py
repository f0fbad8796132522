from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _case_event_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        from .webhooks import webhook_event_record

        webhook_event_record(instance)


class Open311Config(AppConfig):
    name = "littlebee.open311"
    verbose_name = _("Open311 接口与合作方")

    def ready(self) -> None:
        # Status back to partners: the case engine names no app above it, so this app listens
        # to its timeline (webhooks.py).
        from littlebee.cases.models import CaseEvent

        post_save.connect(_case_event_saved, sender=CaseEvent, dispatch_uid="open311.webhooks")
