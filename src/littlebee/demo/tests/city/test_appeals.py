"""The demo city's 我的诉求 history, as load_wuhan leaves it."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import F
from django.utils import timezone

from littlebee.accounts.models import Membership, Role, User, WorkerProfile
from littlebee.accounts.services import login_with_password
from littlebee.analytics import measures
from littlebee.analytics.measures import Period, Scope
from littlebee.analytics.rollups import city_zone, rollups_rebuild
from littlebee.appeals.models import Appeal, AppealType, Involves
from littlebee.appeals.selectors import appeals_supervised_by, identity_visible_to
from littlebee.cases.models import Case, CaseAction, CaseEvent, CaseKind, CaseStatus
from littlebee.cases.selectors import cases_visible_to
from littlebee.demo import appeals as demo_appeals
from littlebee.demo.tests.city.conftest import SecondLoad
from littlebee.orgs.models import Industry, Organisation, OrgKind

pytestmark = pytest.mark.django_db

MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _appeals() -> Any:
    return Case.objects.filter(kind=CaseKind.APPEAL)


def test_a_few_hundred_appeals_over_six_months_in_every_state(wuhan: Any) -> None:
    # given the first load
    now = timezone.now()

    # then some 300 appeals, each a case with its appeal row, over about six months
    appeals = _appeals()
    assert 280 <= appeals.count() <= 330
    assert wuhan.created["appeals"] == appeals.count() == Appeal.objects.count()
    oldest = appeals.order_by("created_at").first()
    assert oldest is not None and now - oldest.created_at > timedelta(days=160)
    # in every state the engine knows
    assert set(appeals.values_list("status", flat=True)) == set(CaseStatus.values)


def test_the_resolved_share_is_near_the_seeds_430_of_538(wuhan: Any) -> None:
    # when
    statuses = Counter(_appeals().values_list("status", flat=True))
    resolved = statuses[CaseStatus.RESOLVED] + statuses[CaseStatus.CLOSED]

    # then about four in five (the seed: 430 / 538 ≈ 0.80)
    assert 0.75 <= resolved / sum(statuses.values()) <= 0.85
    # and the statistics' headline (the one definition, over rollups rebuilt from the demo's rows)
    # agrees
    rollups_rebuild()
    appeals = measures.overview(
        Scope(everything=True), Period(start=None, end=timezone.localdate(timezone=city_zone()))
    ).appeals
    assert (appeals["received"], appeals["resolved"]) == (sum(statuses.values()), resolved)


def test_appeals_span_the_industries_enterprises_types_and_involves(wuhan: Any) -> None:
    # when
    rows = list(Appeal.objects.values_list("industry", "enterprise__code", "type", "involves"))

    # then every industry, type and involves value occurs, against many enterprises
    assert {r[0] for r in rows} == set(Industry.values)
    assert {r[2] for r in rows} == set(AppealType.values)
    assert {r[3] for r in rows} == set(Involves.values)
    assert len({r[1] for r in rows if r[1]}) >= 10
    # some anonymous towards the enterprise, some with a public outcome
    against = Appeal.objects.filter(involves=Involves.ENTERPRISE)
    assert 0.25 < against.filter(anonymous_to_enterprise=True).count() / against.count() < 0.55
    assert Appeal.objects.filter(outcome_public=True, case__status=CaseStatus.CLOSED).count() > 50
    # an enterprise appeal is only ever made by a worker of that enterprise
    mismatched = Appeal.objects.filter(involves=Involves.ENTERPRISE).exclude(
        enterprise_id=F("case__reporter__worker_profile__enterprise_id")
    )
    assert not mismatched.exists()


def test_committees_step_in_by_escalation_supervision_take_over_and_dispute(wuhan: Any) -> None:
    # when
    events = CaseEvent.objects.filter(case__kind=CaseKind.APPEAL)
    committees = set(Organisation.objects.filter(kind=OrgKind.INDUSTRY_COMMITTEE).values_list("pk", flat=True))
    enterprise_orgs = set(Organisation.objects.filter(kind=OrgKind.ENTERPRISE_PARTY_ORG).values_list("pk", flat=True))

    # then some went up from an enterprise that did not accept in time
    late = events.filter(
        action=CaseAction.ESCALATE,
        from_status=CaseStatus.SUBMITTED,
        from_org__in=enterprise_orgs,
        to_org__in=committees,
    )
    assert late.count() >= 10
    # some were supervised, given a deadline, taken over, disputed
    actions = Counter(events.values_list("action", flat=True))
    for action in ("supervise", "set_deadline", "take_over", CaseAction.DISPUTE, CaseAction.MERGE, CaseAction.REJECT):
        assert actions[action] >= 2, action
    # and committees resolved appeals against enterprises of their industry
    assert (
        Case.objects.filter(
            kind=CaseKind.APPEAL, organisation__in=committees, status__in=[CaseStatus.RESOLVED, CaseStatus.CLOSED]
        ).count()
        >= 15
    )


def test_the_demo_rider_has_two_past_appeals_one_resolved_and_rated(wuhan: Any) -> None:
    # given
    rider = User.objects.get(phone=demo_appeals.RIDER)

    # when
    mine = list(Case.objects.filter(kind=CaseKind.APPEAL, reporter=rider).order_by("created_at"))

    # then
    assert len(mine) == 2
    assert mine[0].status == CaseStatus.CLOSED and mine[0].rating == 5
    assert mine[1].status in (CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS)
    assert mine[1].appeal.enterprise is not None and mine[1].appeal.enterprise.name == "饿了么"


def test_every_committee_and_regulator_has_a_handler(wuhan: Any) -> None:
    # when
    orgs = Organisation.objects.filter(kind__in=[OrgKind.INDUSTRY_COMMITTEE, OrgKind.REGULATOR], code__startswith="wh-")

    # then
    assert orgs.count() == 6
    for org in orgs:
        assert Membership.objects.filter(organisation=org, role=Role.HANDLER).exists(), org.name


def test_anonymous_appeals_hide_the_worker_from_the_enterprises_handlers(wuhan: Any) -> None:
    # given anonymous appeals against enterprises, and each enterprise party organisation's staff
    anonymous = list(
        Appeal.objects.filter(anonymous_to_enterprise=True).select_related("case", "enterprise", "supervisor")[:20]
    )
    assert anonymous

    for appeal in anonymous:
        party_org = Organisation.objects.get(kind=OrgKind.ENTERPRISE_PARTY_ORG, enterprise=appeal.enterprise)
        handler = User.objects.filter(memberships__organisation=party_org).first()
        chief = User.objects.filter(memberships__organisation=appeal.supervisor).first()
        assert handler is not None and chief is not None

        # then the enterprise's staff do not see who it is; the committee does
        assert not identity_visible_to(handler, appeal.case)
        assert identity_visible_to(chief, appeal.case)


def test_a_second_load_adds_no_appeals(second_load: SecondLoad) -> None:
    # given the city loaded again on top of itself
    # then no appeal and no case event is added, and it took well under half a minute
    assert second_load.added(Appeal, CaseEvent) == {}
    assert second_load.result.created["appeals"] == 0 and second_load.result.already_loaded
    assert second_load.result.seconds < 30


def test_the_plan_is_the_same_on_every_machine(wuhan: Any) -> None:
    # given the demo workers and a fixed moment
    now = timezone.now()
    workers = list(WorkerProfile.objects.filter(enterprise__isnull=False).select_related("user", "enterprise"))

    # when the history is planned twice from the same seed
    first = demo_appeals._plan(random.Random("same"), now, workers)
    second = demo_appeals._plan(random.Random("same"), now, workers)

    # then it is the same history
    def shape(specs: list[Any]) -> list[tuple[Any, ...]]:
        return [(s.at, s.worker.pk, s.subject, s.outcome, s.anonymous) for s in specs]

    assert shape(first) == shape(second) and len(first) > 250


@pytest.mark.parametrize(
    ("phone", "organisation"), [("13900000009", "饿了么党委"), ("13900000010", "武汉市外卖行业党委")]
)
def test_the_organisations_receiving_the_riders_appeal_have_demo_logins(
    wuhan: Any, phone: str, organisation: str
) -> None:
    # given the demo rider's appeal against 饿了么, and the README's login for its party
    # organisation (which handles it) and for the food-delivery committee (which supervises it)
    rider = User.objects.get(phone=demo_appeals.RIDER)
    against_eleme = Case.objects.get(kind=CaseKind.APPEAL, reporter=rider, appeal__enterprise__name="饿了么")

    # when that login signs in and opens the cases it may see
    user = login_with_password(phone=phone, password="Bee-demo-2021")
    visible = cases_visible_to(user)

    # then it is an admin of that organisation and sees the rider's appeal
    assert [(m.organisation.name, m.role) for m in user.memberships.select_related("organisation")] == [
        (organisation, Role.ADMIN)
    ]
    assert visible.filter(pk=against_eleme.pk).exists()


def test_the_food_delivery_committee_supervises_the_riders_appeal(wuhan: Any) -> None:
    # given
    committee_admin = User.objects.get(phone="13900000010")
    rider = User.objects.get(phone=demo_appeals.RIDER)

    # when
    supervised = appeals_supervised_by(committee_admin)

    # then the rider's appeal against 饿了么 is in the committee's supervision view
    assert supervised.filter(case__reporter=rider, enterprise__name="饿了么").exists()
    # and 顺丰's party organisation does not see it
    sf = User.objects.get(phone="13900000004")
    assert not cases_visible_to(sf).filter(reporter=rider, appeal__enterprise__name="饿了么").exists()
