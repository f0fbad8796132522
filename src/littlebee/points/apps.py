from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "littlebee.points"
    verbose_name = _("积分")

    def ready(self) -> None:
        # accounts sits below points and never names it: points plugs in here.
        from littlebee.accounts.hooks import MeColumns, checkin_confirmed_add, me_columns_add

        from .notify import checkin_points_notify
        from .selectors import me_points_columns, me_points_from, me_points_joins
        from .services import checkin_points_award

        # In this order: the message reads the entry the award writes.
        checkin_confirmed_add(checkin_points_award)
        checkin_confirmed_add(checkin_points_notify)
        me_columns_add(MeColumns(columns=me_points_columns, fields=me_points_from, joins=me_points_joins))
