from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "littlebee.points"
    verbose_name = _("积分")

    def ready(self) -> None:
        # accounts sits below points and never names it: points plugs in here.
        from littlebee.accounts.hooks import checkin_confirmed_add, me_fields_add

        from .notify import checkin_points_notify
        from .selectors import me_points_fields
        from .services import checkin_points_award

        # In this order: the message reads the entry the award writes.
        checkin_confirmed_add(checkin_points_award)
        checkin_confirmed_add(checkin_points_notify)
        me_fields_add(me_points_fields)
