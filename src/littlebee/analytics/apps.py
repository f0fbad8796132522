from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "littlebee.analytics"
    verbose_name = _("数据统计")

    def ready(self) -> None:
        # The rollups follow the source rows as they change: each app below saves its rows as it
        # always did, and analytics listens (the apps below never name it; DESIGN.md layers).
        from . import tracking

        tracking.connect()
