from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "littlebee.notifications"
    verbose_name = _("通知")

    def ready(self) -> None:
        # accounts sends its codes by text but sits below notifications: it is handed the sender,
        # and the way to tell a worker of the decisions they wait for (check-in, employment).
        from littlebee.accounts.hooks import profile_decided_add, text_sender_set

        from .checkins import profile_decision_notify
        from .sms import sms_send_on_commit

        text_sender_set(sms_send_on_commit)
        profile_decided_add(profile_decision_notify)
