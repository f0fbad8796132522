from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "littlebee.open311"
    verbose_name = _("Open311 接口与合作方")

    def ready(self) -> None:
        # Status back to partners: the case engine names no app above it, so this app registers
        # a listener the engine calls with every timeline row it writes (webhooks.py).
        from littlebee.cases.hooks import register_event_listener

        from .webhooks import webhook_event_record

        register_event_listener("open311.webhooks", webhook_event_record)
