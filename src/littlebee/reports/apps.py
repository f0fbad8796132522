from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "littlebee.reports"
    verbose_name = _("随手拍")

    def ready(self) -> None:
        from littlebee.cases.hooks import KindHooks, register_kind
        from littlebee.cases.models import CaseKind
        from littlebee.core.unmigrated import install_without_migrations
        from littlebee.points.rules import category_names_reader_set

        from . import intake_version, phash_scan
        from .case_panel import report_category_labels, report_staff_panel, report_title
        from .messages import report_message
        from .selectors import report_staff_flags
        from .services import report_award_on_accept

        # Earning rules are named by the category in the reader's language.
        category_names_reader_set(report_category_labels)
        register_kind(
            CaseKind.REPORT,
            KindHooks(
                on_accept=report_award_on_accept,
                worker_link=lambda case: f"/reports/{case.pk}/",
                staff_link=lambda case: f"/staff/cases/{case.pk}/",
                message=report_message,
                staff_flags=report_staff_flags,
                category_labels=report_category_labels,
                category_filter=True,
                staff_panel=report_staff_panel,
                title=report_title,
            ),
        )
        # The near-duplicate scan's column and index (migration 0009) and the intake's version row
        # and triggers (0010), on a database made from the models.
        install_without_migrations(self, phash_scan.install, intake_version.install)
