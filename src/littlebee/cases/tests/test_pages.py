"""The staff console's case pages: the queue, a case's page and its action forms."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff, worker
from littlebee.cases.models import Case, CaseAttachment, CaseStatus, ResponseTemplate
from littlebee.conftest import client_for
from littlebee.orgs.models import DepartmentType, OrgKind
from littlebee.orgs.tests.factories import OrganisationFactory
from littlebee.points.models import LedgerEntry
from littlebee.reports import services as report_services
from littlebee.reports.models import Report
from littlebee.reports.services import report_categories_ensure

from .factories import World, world

pytestmark = pytest.mark.django_db


def report_city() -> World:
    """The engine's test city with its communities placed and the report categories (traffic
    signals go to the district's traffic police; garbage to the community)."""
    city = world()
    city.community.lat, city.community.lng = 30.55, 114.30
    city.community.save(update_fields=["lat", "lng"])
    city.other_community.lat, city.other_community.lng = 30.60, 114.35
    city.other_community.save(update_fields=["lat", "lng"])
    report_categories_ensure()
    return city


def submit(category: str = "garbage", reporter: Any = None, **kwargs: Any) -> Report:
    return report_services.report_submit(
        reporter=reporter or worker(),
        category_code=category,
        description=kwargs.pop("description", "路口垃圾堆了三天"),
        lat=kwargs.pop("lat", 30.5501),
        lng=kwargs.pop("lng", 114.3001),
        **kwargs,
    )


def jpeg(colour: str = "red") -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(data, "JPEG")
    data.seek(0)
    data.name = "photo.jpg"
    return data


@pytest.fixture
def w(settings: Any, tmp_path: Path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    return report_city()


# --- Who may open the console ------------------------------------------------------------------
def test_anonymous_visitors_are_sent_to_log_in(w: World) -> None:
    response = Client().get("/staff/cases/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("path", ["/staff/cases/", "/staff/cases/figures/"])
def test_a_worker_and_a_keeper_are_refused(w: World, path: str) -> None:
    # given a worker and a station keeper (staff, but with no case role)
    keeper = staff(w.community_org, role=Role.KEEPER)

    # then neither may open the casework pages
    assert client_for(worker()).get(path).status_code == 403
    assert client_for(keeper).get(path).status_code == 403


def test_a_keeper_may_not_open_a_case_even_by_its_number(w: World) -> None:
    report = submit()
    keeper = staff(w.community_org, role=Role.KEEPER)
    assert client_for(keeper).get(f"/staff/cases/{report.pk}/").status_code == 403


# --- The queue -------------------------------------------------------------------------------
def test_the_queue_lists_my_organisations_cases_with_category_names(w: World) -> None:
    # given two reports at the community and one at the other community
    first = submit("garbage")
    second = submit("road_damage", urgent=True)
    submit("garbage", lat=30.6001, lng=114.3501)

    # when the community handler opens his queue
    response = client_for(w.community_handler).get("/staff/cases/")

    # then he sees his two, newest first, with category names, organisation and markers
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r["case"].pk for r in rows] == [second.pk, first.pk]
    assert [r["category_name"] for r in rows] == ["道路破损", "垃圾堆放"]
    html = response.content.decode()
    assert "西厂口社区党委" in html and "紧急" in html
    assert "案件办理" in html and "数据统计" in html  # the sidebar entries


def test_the_queue_costs_the_same_few_queries_for_many_cases(w: World, django_assert_max_num_queries: Any) -> None:
    # given 3 reports, then 15
    for _ in range(3):
        submit()
    client = client_for(w.community_handler)
    with django_assert_max_num_queries(14) as few:
        client.get("/staff/cases/")
    for _ in range(12):
        submit("road_damage")

    # then the page with 15 rows runs no more queries than the one with 3
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/staff/cases/")
    assert len(response.context["rows"]) == 15


def test_queue_tabs_filters_and_search(w: World) -> None:
    # given an urgent road report, a garbage report accepted by the handler, and an overdue one
    road = submit("road_damage", urgent=True)
    garbage = submit("garbage")
    late = submit("garbage")
    client = client_for(w.community_handler)
    client.post(f"/staff/cases/{garbage.pk}/actions/", {"action": "accept", "accept-points": "10"})
    Case.objects.filter(pk=late.pk).update(overdue=True)

    def ids(**query: str) -> list[int]:
        response = client.get("/staff/cases/", query)
        assert response.status_code == 200
        return [r["case"].pk for r in response.context["rows"]]

    # then each tab and filter narrows the list
    assert ids(queue="urgent") == [road.pk]
    assert ids(queue="overdue") == [late.pk]
    assert ids(queue="assigned") == [garbage.pk]
    assert ids(status="accepted") == [garbage.pk]
    assert ids(category="road_damage") == [road.pk]
    assert ids(kind="appeal") == []
    assert ids(q=str(late.pk)) == [late.pk]
    assert ids(q=f"#{road.pk}") == [road.pk]
    # and nonsense is ignored rather than refused
    assert sorted(ids(queue="nope", status="nope", kind="x", category="nope")) == sorted([road.pk, garbage.pk, late.pk])
    assert client.get("/staff/cases/", {"q": "abc"}).status_code == 200
    assert client.get("/staff/cases/", {"page": "999"}).status_code == 200


def test_an_empty_queue_says_so(w: World) -> None:
    response = client_for(w.community_handler).get("/staff/cases/", {"queue": "overdue"})
    assert response.status_code == 200
    assert "没有超期案件" in response.content.decode()


def test_a_city_admin_sees_the_city_but_not_confidential_cases(w: World) -> None:
    # given a garbage report and a confidential public-security clue
    police = OrganisationFactory(
        kind=OrgKind.DEPARTMENT, department_type=DepartmentType.PUBLIC_SECURITY, region=w.district
    )
    staff(police)
    public = submit("garbage")
    clue = submit("public_security_clue")
    client = client_for(w.city_admin)

    # when the city admin opens the queue: only "all", without the clue
    response = client.get("/staff/cases/")
    assert response.context["tab"] == "all"
    assert [r["case"].pk for r in response.context["rows"]] == [public.pk]

    # and the clue's page is not found for her
    assert client.get(f"/staff/cases/{clue.pk}/").status_code == 404
    assert client.get(f"/staff/cases/{public.pk}/").status_code == 200


# --- A case's page -----------------------------------------------------------------------------
def test_the_case_page_shows_the_report_the_reporter_and_what_may_be_done(w: World) -> None:
    # given a garbage report by a named courier, with a photo, and a reply template
    courier = worker(user__name="李小哥")
    report = submit("garbage", reporter=courier, address="解放路 1 号", photos=[jpeg()])
    ResponseTemplate.objects.create(
        kind="report", category="garbage", action="reject", title="非本辖区", body="经核实不属于本辖区。"
    )
    ResponseTemplate.objects.create(kind="report", category="", action="", title="已收到", body="已收到，谢谢。")

    # when the community handler opens it
    response = client_for(w.community_handler).get(f"/staff/cases/{report.pk}/")

    # then he sees the report, the reporter's phone, the map link and the forms he may use
    assert response.status_code == 200
    html = response.content.decode()
    assert "李小哥" in html and courier.phone in html
    assert "解放路 1 号" in html and "uri.amap.com" in html
    assert [f["action"] for f in response.context["forms"]] == [
        "accept",
        "reject",
        "forward",
        "return",
        "merge",
        "assign",
    ]
    templates = {f["action"]: [t.title for t in f["templates"]] for f in response.context["forms"]}
    assert templates["reject"] == ["非本辖区", "已收到"]
    assert templates["accept"] == ["已收到"]
    assert "经核实不属于本辖区。" in html
    # a ranged category asks for the points, within its range
    accept_form = response.context["forms"][0]["form"]
    assert accept_form.fields["points"].required


def test_the_case_page_is_not_found_for_another_organisations_handler(w: World) -> None:
    report = submit()
    assert client_for(w.other_handler).get(f"/staff/cases/{report.pk}/").status_code == 404
    assert client_for(w.police_handler).get(f"/staff/cases/{report.pk}/").status_code == 404
    assert client_for(w.community_handler).get("/staff/cases/999999/").status_code == 404


def test_the_case_page_shows_the_reports_flags(w: World) -> None:
    from littlebee.reports.models import FlagKind, ReportFlag

    first = submit()
    second = submit()
    ReportFlag.objects.create(
        report=second,
        kind=FlagKind.PHOTO_REUSED,
        other_report=first,
        detail="与另一条反映的照片相同",
        created_at=timezone.now(),
    )
    response = client_for(w.community_handler).get(f"/staff/cases/{second.pk}/")
    html = response.content.decode()
    assert "需要留意" in html and "与另一条反映的照片相同" in html
    assert f"/staff/cases/{first.pk}/" in html


def test_nearby_open_reports_are_offered_for_merging(w: World) -> None:
    first = submit()
    second = submit()
    response = client_for(w.community_handler).get(f"/staff/cases/{second.pk}/")
    assert [c.pk for c in response.context["panel"].merge_candidates] == [first.pk]


# --- Acting on a case --------------------------------------------------------------------------
def post(client: Client, case_id: int, action: str, **fields: Any) -> Any:
    data = {"action": action, **{f"{action}-{k}": v for k, v in fields.items()}}
    return client.post(f"/staff/cases/{case_id}/actions/", data)


def test_accepting_a_ranged_category_needs_points_within_its_range(w: World) -> None:
    report = submit("garbage")
    client = client_for(w.community_handler)

    # when he accepts without points, or outside 5–30
    missing = post(client, report.pk, "accept")
    outside = post(client, report.pk, "accept", points="300")

    # then the form says so and nothing changes
    assert missing.status_code == 400 and outside.status_code == 400
    assert missing.context["forms"][0]["form"].errors["points"]
    assert Case.objects.get(pk=report.pk).status == CaseStatus.SUBMITTED
    assert not LedgerEntry.objects.exists()

    # when he picks 20 points
    done = post(client, report.pk, "accept", points="20", note="已派人清理")

    # then the case is accepted, the courier gets 20 points, and the page comes back (PRG)
    assert done.status_code == 302 and done["Location"] == f"/staff/cases/{report.pk}/"
    assert Case.objects.get(pk=report.pk).status == CaseStatus.ACCEPTED
    assert LedgerEntry.objects.get().amount == 20
    page = client.get(done["Location"])
    assert "已受理。" in page.content.decode() and "+20" in page.content.decode()


def test_accepting_a_fixed_category_shows_its_points_and_asks_nothing(w: World) -> None:
    report = submit("safety_hazard")
    client = client_for(w.community_handler)
    page = client.get(f"/staff/cases/{report.pk}/")
    assert "points" not in page.context["forms"][0]["form"].fields
    assert "50 积分" in page.content.decode()
    assert post(client, report.pk, "accept").status_code == 302
    assert LedgerEntry.objects.get().amount == 50


def test_an_action_the_status_no_longer_allows_says_refresh_and_changes_nothing(w: World) -> None:
    # given a case already accepted (say, by a colleague)
    report = submit("safety_hazard")
    client = client_for(w.community_handler)
    post(client, report.pk, "accept")
    events = Case.objects.get(pk=report.pk).events.count()

    # when the page's stale accept form is sent again
    response = post(client, report.pk, "accept")

    # then he is told the case changed, and nothing changes
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "该案件状态已变化" in page.content.decode()
    assert Case.objects.get(pk=report.pk).events.count() == events
    assert LedgerEntry.objects.count() == 1


def test_rejecting_needs_a_reason(w: World) -> None:
    report = submit()
    client = client_for(w.community_handler)
    response = post(client, report.pk, "reject", note="  ")
    assert response.status_code == 400
    assert Case.objects.get(pk=report.pk).status == CaseStatus.SUBMITTED
    assert post(client, report.pk, "reject", note="不属于本社区").status_code == 302
    assert Case.objects.get(pk=report.pk).status == CaseStatus.REJECTED


def test_resolving_with_a_photo_tells_the_worker_what_was_done(w: World) -> None:
    # given an accepted case
    report = submit("safety_hazard")
    client = client_for(w.community_handler)
    post(client, report.pk, "accept")

    # when the handler resolves it with a note and a photo
    response = client.post(
        f"/staff/cases/{report.pk}/actions/",
        {"action": "resolve", "resolve-note": "已加装护栏", "resolve-photos": [jpeg("green")]},
    )

    # then it is resolved, the photo is on the timeline
    assert response.status_code == 302
    case = Case.objects.get(pk=report.pk)
    assert case.status == CaseStatus.RESOLVED
    attachment = CaseAttachment.objects.get(event__case=case)
    assert attachment.file.name.endswith(".jpg")
    page = client.get(f"/staff/cases/{report.pk}/")
    assert "已加装护栏" in page.content.decode() and attachment.url in page.content.decode()


def test_a_resolution_with_a_file_that_is_not_a_photo_is_refused_whole(w: World) -> None:
    report = submit("safety_hazard")
    client = client_for(w.community_handler)
    post(client, report.pk, "accept")
    bogus = io.BytesIO(b"not an image at all")
    bogus.name = "evil.jpg"
    response = client.post(
        f"/staff/cases/{report.pk}/actions/",
        {"action": "resolve", "resolve-note": "好了", "resolve-photos": [bogus]},
    )
    assert response.status_code == 400
    assert response.context["forms"][-1]["form"].errors or any(f["form"].errors for f in response.context["forms"])
    assert Case.objects.get(pk=report.pk).status == CaseStatus.ACCEPTED
    assert not CaseAttachment.objects.exists()


def test_a_resolution_over_the_pixel_budget_of_one_request_is_refused_whole(w: World, settings: Any) -> None:
    # given an accepted case, and a budget that one photo fits but two do not
    settings.UPLOAD_MAX_PIXELS_PER_REQUEST = 4000  # a photo here is 64 × 48
    report = submit("safety_hazard")
    client = client_for(w.community_handler)
    post(client, report.pk, "accept")

    # when the handler resolves it with two photos
    response = client.post(
        f"/staff/cases/{report.pk}/actions/",
        {"action": "resolve", "resolve-note": "好了", "resolve-photos": [jpeg("green"), jpeg("blue")]},
    )

    # then nothing is resolved or stored
    assert response.status_code == 400
    assert Case.objects.get(pk=report.pk).status == CaseStatus.ACCEPTED
    assert not CaseAttachment.objects.exists()


def test_forwarding_to_the_traffic_police_needs_a_reason(w: World) -> None:
    report = submit("garbage")
    client = client_for(w.community_handler)
    page = client.get(f"/staff/cases/{report.pk}/")
    forward = next(f for f in page.context["forms"] if f["action"] == "forward")
    offered = [value for value, _label in forward["form"].fields["to_org"].widget.choices if value]
    assert w.traffic_police.pk in offered and w.street_org.pk in offered
    assert w.community_org.pk not in offered

    assert post(client, report.pk, "forward", to_org=str(w.traffic_police.pk), note="").status_code == 400
    assert post(client, report.pk, "forward", to_org="999999", note="交警负责").status_code == 400
    assert Case.objects.get(pk=report.pk).organisation_id == w.community_org.pk

    response = post(client, report.pk, "forward", to_org=str(w.traffic_police.pk), note="属于交通设施")
    assert response.status_code == 302
    assert Case.objects.get(pk=report.pk).organisation_id == w.traffic_police.pk


def test_the_forward_search_finds_organisations_by_name(w: World) -> None:
    report = submit("garbage")
    page = client_for(w.community_handler).get(f"/staff/cases/{report.pk}/", {"org_q": "户部巷"})
    forward = next(f for f in page.context["forms"] if f["action"] == "forward")
    labels = [label for value, label in forward["form"].fields["to_org"].widget.choices if value]
    assert labels == ["户部巷社区党委"]


def test_merging_and_assigning(w: World) -> None:
    first = submit()
    second = submit()
    colleague = staff(w.community_org, user__name="张经办")
    client = client_for(w.community_handler)

    assert post(client, second.pk, "assign", handler=str(worker().pk)).status_code == 400
    assert post(client, second.pk, "assign", handler=str(colleague.pk)).status_code == 302
    assert Case.objects.get(pk=second.pk).handler == colleague

    assert post(client, second.pk, "merge", duplicate_of=str(second.pk)).status_code == 400
    assert post(client, second.pk, "merge", duplicate_of=str(first.pk), note="同一处").status_code == 302
    merged = Case.objects.get(pk=second.pk)
    assert merged.status == CaseStatus.MERGED and merged.duplicate_of_id == first.pk


def test_someone_who_only_looks_on_may_not_act(w: World) -> None:
    # given a case and a city admin, who sees it but does not hold it
    report = submit("safety_hazard")
    client = client_for(w.city_admin)
    page = client.get(f"/staff/cases/{report.pk}/")
    assert page.context["forms"] == []

    # when she posts an acceptance anyway
    response = post(client, report.pk, "accept")

    # then she is refused and nothing changes
    assert response.status_code == 302
    assert "只有承办单位的工作人员" in client.get(response["Location"]).content.decode()
    assert Case.objects.get(pk=report.pk).status == CaseStatus.SUBMITTED


def test_another_organisations_handler_gets_404_when_acting(w: World) -> None:
    report = submit()
    response = post(client_for(w.other_handler), report.pk, "reject", note="x")
    assert response.status_code == 404
    assert Case.objects.get(pk=report.pk).status == CaseStatus.SUBMITTED


def test_an_unknown_action_is_refused_politely(w: World) -> None:
    report = submit()
    client = client_for(w.community_handler)
    response = client.post(f"/staff/cases/{report.pk}/actions/", {"action": "explode"})
    assert response.status_code == 302
    assert client.get(f"/staff/cases/{report.pk}/actions/").status_code == 405


def test_the_deadline_shows_overdue(w: World) -> None:
    report = submit()
    Case.objects.filter(pk=report.pk).update(accept_due_at=timezone.now() - timedelta(hours=3), overdue=True)
    response = client_for(w.community_handler).get(f"/staff/cases/{report.pk}/")
    assert any(d["late"] for d in response.context["deadlines"])
    assert "已超期" in response.content.decode()
