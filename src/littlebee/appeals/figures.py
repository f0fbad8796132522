"""The appeals' figures: how many were received, accepted in time, resolved, and how satisfied
the workers were, per organisation and per industry, over the appeals received in a period.

The seed's city is judged by one line, "收到诉求 N 件，已解决 M 件": the cohort is therefore the
appeals *received* in the period, and each count says what became of them (resolved = resolved
or closed, whether the worker confirmed or the system closed it unrated).

Per organisation, like the case figures (cases.selectors.case_figures): received counts every
organisation an appeal reached (routed, escalated, taken over); accepted, resolved and the
ratings count where the appeal sits now; escalated counts against the organisation it left.
Per industry, the same over every appeal of that industry, with "accepted in time" meaning
accepted before its first acceptance deadline (one escalated before acceptance was not).

Who sees which figures (`figures_scope`): city admins every appeal; an industry committee's
staff the appeals of its industry; an enterprise party organisation's staff the appeals against
its enterprise; other staff the appeals that reached their own organisations. Workers: none.
Everything is aggregate: no figure names a worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet

from littlebee.accounts.models import Membership, User
from littlebee.accounts.selectors import is_city_admin
from littlebee.cases.models import Case, CaseAction, CaseEvent, CaseKind, CaseOrganisation, CaseStatus
from littlebee.cases.selectors import CASE_ROLES
from littlebee.orgs.models import Industry, Organisation, OrgKind

RESOLVED_STATUSES = (CaseStatus.RESOLVED, CaseStatus.CLOSED)
SATISFIED_RATING = 4


@dataclass(frozen=True)
class FiguresScope:
    """Which appeals the viewer's figures cover; `everything` for city admins."""

    everything: bool = False
    industries: tuple[str, ...] = ()
    enterprise_ids: tuple[int, ...] = ()
    org_ids: tuple[int, ...] = ()
    # Organisations whose rows the viewer sees (None = every organisation the appeals reached).
    row_org_ids: tuple[int, ...] | None = None

    @property
    def shows_industries(self) -> bool:
        return self.everything or bool(self.industries)


def figures_scope(user: User) -> FiguresScope | None:
    """What the user's figures cover; None for someone with no staff role in appeals (workers)."""
    if not user.is_authenticated:
        return None
    if is_city_admin(user):
        return FiguresScope(everything=True)
    orgs = list(
        Organisation.objects.filter(
            pk__in=Membership.objects.filter(user=user, role__in=CASE_ROLES).values("organisation_id"),
            is_active=True,
        ).only("pk", "kind", "industry", "enterprise_id")
    )
    if not orgs:
        return None
    industries = sorted({o.industry for o in orgs if o.kind == OrgKind.INDUSTRY_COMMITTEE and o.industry})
    enterprises = sorted(
        {o.enterprise_id for o in orgs if o.kind == OrgKind.ENTERPRISE_PARTY_ORG and o.enterprise_id is not None}
    )
    org_ids = tuple(sorted(o.pk for o in orgs))
    return FiguresScope(
        industries=tuple(industries),
        enterprise_ids=tuple(enterprises),
        org_ids=org_ids,
        # A committee looks over every organisation handling its industry's appeals.
        row_org_ids=None if industries else org_ids,
    )


def appeal_cases(scope: FiguresScope, since: datetime | None = None) -> QuerySet[Case]:
    """The appeal cases the figures count: in scope, received since `since` (None = all time)."""
    cases = Case.objects.filter(kind=CaseKind.APPEAL, appeal__isnull=False)
    if since is not None:
        cases = cases.filter(created_at__gte=since)
    if scope.everything:
        return cases
    within = Q(appeal__industry__in=scope.industries) | Q(appeal__enterprise_id__in=scope.enterprise_ids)
    if scope.org_ids:
        within |= Q(Exists(CaseOrganisation.objects.filter(case=OuterRef("pk"), organisation_id__in=scope.org_ids)))
    return cases.filter(within)


@dataclass
class AppealFigures:
    """One row: an organisation's, an industry's or the total."""

    key: str
    name: str
    received: int = 0
    accepted: int = 0
    accepted_in_time: int = 0
    resolved: int = 0
    escalated: int = 0
    rating_avg: float | None = None
    rating_count: int = 0
    satisfied: int = 0
    organisation_id: int | None = None
    kind: str = ""

    @staticmethod
    def _rate(part: int, whole: int) -> int | None:
        return round(100 * part / whole) if whole else None

    @property
    def resolved_rate(self) -> int | None:
        return self._rate(self.resolved, self.received)

    @property
    def accepted_in_time_rate(self) -> int | None:
        return self._rate(self.accepted_in_time, self.received)

    @property
    def satisfied_rate(self) -> int | None:
        """Share of the ratings that were 4 or 5 stars."""
        return self._rate(self.satisfied, self.rating_count)


@dataclass
class FiguresReport:
    total: AppealFigures
    industries: list[AppealFigures] = field(default_factory=list)
    organisations: list[AppealFigures] = field(default_factory=list)


def _late_before_acceptance() -> Exists:
    # An escalation while still waiting for acceptance: the first deadline was missed, whatever
    # happened at the next organisation (escalation resets accept_due_at there).
    return Exists(
        CaseEvent.objects.filter(case=OuterRef("pk"), action=CaseAction.ESCALATE, from_status=CaseStatus.SUBMITTED)
    )


def _counts(*, first_deadline: bool) -> dict[str, Count | Avg]:
    accepted = Q(accepted_at__isnull=False)
    in_time = accepted & Q(accepted_at__lte=F("accept_due_at"))
    if first_deadline:
        in_time &= ~Q(_late_before_acceptance())
    rated = Q(rating__isnull=False)
    return {
        "received": Count("pk"),
        "accepted": Count("pk", filter=accepted),
        "accepted_in_time": Count("pk", filter=in_time),
        "resolved": Count("pk", filter=Q(status__in=RESOLVED_STATUSES)),
        "rating_avg": Avg("rating", filter=rated),
        "rating_count": Count("pk", filter=rated),
        "satisfied": Count("pk", filter=Q(rating__gte=SATISFIED_RATING)),
    }


def _fill(item: AppealFigures, row: dict[str, object]) -> AppealFigures:
    for key, value in row.items():
        if key == "rating_avg":
            item.rating_avg = float(value) if value is not None else None  # type: ignore[arg-type]
        elif hasattr(item, key):
            setattr(item, key, int(value or 0))  # type: ignore[call-overload]
    if item.rating_count == 0:
        item.rating_avg = None
    return item


def appeal_figures(scope: FiguresScope, since: datetime | None = None) -> FiguresReport:
    """The headline, the rows per industry (for city admins and committees) and per
    organisation. Five aggregate queries and one for the organisations' names, whatever the
    number of appeals or organisations (the page adds its chrome: 14 in all for a city admin)."""
    cases = appeal_cases(scope, since)
    total = _fill(AppealFigures(key="total", name=""), cases.aggregate(**_counts(first_deadline=True)))

    industries: list[AppealFigures] = []
    if scope.shows_industries:
        labels = dict(Industry.choices)
        rows = {
            row.pop("appeal__industry"): row
            for row in cases.values("appeal__industry").annotate(**_counts(first_deadline=True)).order_by()
        }
        wanted = Industry.values if scope.everything else list(scope.industries)
        for value in wanted:
            item = AppealFigures(key=value, name=str(labels.get(value, value)))
            industries.append(_fill(item, rows[value]) if value in rows else item)

    held: dict[int, AppealFigures] = {}

    def of(org_id: int) -> AppealFigures:
        if org_id not in held:
            held[org_id] = AppealFigures(key=f"org-{org_id}", name="", organisation_id=org_id)
        return held[org_id]

    by_holder = cases.values("organisation_id").annotate(**_counts(first_deadline=False)).order_by()
    for row in by_holder:
        item = of(int(row.pop("organisation_id")))
        row.pop("received")  # received counts every organisation reached, below
        _fill(item, row)
    reached = (
        CaseOrganisation.objects.filter(case__in=cases.values("pk"))
        .values("organisation_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in reached:
        of(row["organisation_id"]).received = row["n"]
    escalations = (
        CaseEvent.objects.filter(case__in=cases.values("pk"), action=CaseAction.ESCALATE, from_org__isnull=False)
        .exclude(to_org_id=F("from_org_id"))
        .values("from_org_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in escalations:
        of(row["from_org_id"]).escalated = row["n"]
    if scope.row_org_ids is not None:
        held = {k: v for k, v in held.items() if k in scope.row_org_ids}
    names = {o.pk: o for o in Organisation.objects.filter(pk__in=list(held)).only("pk", "name", "kind")}
    for org_id, item in held.items():
        org = names.get(org_id)
        item.name, item.kind = (org.name, org.kind) if org is not None else ("", "")
    organisations = sorted(held.values(), key=lambda f: (-f.received, f.name, f.organisation_id or 0))
    return FiguresReport(total=total, industries=industries, organisations=organisations)
