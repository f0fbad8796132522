"""Filing an appeal, classification-forwarding, feedback, escalation and supervision."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from littlebee.appeals import selectors, services
from littlebee.appeals.models import Appeal, AppealAttachment, AppealType, Involves
from littlebee.appeals.tests.factories import AppealCity, file_appeal
from littlebee.cases.models import (
    Case,
    CaseAction,
    CaseEvent,
    CaseKind,
    CaseStatus,
    DeadlineRule,
    RoutingRule,
    RoutingTarget,
)
from littlebee.cases.services import case_accept, case_resolve, cases_escalate_overdue
from littlebee.cases.tests.factories import WORKING_MORNING
from littlebee.core.errors import InvalidInput, NotFound, PermissionDenied
from littlebee.orgs.models import OrgKind

pytestmark = pytest.mark.usefixtures("sent")


def jpeg_with_exif(name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    image = Image.new("RGB", (64, 48), (200, 60, 60))
    exif = Image.Exif()
    exif[0x010F] = "RiderPhone"  # Make
    exif[0x013B] = "李骑手"  # Artist
    out = BytesIO()
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


# --- Rules ------------------------------------------------------------------------------------
def test_routing_ensure_is_idempotent_and_sets_appeal_deadlines(c: AppealCity) -> None:
    # given the rules made by the fixture
    # when they are ensured again
    created = services.appeal_routing_ensure()
    # then nothing more is created: one rule per involves, one deadline row
    assert created == 0
    rules = {r.category: r.target for r in RoutingRule.objects.filter(kind=CaseKind.APPEAL)}
    assert rules == {
        Involves.ENTERPRISE: RoutingTarget.ENTERPRISE_PARTY_ORG,
        Involves.INDUSTRY_MANAGEMENT: RoutingTarget.REGULATOR,
        Involves.GRASSROOTS: RoutingTarget.COMMUNITY,
    }
    rule = DeadlineRule.objects.get(kind=CaseKind.APPEAL, category="")
    assert (rule.accept_within_working_hours, rule.resolve_within_working_days) == (16, 10)


# --- Routing ------------------------------------------------------------------------------------
def test_enterprise_appeal_goes_to_its_party_org_supervised_by_its_committee(c: AppealCity) -> None:
    # when the rider files against 饿了么
    appeal = file_appeal(c)
    # then 饿了么's party organisation holds it, the food-delivery committee supervises it
    case = appeal.case
    assert case.kind == CaseKind.APPEAL and case.status == CaseStatus.SUBMITTED
    assert case.organisation == c.eleme_party
    assert appeal.supervisor == c.committee
    assert appeal.industry == "food_delivery"
    # and the timeline says why, without the rider's name
    opened = CaseEvent.objects.get(case=case, action=CaseAction.OPEN)
    assert "饿了么" in opened.shown_note and "外卖行业党委" in opened.shown_note
    assert "李骑手" not in opened.shown_note
    assert opened.data["rule"] is not None
    # and the accept deadline is the appeal kind's 16 working hours (two working days)
    assert case.accept_due_at is not None and case.accept_due_at.date() == (WORKING_MORNING + timedelta(days=2)).date()


def test_industry_management_appeal_goes_to_the_regulator(c: AppealCity) -> None:
    # when the rider files about industry management
    appeal = file_appeal(c, involves=Involves.INDUSTRY_MANAGEMENT, enterprise_id=None, type=AppealType.INDUSTRY)
    # then the food-delivery regulator holds it, nobody supervises it
    assert appeal.case.organisation == c.regulator
    assert appeal.supervisor is None and appeal.enterprise is None


def test_grassroots_appeal_goes_to_the_workers_community(c: AppealCity) -> None:
    # when the rider files about grassroots governance
    appeal = file_appeal(c, involves=Involves.GRASSROOTS, enterprise_id=None, type=AppealType.GROUP)
    # then the party organisation of the rider's community holds it
    assert appeal.case.organisation == c.w.community_org
    assert appeal.case.region == c.w.community


def test_city_admins_change_the_route_as_data(c: AppealCity) -> None:
    # given a city admin points grassroots appeals at the street
    RoutingRule.objects.filter(kind=CaseKind.APPEAL, category=Involves.GRASSROOTS).update(
        target=RoutingTarget.ORGANISATION, organisation=c.w.street_org
    )
    # when the rider files one
    appeal = file_appeal(c, involves=Involves.GRASSROOTS, enterprise_id=None)
    # then the street receives it
    assert appeal.case.organisation == c.w.street_org


def test_enterprise_without_party_org_goes_to_its_committee(c: AppealCity) -> None:
    # given 美团's party organisation is inactive
    c.meituan_party.is_active = False
    c.meituan_party.save(update_fields=["is_active"])
    # when an appeal names 美团
    appeal = file_appeal(c, enterprise_id=c.meituan.pk)
    # then the committee receives it itself
    assert appeal.case.organisation == c.committee


# --- Bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"type": "nonsense"}, "type"),
        ({"involves": "nonsense"}, "involves"),
        ({"enterprise_id": 999_999}, "enterprise"),
        ({"enterprise_id": None}, "enterprise"),
        ({"subject": "  "}, "subject"),
        ({"subject": "长" * 121}, "subject"),
        ({"description": ""}, "description"),
        ({"description": "长" * 2001}, "description"),
        ({"attachments": [SimpleUploadedFile("a.jpg", b"not an image", content_type="image/jpeg")]}, "attachments"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(c: AppealCity, changes: dict[str, Any], field: str) -> None:
    # when an appeal is filed with one bad field
    with pytest.raises(InvalidInput) as exc:
        file_appeal(c, **changes)
    # then that field is named and nothing is stored
    assert field in [e.field for e in exc.value.errors]
    assert not Case.objects.exists() and not Appeal.objects.exists()


def test_an_organisation_that_is_not_an_enterprise_is_refused(c: AppealCity) -> None:
    # when the rider names the committee as the enterprise
    with pytest.raises(InvalidInput) as exc:
        file_appeal(c, enterprise_id=c.committee.pk)
    # then "该企业不存在。"
    assert [(e.field, str(e.detail)) for e in exc.value.errors] == [("enterprise", "该企业不存在。")]


def test_too_many_attachments_are_refused(c: AppealCity) -> None:
    with pytest.raises(InvalidInput) as exc:
        file_appeal(c, attachments=[jpeg_with_exif() for _ in range(10)])
    assert exc.value.errors[0].field == "attachments"
    assert not Case.objects.exists()


def test_validation_answers_the_cleaned_appeal_and_writes_nothing(c: AppealCity, media_root: Path) -> None:
    # given an appeal about the rider's community that still carries an enterprise from the form,
    # padded text and a photo whose EXIF names the rider
    # when it is validated on its own
    data = services.appeal_validate(
        type=AppealType.RIGHTS,
        involves=Involves.GRASSROOTS,
        enterprise_id=c.eleme.pk,
        subject="  夜间照明不足  ",
        description="\n路口没有路灯。\n",
        anonymous_to_enterprise=1,  # type: ignore[arg-type]  # a form's truthy value
        attachments=[jpeg_with_exif()],
    )
    # then the answer is the cleaned appeal: text trimmed, the enterprise dropped and with it the
    # hiding from an enterprise (none is involved), flags as booleans, the photo re-encoded
    # without its metadata
    assert (data.subject, data.description, data.enterprise) == ("夜间照明不足", "路口没有路灯。", None)
    assert (data.anonymous_to_enterprise, data.outcome_public) == (False, False)
    assert len(data.attachments) == 1 and b"RiderPhone" not in data.attachments[0].full
    # and nothing is stored: no case, no appeal, no file
    assert not Case.objects.exists() and not Appeal.objects.exists()
    assert not [f for f in media_root.rglob("*") if f.is_file()]


def test_validation_keeps_the_enterprise_of_an_enterprise_appeal(c: AppealCity) -> None:
    # when an appeal about 饿了么 is validated
    data = services.appeal_validate(
        type=AppealType.RIGHTS,
        involves=Involves.ENTERPRISE,
        enterprise_id=c.eleme.pk,
        subject="超时罚款过高",
        description="申诉无回应。",
        anonymous_to_enterprise=False,
    )
    # then the enterprise is the one named, and there are no attachments
    assert data.enterprise == c.eleme
    assert data.attachments == ()


def test_validation_names_every_bad_field_at_once(c: AppealCity) -> None:
    # when every field is wrong
    with pytest.raises(InvalidInput) as exc:
        services.appeal_validate(
            type="nonsense",
            involves="nonsense",
            enterprise_id=999_999,
            subject="",
            description="",
            anonymous_to_enterprise=False,
            attachments=[SimpleUploadedFile("a.jpg", b"not an image", content_type="image/jpeg")],
        )
    # then each is named in one refusal
    assert {e.field for e in exc.value.errors} == {
        "type",
        "involves",
        "enterprise",
        "subject",
        "description",
        "attachments",
    }


def test_attachments_are_reencoded_without_metadata_and_thumbnailed(c: AppealCity, media_root: Path) -> None:
    # when the rider attaches a photo whose EXIF names the phone and the rider
    appeal = file_appeal(c, attachments=[jpeg_with_exif("李骑手-罚单.jpg")])
    # then it is stored with a thumbnail, under a random name, and no metadata
    attachment = AppealAttachment.objects.get(appeal=appeal)
    assert attachment.thumbnail
    assert "李骑手" not in attachment.file.name and "IMG" not in attachment.file.name
    with attachment.file.open("rb") as f:
        data = f.read()
    assert b"RiderPhone" not in data and "李骑手".encode() not in data
    with Image.open(BytesIO(data)) as stored:
        assert not stored.getexif()


# --- Anonymity ---------------------------------------------------------------------------------
def test_identity_is_hidden_from_the_enterprise_only(c: AppealCity) -> None:
    # given an anonymous appeal against 饿了么
    case = file_appeal(c).case
    # then the enterprise's party organisation and the enterprise's staff may not learn who filed it
    assert not selectors.identity_visible_to(c.eleme_handler, case)
    assert not selectors.identity_visible_to(c.eleme_staff, case)
    # and the rider, the committee, government handlers and city admins may
    assert selectors.identity_visible_to(c.rider, case)
    assert selectors.identity_visible_to(c.committee_handler, case)
    assert selectors.identity_visible_to(c.regulator_handler, case)
    assert selectors.identity_visible_to(c.w.city_admin, case)


def test_identity_is_visible_when_not_anonymous(c: AppealCity) -> None:
    case = file_appeal(c, anonymous_to_enterprise=False).case
    assert selectors.identity_visible_to(c.eleme_handler, case)


# --- Who sees an appeal -----------------------------------------------------------------------------
def test_who_sees_an_appeal(c: AppealCity) -> None:
    # given the rider's appeal against 饿了么
    appeal = file_appeal(c)
    # then the rider, 饿了么's party organisation, the committee and the city admin see it
    for user in (c.rider, c.eleme_handler, c.committee_handler, c.w.city_admin):
        assert selectors.appeal_for(user, appeal.pk).pk == appeal.pk
    # and another rider, 美团's handlers, another industry's committee, a community do not
    for user in (c.other_rider, c.meituan_handler, c.express_handler, c.w.community_handler):
        with pytest.raises(NotFound):
            selectors.appeal_for(user, appeal.pk)


def test_lists(c: AppealCity, django_assert_max_num_queries: Any) -> None:
    # given two appeals of the rider and one of another rider (against 美团)
    first = file_appeal(c)
    second = file_appeal(c, involves=Involves.GRASSROOTS, enterprise_id=None, at=WORKING_MORNING + timedelta(hours=1))
    other = file_appeal(c, worker=c.other_rider, enterprise_id=c.meituan.pk)
    # then the rider's list is theirs, newest first
    with django_assert_max_num_queries(2):
        assert [a.pk for a in selectors.appeals_of(c.rider)] == [second.pk, first.pk]
    # and the committee supervises both enterprise appeals, not the community's
    with django_assert_max_num_queries(2):
        assert {a.pk for a in selectors.appeals_supervised_by(c.committee_handler)} == {first.pk, other.pk}
    assert not selectors.appeals_supervised_by(c.express_handler).exists()
    assert not selectors.appeals_supervised_by(c.rider).exists()


# --- Escalation and feedback ---------------------------------------------------------------------------
def test_enterprise_not_accepting_in_time_escalates_to_the_committee(c: AppealCity) -> None:
    # given an appeal at 饿了么's party organisation
    appeal = file_appeal(c)
    # when its acceptance deadline passes and the sweep runs
    cases_escalate_overdue(now=WORKING_MORNING + timedelta(days=5))
    # then the committee holds it, marked overdue, and the timeline says so
    case = Case.objects.get(pk=appeal.pk)
    assert case.organisation == c.committee and case.overdue
    escalation = CaseEvent.objects.get(case=case, action=CaseAction.ESCALATE)
    assert escalation.from_org == c.eleme_party and escalation.to_org == c.committee
    assert "外卖行业党委" in escalation.shown_note


def test_dispute_of_the_enterprises_answer_escalates_to_the_committee(c: AppealCity) -> None:
    # given 饿了么 accepted and resolved the appeal
    appeal = file_appeal(c)
    at = WORKING_MORNING + timedelta(hours=1)
    case_accept(case_id=appeal.pk, actor=c.eleme_handler, at=at)
    case_resolve(case_id=appeal.pk, actor=c.eleme_handler, note="已减免罚款。", at=at)
    # when the rider says it is not resolved
    services.appeal_feedback(appeal_id=appeal.pk, worker=c.rider, rating=1, comment="并没有退款", resolved=False, at=at)
    # then the committee holds the dispute, with the reason on the timeline
    case = Case.objects.get(pk=appeal.pk)
    assert case.status == CaseStatus.DISPUTED and case.organisation == c.committee
    assert case.dispute_count == 1 and case.rating == 1
    escalation = CaseEvent.objects.get(case=case, action=CaseAction.ESCALATE)
    assert escalation.from_org == c.eleme_party and escalation.data["reason"] == "dispute"
    assert "不满意" in escalation.shown_note and "李骑手" not in escalation.shown_note


def test_dispute_elsewhere_stays_where_it_is(c: AppealCity) -> None:
    # given a grassroots appeal resolved by the community
    appeal = file_appeal(c, involves=Involves.GRASSROOTS, enterprise_id=None)
    case_accept(case_id=appeal.pk, actor=c.w.community_handler)
    case_resolve(case_id=appeal.pk, actor=c.w.community_handler, note="已协调。")
    # when the rider disputes it
    services.appeal_feedback(appeal_id=appeal.pk, worker=c.rider, rating=2, resolved=False)
    # then it is disputed at the community
    case = Case.objects.get(pk=appeal.pk)
    assert case.status == CaseStatus.DISPUTED and case.organisation == c.w.community_org


def test_feedback_by_someone_else_is_refused(c: AppealCity) -> None:
    appeal = file_appeal(c)
    case_accept(case_id=appeal.pk, actor=c.eleme_handler)
    case_resolve(case_id=appeal.pk, actor=c.eleme_handler, note="已处理。")
    with pytest.raises(NotFound):
        services.appeal_feedback(appeal_id=appeal.pk, worker=c.other_rider, rating=5, resolved=True)
    with pytest.raises(PermissionDenied):
        services.appeal_feedback(appeal_id=appeal.pk, worker=c.committee_handler, rating=5, resolved=True)
    assert Case.objects.get(pk=appeal.pk).status == CaseStatus.RESOLVED


def test_confirm_closes(c: AppealCity) -> None:
    appeal = file_appeal(c)
    case_accept(case_id=appeal.pk, actor=c.eleme_handler)
    case_resolve(case_id=appeal.pk, actor=c.eleme_handler, note="已处理。")
    services.appeal_feedback(appeal_id=appeal.pk, worker=c.rider, rating=5, resolved=True)
    case = Case.objects.get(pk=appeal.pk)
    assert case.status == CaseStatus.CLOSED and case.rating == 5


# --- Supervision ----------------------------------------------------------------------------------
def test_committee_comments_sets_a_deadline_and_takes_over(
    c: AppealCity, sent: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    # given an appeal at 饿了么's party organisation
    appeal = file_appeal(c)
    at = WORKING_MORNING + timedelta(hours=1)
    sent.clear()
    # when the committee comments
    with django_capture_on_commit_callbacks(execute=True):
        services.appeal_supervise_comment(appeal_id=appeal.pk, actor=c.committee_handler, note="请两日内答复。", at=at)
    # then the timeline has it and 饿了么's handler is told
    event = CaseEvent.objects.get(case_id=appeal.pk, action=CaseAction.SUPERVISE)
    assert event.from_org == c.committee and event.to_org == c.eleme_party and event.actor == c.committee_handler
    assert [m["user"] for m in sent] == [c.eleme_handler]
    # when it sets a deadline
    due = at + timedelta(days=1)
    services.appeal_set_deadline(appeal_id=appeal.pk, actor=c.committee_handler, due_at=due, note="加急", at=at)
    case = Case.objects.get(pk=appeal.pk)
    assert case.accept_due_at == due and case.next_escalation_at == due
    assert CaseEvent.objects.filter(case=case, action=CaseAction.SET_DEADLINE).exists()
    # when it takes the appeal over
    services.appeal_take_over(appeal_id=appeal.pk, actor=c.committee_handler, note="提级办理", at=at)
    case = Case.objects.get(pk=appeal.pk)
    assert case.organisation == c.committee and case.status == CaseStatus.SUBMITTED
    take = CaseEvent.objects.get(case=case, action=CaseAction.TAKE_OVER)
    assert take.from_org == c.eleme_party and take.to_org == c.committee


def test_missing_the_supervisors_deadline_escalates(c: AppealCity) -> None:
    appeal = file_appeal(c)
    at = WORKING_MORNING + timedelta(hours=1)
    services.appeal_set_deadline(appeal_id=appeal.pk, actor=c.committee_handler, due_at=at + timedelta(hours=2), at=at)
    cases_escalate_overdue(now=at + timedelta(hours=3))
    assert Case.objects.get(pk=appeal.pk).organisation == c.committee


@pytest.mark.parametrize("who", ["eleme_handler", "regulator_handler", "rider"])
def test_supervision_by_others_is_refused(c: AppealCity, who: str) -> None:
    # given an appeal 饿了么's handler holds (and the rider filed; the regulator cannot see it)
    appeal = file_appeal(c)
    user = getattr(c, who)
    expected = NotFound if who == "regulator_handler" else PermissionDenied
    # when they try to supervise: refused, nothing written
    with pytest.raises(expected):
        services.appeal_supervise_comment(appeal_id=appeal.pk, actor=user, note="x")
    with pytest.raises(expected):
        services.appeal_take_over(appeal_id=appeal.pk, actor=user, note="x")
    with pytest.raises(expected):
        services.appeal_set_deadline(
            appeal_id=appeal.pk, actor=user, due_at=WORKING_MORNING + timedelta(days=1), at=WORKING_MORNING
        )
    assert not CaseEvent.objects.filter(
        case_id=appeal.pk, action__in=[CaseAction.SUPERVISE, CaseAction.TAKE_OVER, CaseAction.SET_DEADLINE]
    ).exists()


def test_set_deadline_in_the_past_is_refused(c: AppealCity) -> None:
    appeal = file_appeal(c)
    with pytest.raises(InvalidInput):
        services.appeal_set_deadline(
            appeal_id=appeal.pk,
            actor=c.committee_handler,
            due_at=WORKING_MORNING - timedelta(hours=1),
            at=WORKING_MORNING,
        )


def test_grassroots_appeal_has_no_supervisor(c: AppealCity) -> None:
    appeal = file_appeal(c, involves=Involves.GRASSROOTS, enterprise_id=None)
    with pytest.raises(NotFound):
        services.appeal_supervise_comment(appeal_id=appeal.pk, actor=c.committee_handler, note="x")


# --- Similar appeals ------------------------------------------------------------------------------
def test_similar_appeals_only_public_resolved_and_without_identity(c: AppealCity) -> None:
    # given a resolved public appeal, a resolved private one, and an open public one
    public = file_appeal(c, subject="恶劣天气超时罚款", outcome_public=True)
    private = file_appeal(c, subject="超时罚款申诉", outcome_public=False)
    file_appeal(c, subject="罚款太多", outcome_public=True)
    for appeal in (public, private):
        case_accept(case_id=appeal.pk, actor=c.eleme_handler)
        case_resolve(case_id=appeal.pk, actor=c.eleme_handler, note="恶劣天气超时不再罚款。")
    # when a rider looks for "超时罚款"
    found = selectors.similar_appeals("超时罚款")
    # then only the public resolved one, with its answer
    assert [s.subject for s in found] == ["恶劣天气超时罚款"]
    assert found[0].resolution == "恶劣天气超时不再罚款。"
    assert not hasattr(found[0], "worker") and not hasattr(found[0], "id")
    assert selectors.similar_appeals("   ") == []
    assert selectors.similar_appeals("超时罚款", type=AppealType.GROUP) == []


def test_enterprise_kind_of_organisation(c: AppealCity) -> None:
    assert c.eleme_party.kind == OrgKind.ENTERPRISE_PARTY_ORG and c.eleme_party.parent == c.committee
