from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "littlebee.analytics"
    verbose_name = _("数据统计")

    def ready(self) -> None:
        # The rollups follow the source rows as they change: each app below says which rows the
        # figures count it wrote (core.counted), without naming analytics (DESIGN.md layers),
        # and analytics listens there; nothing hangs off Django's model signals.
        from littlebee.core.counted import register_counted_listener

        from . import tracking

        register_counted_listener(tracking.LISTENER, tracking.rows_track)
