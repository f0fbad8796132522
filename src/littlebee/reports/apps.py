from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "littlebee.reports"
    verbose_name = _("随手拍")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from littlebee.cases.hooks import KindHooks, register_kind
        from littlebee.cases.models import CaseKind
        from littlebee.points.rules import category_names_reader_set

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
        post_migrate.connect(_phash_scan_without_migrations, sender=self)
        post_migrate.connect(_intake_version_without_migrations, sender=self)


def _phash_scan_without_migrations(sender: AppConfig, using: str, **kwargs: object) -> None:
    """A database made from the models, not the migrations (the tests' --no-migrations), gets
    the near-duplicate scan's column and index here; a migrated one has them from migration 0009."""
    from django.conf import settings
    from django.db import connections

    from .phash_scan import install

    modules = getattr(settings, "MIGRATION_MODULES", {})
    if sender.label in modules and modules[sender.label] is None:
        install(connections[using])


def _intake_version_without_migrations(sender: AppConfig, using: str, **kwargs: object) -> None:
    """A database made from the models, not the migrations (the tests' --no-migrations), gets
    the intake's version row and triggers here; a migrated one has them from migration 0010."""
    from django.conf import settings
    from django.db import connections

    from .intake_version import install

    modules = getattr(settings, "MIGRATION_MODULES", {})
    if sender.label in modules and modules[sender.label] is None:
        install(connections[using])
