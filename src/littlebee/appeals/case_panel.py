"""An appeal's part of the staff console's case pages (cases.hooks.KindHooks.staff_panel and
friends): the appeal itself with its attachments, its subject in the queue, the supervising
committee's forms and its supervision page. The case engine shows them without knowing appeals
exist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, OuterRef, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from littlebee.accounts.models import User
from littlebee.cases.hooks import StaffPanel
from littlebee.cases.models import Case

from .models import Appeal, Involves
from .selectors import supervises_appeals


def appeal_category_labels() -> dict[str, str]:
    """What an appeal is about (its case's category), by code; no query."""
    return {value: str(label) for value, label in Involves.choices}


def appeal_list_subjects(cases: list[Case]) -> dict[int, str]:
    """The subjects of a page of appeals' cases, in one query."""
    return dict(Appeal.objects.filter(case_id__in=[c.pk for c in cases]).values_list("case_id", "subject"))


def appeal_title() -> Subquery:
    """cases.hooks.KindHooks.title: an appeal's subject."""
    # The case's one appeal (case is its primary key): no ordering, which would join the case again.
    rows = Appeal.objects.filter(case_id=OuterRef("pk")).order_by().values("subject")[:1]
    return Subquery(rows, output_field=CharField())


def appeal_queue_links(org_ids: list[int]) -> list[tuple[str, str]]:
    return [(_("诉求督办"), reverse("appeals:supervision"))] if supervises_appeals(org_ids) else []


@dataclass
class AppealPanel:
    appeal: Any
    attachments: list[Any]
    supervising: bool


def appeal_staff_panel(case: Case, user: User, org_ids: list[int]) -> StaffPanel | None:
    appeal = (
        Appeal.objects.filter(case=case)
        .select_related("enterprise", "supervisor")
        .prefetch_related("attachments")
        .first()
    )
    if appeal is None:
        return None
    panel = AppealPanel(
        appeal=appeal,
        attachments=list(appeal.attachments.all()),
        supervising=appeal.supervisor_id is not None
        and appeal.supervisor_id in org_ids
        and appeal.supervisor_id != case.organisation_id,
    )
    return StaffPanel(
        template="cases/includes/appeal_panel.html",
        context={"appeal_panel": panel, "appeal": appeal},
        title=appeal.subject,
        stylesheet="css/appeals.css",
    )
