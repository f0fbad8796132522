from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "littlebee.appeals"
    verbose_name = _("我的诉求")

    def ready(self) -> None:
        from littlebee.cases.hooks import KindHooks, register_kind
        from littlebee.cases.models import CaseKind

        from .case_panel import (
            appeal_category_labels,
            appeal_list_subjects,
            appeal_queue_links,
            appeal_staff_panel,
            appeal_title,
        )
        from .forms import SUPERVISION_FORMS
        from .messages import appeal_message
        from .selectors import appeal_supervised_scope, appeal_supervisor_id, identity_visible_to

        register_kind(
            CaseKind.APPEAL,
            KindHooks(
                worker_link=lambda case: f"/appeals/{case.pk}/",
                staff_link=lambda case: f"/staff/cases/{case.pk}/",
                message=appeal_message,
                reporter_visible=lambda case, user: identity_visible_to(user, case),
                supervisor_id=appeal_supervisor_id,
                supervised_scope=appeal_supervised_scope,
                prefetch=("appeal",),
                category_labels=appeal_category_labels,
                list_subjects=appeal_list_subjects,
                staff_panel=appeal_staff_panel,
                action_forms=SUPERVISION_FORMS,
                queue_links=appeal_queue_links,
                title=appeal_title,
            ),
        )
