"""The 我的诉求 pages: the worker's list, form (similar past appeals, the enterprise picker, the
anonymity toggle), an appeal with its timeline and rating; the staff case page of an appeal with
the worker hidden from the enterprise, the queue, and the committee's supervision view and
actions."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from littlebee.accounts.tests.factories import worker
from littlebee.appeals.models import Appeal, AppealType, Involves
from littlebee.appeals.tests.factories import AppealCity, file_appeal
from littlebee.cases import services as case_services
from littlebee.cases.models import CaseAction, CaseEvent, CaseStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sent")]


def jpeg(name: str = "李骑手_工资条.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def client_of(user: Any) -> Client:
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(user)
    return client


def html(response: Any) -> str:
    return str(response.content.decode())


def resolved_public(c: AppealCity, subject: str = "雨天超时罚款申诉", answer: str = "已撤销罚款并返还 50 元") -> Appeal:
    appeal = file_appeal(c, worker=c.other_rider, subject=subject, outcome_public=True, anonymous_to_enterprise=False)
    case_services.case_accept(case_id=appeal.pk, actor=c.eleme_handler)
    case_services.case_resolve(case_id=appeal.pk, actor=c.eleme_handler, note=answer)
    return appeal


FORM = {
    "type": AppealType.RIGHTS,
    "involves": Involves.ENTERPRISE,
    "subject": "超时罚款过高",
    "description": "恶劣天气下超时也被罚款 50 元，申诉无回应。",
    "anonymous_to_enterprise": "on",
}


# --- My appeals -----------------------------------------------------------------------------
def test_my_appeals_is_empty_with_a_button_to_file_one(c: AppealCity) -> None:
    # given a rider with no appeals
    client = client_of(c.rider)

    # when they open their appeals
    response = client.get("/appeals/")

    # then they are told what appeals are for and shown the way to the form
    assert response.status_code == 200
    assert "还没有诉求" in html(response)
    assert 'href="/appeals/new/"' in html(response)


def test_my_appeals_lists_only_mine_with_status_in_few_queries(
    c: AppealCity, django_assert_max_num_queries: Any
) -> None:
    # given three appeals of the rider and one of someone else
    for n in range(3):
        file_appeal(c, subject=f"罚款问题{n}")
    file_appeal(c, worker=c.other_rider, enterprise_id=c.meituan.pk, subject="别人的诉求")
    client = client_of(c.rider)

    # when they open their appeals
    with django_assert_max_num_queries(8):
        response = client.get("/appeals/")

    # then theirs are listed with status and holder, not the other one
    page = html(response)
    assert page.count("data-appeal-row=") == 3
    assert "罚款问题2" in page and "别人的诉求" not in page
    assert "待受理" in page and c.eleme_party.name in page


# --- The form -------------------------------------------------------------------------------
def test_the_form_preselects_the_workers_employer_and_hides_their_identity_by_default(c: AppealCity) -> None:
    # given a rider of 饿了么
    client = client_of(c.rider)

    # when they open the form
    response = client.get("/appeals/new/")

    # then the chips, the grouped enterprise picker with their employer chosen, and the toggle,
    # on and explained, are there
    page = html(response)
    assert response.status_code == 200
    assert "权益保障" in page and "行业治理" in page and "群体状况" in page
    assert "涉及企业" in page and "行业管理" in page and "基层治理" in page
    assert '<optgroup label="外卖">' in page
    assert re.search(rf'<option value="{c.eleme.pk}" selected>', page)
    assert re.search(r'name="anonymous_to_enterprise"[^>]*checked', page)
    assert "企业看不到" in page and "行业党委和政府部门仍能看到" in page
    assert "允许匿名公开处理结果" in page


def test_sending_the_form_files_the_appeal_and_says_who_handles_it(c: AppealCity) -> None:
    # given a rider with an image
    client = client_of(c.rider)

    # when they send the form
    response = client.post("/appeals/new/", {**FORM, "enterprise": c.eleme.pk, "attachments": [jpeg()]}, follow=True)

    # then the appeal is filed anonymously against 饿了么 and they land on its page, told the
    # number, the office and the deadline
    appeal = Appeal.objects.get()
    assert appeal.case.reporter == c.rider
    assert appeal.enterprise == c.eleme and appeal.anonymous_to_enterprise
    assert appeal.attachments.count() == 1
    assert "李骑手" not in appeal.attachments.get().file.name
    assert response.redirect_chain[-1][0] == f"/appeals/{appeal.pk}/"
    page = html(response)
    assert f"诉求 #{appeal.pk} 已提交" in page
    assert c.eleme_party.name in page and "前受理" in page
    assert "已对企业隐藏你的身份" in page


def test_an_enterprise_that_does_not_exist_is_refused_and_nothing_is_filed(c: AppealCity) -> None:
    # given a rider
    client = client_of(c.rider)

    # when they send an enterprise id that is no enterprise (a committee's, an unknown one)
    unknown = client.post("/appeals/new/", {**FORM, "enterprise": 999999})
    committee = client.post("/appeals/new/", {**FORM, "enterprise": c.committee.pk})

    # then the form comes back with the error on the picker, and nothing is filed
    assert unknown.status_code == 400 and committee.status_code == 400
    assert "该企业不存在。" in html(unknown) and "该企业不存在。" in html(committee)
    assert not Appeal.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"subject": ""}, "请填写主题。"),
        ({"type": ""}, "请选择诉求类型。"),
        ({"type": "bribe"}, "选择一个有效的选项"),
        ({"involves": ""}, "请选择诉求涉及的方面。"),
        ({"enterprise": ""}, "请选择涉及的企业。"),
        ({"enterprise": "abc"}, "输入整数"),
        ({"description": ""}, "请说明具体情况。"),
    ],
)
def test_bad_input_comes_back_with_a_clear_error_and_files_nothing(
    c: AppealCity, change: dict[str, Any], message: str
) -> None:
    # given a rider
    client = client_of(c.rider)

    # when they send the form with something missing or wrong
    response = client.post("/appeals/new/", {**FORM, "enterprise": c.eleme.pk, **change})

    # then they see why, and nothing is filed
    assert response.status_code == 400
    assert message in html(response)
    assert not Appeal.objects.exists()


def test_too_many_or_broken_images_are_refused(c: AppealCity) -> None:
    # given a rider
    client = client_of(c.rider)
    broken = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")

    # when they send ten images, or one that is no image
    too_many = client.post(
        "/appeals/new/", {**FORM, "enterprise": c.eleme.pk, "attachments": [jpeg() for _ in range(10)]}
    )
    bad = client.post("/appeals/new/", {**FORM, "enterprise": c.eleme.pk, "attachments": [broken]})

    # then both come back with an error, and nothing is filed
    assert too_many.status_code == 400 and "最多上传 9 张图片。" in html(too_many)
    assert bad.status_code in (400, 413)
    assert not Appeal.objects.exists()


def test_other_kinds_of_appeal_need_no_enterprise(c: AppealCity) -> None:
    # given a rider who leaves a stale enterprise pick and chooses industry management
    client = client_of(c.rider)

    # when they send it
    response = client.post(
        "/appeals/new/",
        {**FORM, "type": AppealType.INDUSTRY, "involves": Involves.INDUSTRY_MANAGEMENT, "enterprise": c.eleme.pk},
    )

    # then it goes to the regulator of the industry, naming no enterprise
    appeal = Appeal.objects.get()
    assert response.status_code == 302
    assert appeal.enterprise is None
    assert appeal.case.organisation == c.regulator


def test_after_a_failed_send_similar_past_appeals_are_shown(c: AppealCity) -> None:
    # given a resolved appeal whose worker allowed its outcome to be shown, and one not allowed
    resolved_public(c, subject="雨天超时罚款申诉", answer="已撤销罚款并返还 50 元")
    private = file_appeal(c, worker=c.other_rider, subject="超时罚款私下的", outcome_public=False)
    case_services.case_accept(case_id=private.pk, actor=c.eleme_handler)
    case_services.case_resolve(case_id=private.pk, actor=c.eleme_handler, note="私下答复")
    client = client_of(c.rider)

    # when a send about the same thing fails (no description)
    response = client.post("/appeals/new/", {**FORM, "enterprise": c.eleme.pk, "description": ""})

    # then the public one and its answer are shown, without who sent it
    page = html(response)
    assert response.status_code == 400
    assert "类似诉求的处理结果" in page
    assert "雨天超时罚款申诉" in page and "已撤销罚款并返还 50 元" in page
    assert "私下答复" not in page
    assert c.other_rider.name not in page


def test_the_similar_lookup_answers_json_without_identity(c: AppealCity) -> None:
    # given a resolved public appeal
    resolved_public(c)
    client = client_of(c.rider)

    # when the form looks up what the rider types
    found = client.get("/appeals/similar/", {"q": "超时罚款", "type": "rights"}).json()
    none = client.get("/appeals/similar/", {"q": "x"}).json()

    # then subject, type and answer come back, nothing about the worker
    assert [r["subject"] for r in found["results"]] == ["雨天超时罚款申诉"]
    assert found["results"][0]["resolution"] == "已撤销罚款并返还 50 元"
    assert set(found["results"][0]) == {"id", "subject", "type", "type_label", "resolution"}
    assert none == {"results": []}


def test_the_pages_need_signing_in(c: AppealCity) -> None:
    # given someone not signed in
    client = Client()

    # when they open the pages
    answers = [client.get(url) for url in ("/appeals/", "/appeals/new/", "/appeals/similar/?q=罚款")]

    # then they are sent to sign in
    assert all(a.status_code == 302 and "/login" in a["Location"] for a in answers)


# --- An appeal ------------------------------------------------------------------------------
def test_the_appeal_page_shows_status_holder_deadline_and_timeline(c: AppealCity) -> None:
    # given a filed appeal
    appeal = file_appeal(c)

    # when the rider opens it
    page = html(client_of(c.rider).get(f"/appeals/{appeal.pk}/"))

    # then they see where it is, until when, whom it involves and its timeline
    assert "超时罚款过高" in page and "待受理" in page
    assert c.eleme_party.name in page and "办理期限" in page
    assert "饿了么武汉" in page and c.committee.name in page
    assert 'data-event="open"' in page
    # the hop's reason (the classification-forwarding rule) is on the timeline
    routed = CaseEvent.objects.get(case_id=appeal.pk, action=CaseAction.OPEN)
    assert routed.shown_note and routed.shown_note.splitlines()[0] in page


def test_someone_elses_appeal_is_not_found(c: AppealCity) -> None:
    # given the rider's appeal
    appeal = file_appeal(c)
    other = client_of(c.other_rider)

    # when another worker opens it or rates it
    seen = other.get(f"/appeals/{appeal.pk}/")
    rated = other.post(f"/appeals/{appeal.pk}/feedback/", {"rating": "5", "resolved": "1"})

    # then there is no such appeal for them, and nothing changed
    assert seen.status_code == 404 and rated.status_code == 404
    appeal.case.refresh_from_db()
    assert appeal.case.rating is None


def test_the_rider_rates_a_resolved_appeal(c: AppealCity) -> None:
    # given an appeal the enterprise answered
    appeal = file_appeal(c)
    case_services.case_accept(case_id=appeal.pk, actor=c.eleme_handler)
    case_services.case_resolve(case_id=appeal.pk, actor=c.eleme_handler, note="罚款已撤销")
    client = client_of(c.rider)

    # when the rider opens it, then rates it 5 stars as solved
    page = html(client.get(f"/appeals/{appeal.pk}/"))
    response = client.post(f"/appeals/{appeal.pk}/feedback/", {"rating": "5", "comment": "谢谢", "resolved": "1"})

    # then the page had the answer and the rating form, and the appeal is closed with the rating
    assert "办理答复" in page and "罚款已撤销" in page and "star-rating" in page
    assert response.status_code == 302
    appeal.case.refresh_from_db()
    assert appeal.case.status == CaseStatus.CLOSED and appeal.case.rating == 5


def test_a_rating_without_stars_is_refused(c: AppealCity) -> None:
    # given an answered appeal
    appeal = file_appeal(c)
    case_services.case_accept(case_id=appeal.pk, actor=c.eleme_handler)
    case_services.case_resolve(case_id=appeal.pk, actor=c.eleme_handler, note="罚款已撤销")

    # when the rider sends no stars
    response = client_of(c.rider).post(f"/appeals/{appeal.pk}/feedback/", {"resolved": "1"})

    # then they are asked for them and nothing changed
    assert response.status_code == 400 and "请给出 1 到 5 星的评价。" in html(response)
    appeal.case.refresh_from_db()
    assert appeal.case.status == CaseStatus.RESOLVED


# --- Staff: the case page -------------------------------------------------------------------
def test_the_enterprise_sees_the_content_but_not_who_sent_it(c: AppealCity) -> None:
    # given an anonymous appeal against 饿了么 with an image, the rider's number known
    appeal = file_appeal(c, attachments=[jpeg()])
    case_services.case_accept(case_id=appeal.pk, actor=c.eleme_handler)
    phone = c.rider.phone

    # when the enterprise's party organisation opens the case page
    page = html(client_of(c.eleme_handler).get(f"/staff/cases/{appeal.pk}/"))

    # then it sees subject, description and image, and neither the rider's name nor phone
    assert "超时罚款过高" in page and "恶劣天气下超时也被罚款" in page
    assert "data-appeal-panel" in page and "case-photo" in page
    assert "匿名小哥（已对企业隐藏身份）" in page
    assert "李骑手" not in page and phone not in page
    assert "李骑手" not in appeal.attachments.get().file.name


def test_the_enterprise_itself_does_not_learn_the_worker_either(c: AppealCity) -> None:
    # given an anonymous appeal forwarded to the enterprise's own staff
    appeal = file_appeal(c)
    case_services.case_forward(case_id=appeal.pk, actor=c.eleme_handler, to_org=c.eleme, note="请人事核实")

    # when the enterprise's staff open the case page
    response = client_of(c.eleme_staff).get(f"/staff/cases/{appeal.pk}/")

    # then the worker is hidden from them too
    assert response.status_code == 200
    assert "李骑手" not in html(response) and c.rider.phone not in html(response)


def test_another_enterprises_handler_gets_404(c: AppealCity) -> None:
    # given an appeal against 饿了么
    appeal = file_appeal(c)

    # when 美团's party organisation opens it
    response = client_of(c.meituan_handler).get(f"/staff/cases/{appeal.pk}/")

    # then there is no such case for them
    assert response.status_code == 404


def test_the_committee_and_the_worker_still_see_who_sent_it(c: AppealCity) -> None:
    # given an anonymous appeal against 饿了么
    appeal = file_appeal(c)

    # when the industry committee opens the case page
    page = html(client_of(c.committee_handler).get(f"/staff/cases/{appeal.pk}/"))

    # then it sees the rider's name and (masked: it supervises, the holder calls) phone, and may supervise
    phone = c.rider.phone
    assert "李骑手" in page and f"{phone[:3]}****{phone[-4:]}" in page and phone not in page
    assert "匿名小哥" not in page
    assert 'data-case-action="supervise"' in page and 'data-case-action="take_over"' in page


def test_a_named_appeal_shows_the_worker_to_the_enterprise(c: AppealCity) -> None:
    # given an appeal the rider did not hide
    appeal = file_appeal(c, anonymous_to_enterprise=False)

    # when the enterprise's party organisation opens it
    page = html(client_of(c.eleme_handler).get(f"/staff/cases/{appeal.pk}/"))

    # then the rider is named
    assert "李骑手" in page and "匿名小哥" not in page


def test_the_workers_own_timeline_rows_are_anonymous_to_the_enterprise(c: AppealCity) -> None:
    # given an anonymous appeal the rider disputed after the enterprise's answer
    appeal = file_appeal(c)
    case_services.case_accept(case_id=appeal.pk, actor=c.eleme_handler)
    case_services.case_resolve(case_id=appeal.pk, actor=c.eleme_handler, note="已核实")
    case_services.case_feedback(case_id=appeal.pk, worker=c.rider, rating=1, comment="没解决", resolved=False)

    # when the enterprise looks at the timeline (it still sees the case it handled)
    response = client_of(c.eleme_handler).get(f"/staff/cases/{appeal.pk}/")

    # then the rider's rows carry no name
    assert response.status_code == 200
    assert CaseEvent.objects.filter(case_id=appeal.pk, actor=c.rider).exists()
    assert "李骑手" not in html(response) and c.rider.phone not in html(response)


def test_the_queue_shows_appeals_by_subject_in_few_queries(c: AppealCity, django_assert_max_num_queries: Any) -> None:
    # given five appeals at 饿了么's party organisation
    for n in range(5):
        file_appeal(c, subject=f"诉求主题{n}")
    client = client_of(c.eleme_handler)

    # when its handler opens the queue
    with django_assert_max_num_queries(16):
        response = client.get("/staff/cases/")

    # then each appeal shows its subject, and no worker's name
    page = html(response)
    assert all(f"诉求主题{n}" in page for n in range(5))
    assert "李骑手" not in page


# --- Supervision ----------------------------------------------------------------------------
def test_the_committee_lists_every_appeal_against_its_enterprises(
    c: AppealCity, django_assert_max_num_queries: Any
) -> None:
    # given appeals against 饿了么 and 美团 (food delivery), and one to the regulator
    file_appeal(c, subject="饿了么罚款")
    file_appeal(c, worker=c.other_rider, enterprise_id=c.meituan.pk, subject="美团保险")
    file_appeal(c, involves=Involves.INDUSTRY_MANAGEMENT, enterprise_id=None, subject="行业准入")
    client = client_of(c.committee_handler)

    # when the food-delivery committee opens its supervision view
    with django_assert_max_num_queries(14):
        response = client.get("/appeals/supervision/")

    # then both enterprise appeals are listed with their enterprise, not the regulator's
    page = html(response)
    assert response.status_code == 200
    assert "饿了么罚款" in page and "美团保险" in page and "行业准入" not in page
    assert "饿了么武汉" in page and "美团武汉" in page


def test_the_supervision_view_filters_by_enterprise_and_status(c: AppealCity) -> None:
    # given an accepted appeal against 饿了么 and a waiting one against 美团
    first = file_appeal(c, subject="饿了么罚款")
    case_services.case_accept(case_id=first.pk, actor=c.eleme_handler)
    file_appeal(c, worker=c.other_rider, enterprise_id=c.meituan.pk, subject="美团保险")
    client = client_of(c.committee_handler)

    # when it filters by enterprise, by status, and with nonsense
    by_enterprise = html(client.get("/appeals/supervision/", {"enterprise": c.meituan.pk}))
    by_status = html(client.get("/appeals/supervision/", {"status": "accepted"}))
    nonsense = client.get("/appeals/supervision/", {"enterprise": "x' or 1=1", "status": "nope", "page": "zz"})

    # then each shows what was asked, and nonsense shows everything
    assert "美团保险" in by_enterprise and "饿了么罚款" not in by_enterprise
    assert "饿了么罚款" in by_status and "美团保险" not in by_status
    assert nonsense.status_code == 200 and "美团保险" in html(nonsense) and "饿了么罚款" in html(nonsense)


def test_the_supervision_view_is_for_committees(c: AppealCity) -> None:
    # given an appeal
    file_appeal(c)

    # when an enterprise handler, the regulator and a worker try the supervision view
    answers = [client_of(u).get("/appeals/supervision/") for u in (c.eleme_handler, c.regulator_handler, c.rider)]

    # then they are refused
    assert [a.status_code for a in answers] == [403, 403, 403]


def test_another_industrys_committee_sees_none_of_them(c: AppealCity) -> None:
    # given an appeal against 饿了么
    appeal = file_appeal(c, subject="饿了么罚款")

    # when the express committee looks
    client = client_of(c.express_handler)
    listing = html(client.get("/appeals/supervision/"))
    page = client.get(f"/staff/cases/{appeal.pk}/")

    # then it neither lists nor opens it
    assert "饿了么罚款" not in listing and page.status_code == 404


def test_the_committee_comments_sets_a_deadline_and_takes_over(c: AppealCity) -> None:
    # given an appeal waiting at 饿了么's party organisation
    appeal = file_appeal(c)
    client = client_of(c.committee_handler)
    url = f"/staff/cases/{appeal.pk}/actions/"

    # when the committee comments, sets a deadline, then takes it over
    commented = client.post(url, {"action": "supervise", "supervise-note": "请三个工作日内答复"})
    due = timezone.localtime(timezone.now() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    deadline = client.post(url, {"action": "set_deadline", "set_deadline-due_at": due, "set_deadline-note": ""})
    took = client.post(url, {"action": "take_over", "take_over-note": "企业迟迟未受理"})

    # then each is on the timeline, and the committee holds the case
    assert commented.status_code == 302 and took.status_code == 302
    actions = list(CaseEvent.objects.filter(case_id=appeal.pk).values_list("action", flat=True))
    assert deadline.status_code == 302
    assert [a for a in actions if a in (CaseAction.SUPERVISE, CaseAction.SET_DEADLINE, CaseAction.TAKE_OVER)] == [
        CaseAction.SUPERVISE,
        CaseAction.SET_DEADLINE,
        CaseAction.TAKE_OVER,
    ]
    appeal.case.refresh_from_db()
    assert appeal.case.organisation == c.committee


def test_a_supervision_comment_needs_words(c: AppealCity) -> None:
    # given an appeal
    appeal = file_appeal(c)

    # when the committee sends an empty comment
    response = client_of(c.committee_handler).post(
        f"/staff/cases/{appeal.pk}/actions/", {"action": "supervise", "supervise-note": ""}
    )

    # then the page comes back with the error, nothing written
    assert response.status_code == 400 and "请填写督办意见。" in html(response)
    assert not CaseEvent.objects.filter(case_id=appeal.pk, action=CaseAction.SUPERVISE).exists()


def test_the_enterprise_cannot_supervise_or_take_over(c: AppealCity) -> None:
    # given an appeal at 饿了么's party organisation
    appeal = file_appeal(c)
    client = client_of(c.eleme_handler)

    # when its handler tries the committee's actions
    page = html(client.get(f"/staff/cases/{appeal.pk}/"))
    client.post(f"/staff/cases/{appeal.pk}/actions/", {"action": "take_over", "take_over-note": "我来"})

    # then the page offers none, and nothing moved
    assert 'data-case-action="supervise"' not in page and 'data-case-action="take_over"' not in page
    appeal.case.refresh_from_db()
    assert appeal.case.organisation == c.eleme_party
    assert not CaseEvent.objects.filter(case_id=appeal.pk, action=CaseAction.TAKE_OVER).exists()


def test_a_worker_not_staff_is_refused_the_console(c: AppealCity) -> None:
    # given an appeal
    appeal = file_appeal(c)

    # when the rider tries the staff case page
    response = client_of(c.rider).get(f"/staff/cases/{appeal.pk}/")

    # then it is not for them
    assert response.status_code == 403


def test_home_links_to_my_appeals(c: AppealCity) -> None:
    # given a worker
    client = client_of(worker(community=c.w.community))

    # when they open home
    page = html(client.get("/"))

    # then the module tile for appeals is there
    assert 'href="/appeals/"' in page and "我的诉求" in page
