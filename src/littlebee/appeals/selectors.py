"""Reads of 我的诉求. Who may see an appeal is the case engine's rule (cases_visible_to, which
counts the supervising industry committee through the kind's hooks); who may learn who filed it
is decided here (identity_visible_to)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import Membership
from littlebee.cases.models import Case, CaseAction, CaseEvent, CaseKind, CaseStatus
from littlebee.cases.selectors import case_for_actor, staff_org_ids
from littlebee.core.errors import NotFound, PermissionDenied
from littlebee.orgs.models import Organisation, OrgKind

from .models import Appeal, AppealType, Involves

if TYPE_CHECKING:
    from littlebee.accounts.models import User

APPEAL_RELATED = ("case", "case__organisation", "case__handler", "enterprise", "supervisor")


def appeals_of(worker: User) -> QuerySet[Appeal]:
    """The worker's own appeals, newest first."""
    if not worker.is_authenticated:
        return Appeal.objects.none()
    return (
        Appeal.objects.filter(case__reporter=worker)
        .select_related(*APPEAL_RELATED)
        .prefetch_related("attachments")
        .order_by("-created_at", "-case")
    )


def appeal_for(user: User, appeal_id: int) -> Appeal:
    """The appeal if the user may see it (its worker; staff of organisations it sits or sat
    with; its supervising committee; city admins); NotFound otherwise, as for no such appeal."""
    if not 1 <= appeal_id <= 2**31 - 1:
        raise NotFound()
    case = case_for_actor(user, appeal_id)
    if case.kind != CaseKind.APPEAL:
        raise NotFound()
    appeal = (
        Appeal.objects.filter(case_id=case.pk)
        .select_related(*APPEAL_RELATED, "case__reporter")
        .prefetch_related("attachments")
        .first()
    )
    if appeal is None:
        raise NotFound()
    return appeal


def supervises_appeals(org_ids: list[int]) -> bool:
    """Whether these organisations include an industry committee (the supervision view's users)."""
    return bool(org_ids) and Organisation.objects.filter(pk__in=org_ids, kind=OrgKind.INDUSTRY_COMMITTEE).exists()


def appeals_supervision_of(user: User, *, org_ids: list[int], city_admin: bool) -> QuerySet[Appeal]:
    """The supervision view (appeals_supervised_by) for the staff of an industry committee and city
    admins; PermissionDenied (403) for anyone else. `org_ids` and `city_admin` are the console's,
    already read."""
    if not city_admin and not supervises_appeals(org_ids):
        raise PermissionDenied(_("诉求督办仅向行业党委和管理员开放。"))
    return appeals_supervised_by(user)


def appeals_supervised_by(user: User) -> QuerySet[Appeal]:
    """The committee's supervision view: every appeal against an enterprise its committees
    supervise, wherever it sits now, newest first."""
    org_ids = staff_org_ids(user)
    if not org_ids:
        return Appeal.objects.none()
    return (
        Appeal.objects.filter(supervisor_id__in=org_ids, case__confidential=False)
        .select_related(*APPEAL_RELATED)
        .order_by("-created_at", "-case")
    )


# --- Anonymity ---------------------------------------------------------------------------------
_ENTERPRISE_SIDE_CACHE = "_appeals_enterprise_ids"


def _enterprise_ids_of_staff(user: User) -> frozenset[int]:
    """The enterprises the user works for as staff (of the enterprise or its party
    organisation), memoised on the user object for one request's worth of cases."""
    cached = getattr(user, _ENTERPRISE_SIDE_CACHE, None)
    if cached is not None:
        return cached
    ids: set[int] = set()
    for org_id, kind, enterprise_id in Membership.objects.filter(
        user=user, organisation__kind__in=(OrgKind.ENTERPRISE, OrgKind.ENTERPRISE_PARTY_ORG)
    ).values_list("organisation_id", "organisation__kind", "organisation__enterprise_id"):
        enterprise = org_id if kind == OrgKind.ENTERPRISE else enterprise_id
        if enterprise is not None:
            ids.add(enterprise)
    result = frozenset(ids)
    setattr(user, _ENTERPRISE_SIDE_CACHE, result)
    return result


def identity_visible_to(user: User, case: Case) -> bool:
    """Whether `user` may learn who filed the case. False only for an appeal whose worker hid
    their identity from the enterprise it names, and a user who is staff of that enterprise or
    its party organisation (whatever else they are); True for the worker, the industry committee,
    government handlers and city admins."""
    if case.kind != CaseKind.APPEAL or not user.is_authenticated:
        return True
    if case.reporter_id == user.pk:
        return True
    try:
        appeal = case.appeal
    except Appeal.DoesNotExist:
        return True
    if not appeal.anonymous_to_enterprise or appeal.enterprise_id is None:
        return True
    return appeal.enterprise_id not in _enterprise_ids_of_staff(user)


def appeal_supervisor_id(case: Case) -> int | None:
    try:
        return case.appeal.supervisor_id
    except Appeal.DoesNotExist:
        return None


def appeal_supervised_scope(org_ids: list[int]) -> Q:
    return Q(kind=CaseKind.APPEAL, appeal__supervisor_id__in=org_ids)


# --- Similar past appeals ---------------------------------------------------------------------------
SIMILAR_CANDIDATES = 200
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SPLIT = re.compile(r"[\s,，。.;；、!！?？:：()（）\"'“”‘’]+")


@dataclass(frozen=True)
class SimilarAppeal:
    """A resolved appeal its worker allowed to be shown: what it was about and the answer,
    nothing about who filed it or when exactly."""

    subject: str
    type: str
    type_label: str
    involves: str
    involves_label: str
    resolution: str
    resolved_on: datetime | None


def _tokens(text: str) -> list[str]:
    """Words of the query; a Chinese run is also cut into overlapping pairs of characters, as
    its words are not separated by spaces."""
    tokens: list[str] = []
    for word in _SPLIT.split(text.strip()[:100]):
        if not word:
            continue
        if _CJK.search(word) and len(word) > 2:
            tokens += [word[i : i + 2] for i in range(len(word) - 1)]
        elif len(word) >= 2 or _CJK.search(word):
            tokens.append(word)
    seen: dict[str, None] = {}
    for token in tokens:
        seen.setdefault(token.lower(), None)
    return list(seen)[:12]


def similar_appeals(
    text: str, type: str | None = None, involves: str | None = None, limit: int = 5
) -> list[SimilarAppeal]:
    """Resolved or closed appeals whose worker allowed the outcome to be public and whose subject
    or description share words with `text`, best match first (then newest), with the resolution
    note. Two queries."""
    tokens = _tokens(text or "")
    if not tokens:
        return []
    match = Q()
    for token in tokens:
        match |= Q(subject__icontains=token) | Q(description__icontains=token)
    qs = Appeal.objects.filter(
        match,
        outcome_public=True,
        case__status__in=(CaseStatus.RESOLVED, CaseStatus.CLOSED),
        case__resolved_at__isnull=False,
        case__confidential=False,
    )
    if type in AppealType.values:
        qs = qs.filter(type=type)
    if involves in Involves.values:
        qs = qs.filter(involves=involves)
    candidates = list(
        qs.order_by("-created_at").values("case_id", "subject", "description", "type", "involves", "case__resolved_at")[
            :SIMILAR_CANDIDATES
        ]
    )

    def score(row: Any) -> int:
        subject, description = str(row["subject"]).lower(), str(row["description"]).lower()
        return sum(2 * (t in subject) + (t in description) for t in tokens)

    def shared(row: Any) -> int:
        text = f"{row['subject']} {row['description']}".lower()
        return sum(t in text for t in tokens)

    # The same topic, not a word in common: an appeal shares at least half of the query's words
    # (a Chinese subject's pairs of characters), so "电动车充电难" does not bring up every appeal
    # that mentions an 电动车.
    enough = max(1, math.ceil(len(tokens) / 2))
    on_topic = [r for r in candidates if shared(r) >= enough]
    ranked = sorted(on_topic, key=lambda r: -score(r))[: max(1, min(limit, 20))]
    notes: dict[int, str] = {}
    for case_id, note in (
        CaseEvent.objects.filter(case_id__in=[r["case_id"] for r in ranked], action=CaseAction.RESOLVE)
        .order_by("at", "id")
        .values_list("case_id", "note")
    ):
        notes[case_id] = note  # the last answer wins
    return [
        SimilarAppeal(
            subject=str(r["subject"]),
            type=str(r["type"]),
            type_label=str(AppealType(r["type"]).label),
            involves=str(r["involves"]),
            involves_label=str(Involves(r["involves"]).label),
            resolution=notes.get(r["case_id"], ""),
            resolved_on=r["case__resolved_at"],
        )
        for r in ranked
    ]
