from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "littlebee.notifications"
    verbose_name = _("通知")

    def ready(self) -> None:
        # accounts sends its codes by text but sits below notifications: it is handed the sender.
        from littlebee.accounts.hooks import text_sender_set

        from .sms import sms_send_on_commit

        text_sender_set(sms_send_on_commit)
