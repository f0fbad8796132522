"""Staff console pages for events: publishing an event, the organisers' list, cancelling."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import UserFactory, staff, worker
from littlebee.conftest import client_for
from littlebee.core.errors import PermissionDenied
from littlebee.hives.models import Event, EventStatus
from littlebee.hives.selectors import events as event_selectors
from littlebee.hives.services import events as event_services
from littlebee.orgs.tests.factories import CommunityFactory, EnterprisePartyOrgFactory, PartyOrgFactory

from .event_factories import EventFactory
from .factories import HiveFactory

pytestmark = pytest.mark.django_db

NEW = reverse("hives:event_new")
MANAGE = reverse("hives:events_manage")


def local(value: datetime) -> str:
    """What a datetime-local input sends: wall time in the site's time zone, to the minute."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def to_the_minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def form_data(publisher: Any, **overrides: Any) -> dict[str, Any]:
    starts = timezone.now() + timedelta(days=3)
    data = {
        "organiser": publisher.pk,
        "hive": "",
        "title": "小哥集体生日会",
        "description": "蛋糕、长寿面，还有体检。",
        "place": "社区党群服务中心二楼",
        "starts_at": local(starts),
        "ends_at": local(starts + timedelta(hours=2)),
        "capacity": "30",
        "points": "20",
    }
    data.update(overrides)
    return data


@pytest.fixture
def community_org() -> Any:
    return PartyOrgFactory()


@pytest.fixture
def handler(community_org: Any) -> Any:
    return staff(community_org, role=Role.HANDLER, user__name="社区经办人")


@pytest.fixture
def station(community_org: Any) -> Any:
    """A station in the handler's community, run by another unit (a 暖新联盟 member, say)."""
    return HiveFactory(name="机安社区爱心驿站", community=community_org.region, managing_unit=PartyOrgFactory())


# --- Publishing -------------------------------------------------------------------------------
def test_a_community_handler_publishes_an_event_at_a_station_of_the_community(
    community_org: Any, handler: Any, station: Any
) -> None:
    # given the community's handler on the publishing page
    client = client_for(handler)
    page = client.get(NEW)
    starts = to_the_minute(timezone.now() + timedelta(days=3))

    # when they publish an event hosted at the community's station
    response = client.post(
        NEW,
        form_data(
            community_org,
            hive=station.pk,
            starts_at=local(starts),
            ends_at=local(starts + timedelta(hours=2)),
        ),
    )

    # then the form offered their one organisation, preselected, and the station;
    assert page.status_code == 200
    assert page.context["form"]["organiser"].value() == community_org.pk
    assert station.name in page.content.decode()
    # the event exists as typed, in the site's time zone, with its door code
    event = Event.objects.get()
    assert (event.organiser, event.hive, event.created_by) == (community_org, station, handler)
    assert (event.title, event.place, event.capacity, event.points) == (
        "小哥集体生日会",
        "社区党群服务中心二楼",
        30,
        20,
    )
    assert event.starts_at == starts and event.ends_at == starts + timedelta(hours=2)
    # the organiser lands on the attendance list, told it is published
    assert response.status_code == 302
    assert response["Location"] == reverse("hives:attendance", args=[event.pk])
    followed = client.get(response["Location"]).content.decode()
    assert "已发布" in followed and event.checkin_code in followed
    # and workers see it on the events list and on the station's page
    assert "小哥集体生日会" in Client().get(reverse("hives:events")).content.decode()
    assert "小哥集体生日会" in Client().get(reverse("hives:station", args=[station.pk])).content.decode()


def test_a_keeper_publishes_for_the_station_coming_from_it() -> None:
    # given a station's keeper following a link from the station (?hive=)
    hive: Any = HiveFactory(name="江汉路驿站")
    keeper = staff(hive.managing_unit, role=Role.KEEPER)
    client = client_for(keeper)

    # when they open the form for the station, then publish
    form = client.get(NEW, {"hive": hive.pk}).context["form"]
    response = client.post(NEW, form_data(hive.managing_unit, hive=hive.pk))

    # then the station, its managing unit and its name as the place were filled in for them
    assert form["hive"].value() == hive.pk
    assert form["organiser"].value() == hive.managing_unit_id
    assert form["place"].value() == "江汉路驿站"
    assert response.status_code == 302
    assert Event.objects.get().hive == hive


def test_a_keeper_must_choose_their_station(community_org: Any) -> None:
    hive: Any = HiveFactory()
    keeper = staff(hive.managing_unit, role=Role.KEEPER)

    response = client_for(keeper).post(NEW, form_data(hive.managing_unit))

    assert response.status_code == 200
    assert "请选择本单位的驿站" in response.context["form"].errors["hive"][0]
    assert not Event.objects.exists()


def _elsewhere_station(_org: Any) -> dict[str, Any]:
    hive: Any = HiveFactory()
    return {"hive": hive.pk}


def _someone_elses_organiser(_org: Any) -> dict[str, Any]:
    org: Any = PartyOrgFactory()
    return {"organiser": org.pk}


BAD_INPUT = [
    (
        "end_before_start",
        lambda org: {"ends_at": local(timezone.now() + timedelta(days=2))},
        "ends_at",
        "结束时间必须晚于开始时间",
    ),
    ("capacity_zero", lambda org: {"capacity": "0"}, "capacity", "名额须在 1 到 10000 之间"),
    ("missing_title", lambda org: {"title": "  "}, "title", "请填写活动标题"),
    (
        "start_in_the_past",
        lambda org: {
            "starts_at": local(timezone.now() - timedelta(hours=3)),
            "ends_at": local(timezone.now() + timedelta(hours=1)),
        },
        "starts_at",
        "开始时间必须晚于现在",
    ),
    ("station_not_theirs", _elsewhere_station, "hive", "你不能在这个驿站发布活动"),
    ("organiser_not_theirs", _someone_elses_organiser, "organiser", "你不能以这个组织的名义发布活动"),
    ("not_a_time", lambda org: {"starts_at": "明天下午"}, "starts_at", "请填写有效的日期和时间"),
    ("capacity_not_a_number", lambda org: {"capacity": "三十"}, "capacity", "请填写整数"),
]


@pytest.mark.parametrize(("case", "overrides", "field", "message"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_is_shown_beside_its_field_and_creates_nothing(
    community_org: Any, handler: Any, case: str, overrides: Any, field: str, message: str
) -> None:
    # given the community's handler
    client = client_for(handler)

    # when they send a form with one thing wrong (a crafted POST for the pick-lists)
    response = client.post(NEW, form_data(community_org, **overrides(community_org)))

    # then the form comes back with the message beside that field, the rest kept, and no event
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    html = response.content.decode()
    assert f'id="id_{field}_errors"' in html and message in html
    assert "蛋糕、长寿面，还有体检。" in html
    assert not Event.objects.exists()


def test_a_party_org_handler_may_not_host_at_a_station_outside_their_region_even_through_the_service(
    community_org: Any, handler: Any
) -> None:
    # given a station in another community
    elsewhere: Any = HiveFactory()
    starts = timezone.now() + timedelta(days=3)

    # when / then: the pick-list leaves it out and the service refuses it
    assert elsewhere not in event_selectors.hives_hostable_by(handler)
    with pytest.raises(PermissionDenied):
        event_services.event_create(
            actor=handler,
            organiser=community_org,
            hive=elsewhere,
            title="读书会",
            place="驿站",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            capacity=10,
        )
    assert not Event.objects.exists()


def test_a_street_admin_may_host_at_any_station_of_the_street() -> None:
    # given a street's party organisation and a station in one of its communities
    street_org: Any = PartyOrgFactory(region=CommunityFactory().parent)
    inside: Any = HiveFactory(community=CommunityFactory(parent=street_org.region))
    outside: Any = HiveFactory()
    admin = staff(street_org, role=Role.ADMIN)

    # when / then
    hostable = list(event_selectors.hives_hostable_by(admin, organiser_id=street_org.pk))
    assert inside in hostable and outside not in hostable
    assert event_selectors.can_publish_for(admin, organiser_id=street_org.pk, hive_id=inside.pk)
    assert not event_selectors.can_publish_for(admin, organiser_id=street_org.pk, hive_id=outside.pk)


@pytest.mark.parametrize("who", ["worker", "enterprise_staff", "keeper_without_station", "anonymous"])
def test_people_without_a_publishing_right_are_refused(community_org: Any, who: str) -> None:
    # given someone who may not publish for anyone
    if who == "anonymous":
        client = Client()
    elif who == "worker":
        client = client_for(worker())
    elif who == "enterprise_staff":
        client = client_for(staff(EnterprisePartyOrgFactory(), role=Role.ADMIN))
    else:
        client = client_for(staff(PartyOrgFactory(), role=Role.KEEPER))

    # when they open the page or post to it
    page = client.get(NEW)
    post = client.post(NEW, form_data(community_org))

    # then they are refused (anonymous visitors are sent to log in) and nothing is created
    if who == "anonymous":
        assert page.status_code == post.status_code == 302
        assert page["Location"].startswith(reverse("accounts:login"))
    else:
        assert page.status_code == post.status_code == 403
        if who != "worker":
            assert "只有社区、街道、区党组织或驿站的工作人员可以发布活动" in page.content.decode()
    assert not Event.objects.exists()


def test_a_city_admin_may_publish_for_any_community() -> None:
    # given a superuser and two communities' party organisations
    root = UserFactory(is_superuser=True)
    org_a: Any = PartyOrgFactory()
    org_b: Any = PartyOrgFactory()

    # when they publish for the second
    client = client_for(root)
    page = client.get(NEW).content.decode()
    response = client.post(NEW, form_data(org_b))

    # then both were offered, and the event is the second's
    assert org_a.name in page and org_b.name in page
    assert response.status_code == 302
    assert Event.objects.get().organiser == org_b


# --- The organisers' list ----------------------------------------------------------------------
def test_the_list_shows_only_the_events_the_person_manages(community_org: Any, handler: Any) -> None:
    # given an event of the community, one at a station another unit runs in the community, and
    # one elsewhere
    own: Any = EventFactory(organiser=community_org, title="本社区活动")
    station: Any = HiveFactory()
    keeper = staff(station.managing_unit, role=Role.KEEPER)
    at_station: Any = EventFactory(hive=station, title="驿站读书会")
    EventFactory(title="别处的活动")

    # when the handler and the keeper open the list
    handler_page = client_for(handler).get(MANAGE).content.decode()
    keeper_page = client_for(keeper).get(MANAGE).content.decode()

    # then each sees their own, with the numbers and the links to the door list and the public page
    assert "本社区活动" in handler_page and "驿站读书会" not in handler_page and "别处的活动" not in handler_page
    assert "驿站读书会" in keeper_page and "本社区活动" not in keeper_page
    assert reverse("hives:attendance", args=[own.pk]) in handler_page
    assert reverse("hives:event", args=[own.pk]) in handler_page
    assert reverse("hives:event_cancel", args=[own.pk]) in handler_page
    assert "0</strong>/10" in handler_page
    assert station.name in keeper_page
    assert reverse("hives:attendance", args=[at_station.pk]) in keeper_page


def test_the_tabs_split_upcoming_past_and_cancelled(community_org: Any, handler: Any) -> None:
    # given one event of each kind
    now = timezone.now()
    EventFactory(organiser=community_org, title="下周的活动", starts_at=now + timedelta(days=7))
    EventFactory(
        organiser=community_org, title="上周的活动", starts_at=now - timedelta(days=7), ends_at=now - timedelta(days=6)
    )
    EventFactory(organiser=community_org, title="取消的活动", status=EventStatus.CANCELLED)
    client = client_for(handler)

    # when the handler opens each tab
    pages = {tab: client.get(MANAGE, {"tab": tab}) for tab in ("upcoming", "past", "cancelled")}

    # then each has its own event, counted on every tab, and only upcoming ones offer a cancel
    titles = {"upcoming": "下周的活动", "past": "上周的活动", "cancelled": "取消的活动"}
    for tab, response in pages.items():
        html = response.content.decode()
        assert [t for t in titles.values() if t in html] == [titles[tab]]
        assert [t["count"] for t in response.context["tabs"]] == [1, 1, 1]
        assert ("取消活动" in html) == (tab == "upcoming")
    assert client.get(MANAGE, {"tab": "nonsense"}).context["tab"] == "upcoming"


def test_an_empty_list_invites_a_publisher_to_publish(handler: Any) -> None:
    html = client_for(handler).get(MANAGE).content.decode()
    assert "还没有待举办的活动" in html
    assert f'href="{NEW}"' in html


def test_an_empty_list_does_not_invite_someone_who_cannot_publish() -> None:
    html = client_for(staff(EnterprisePartyOrgFactory(), role=Role.ADMIN)).get(MANAGE).content.decode()
    assert "还没有待举办的活动" in html
    assert f'href="{NEW}"' not in html


def test_workers_are_refused_the_list() -> None:
    assert client_for(worker()).get(MANAGE).status_code == 403


# Session, user, memberships (console access), the tab counts, the page's count and rows, the
# publishing right, the console navigation's staff check, and four city-admin checks (one per
# selector and the navigation's), the bell's unread count. Committed: a query per row would show
# at 25 but not at 3.
QUERIES_FOR_THE_LIST = 13


@pytest.mark.parametrize("n", [3, 25])
def test_the_list_costs_the_same_queries_for_3_or_25_events(
    community_org: Any, handler: Any, n: int, django_assert_max_num_queries: Any
) -> None:
    # given n events of the community, some at stations
    hives = [HiveFactory(community=community_org.region, managing_unit=community_org) for _ in range(3)]
    for i in range(n):
        EventFactory(organiser=community_org, hive=hives[i % 3] if i % 2 else None)
    client = client_for(handler)
    client.get(MANAGE)  # warm the session

    # when the handler opens the list
    with django_assert_max_num_queries(QUERIES_FOR_THE_LIST), CaptureQueriesContext(connection) as queries:
        response = client.get(MANAGE)

    # then a page of at most 20 rows is shown for the same fixed number of queries
    assert len(response.context["page"].object_list) == min(n, 20)
    assert len(queries) == QUERIES_FOR_THE_LIST


# --- Cancelling --------------------------------------------------------------------------------
def test_the_organiser_cancels_an_event_and_its_page_says_so(community_org: Any, handler: Any) -> None:
    # given an upcoming event of the community
    event: Any = EventFactory(organiser=community_org, title="集体生日会")
    client = client_for(handler)

    # when the handler cancels it from the list
    response = client.post(
        reverse("hives:event_cancel", args=[event.pk]), {"next": f"{MANAGE}?tab=upcoming"}, follow=True
    )

    # then it is cancelled, the list says so, and the public page tells workers
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED
    assert response.redirect_chain[-1][0] == f"{MANAGE}?tab=upcoming"
    assert "已取消活动“集体生日会”" in response.content.decode()
    assert "活动已取消" in Client().get(reverse("hives:event", args=[event.pk])).content.decode()
    assert "集体生日会" not in Client().get(reverse("hives:events")).content.decode()


def test_cancelling_twice_is_explained(community_org: Any, handler: Any) -> None:
    event: Any = EventFactory(organiser=community_org, status=EventStatus.CANCELLED)
    response = client_for(handler).post(reverse("hives:event_cancel", args=[event.pk]), follow=True)
    assert "该活动已取消" in response.content.decode()


def test_the_cancel_button_asks_first(community_org: Any, handler: Any) -> None:
    EventFactory(organiser=community_org, title="集体生日会")
    html = client_for(handler).get(MANAGE).content.decode()
    assert 'data-confirm="确定取消活动“集体生日会”吗？' in html


@pytest.mark.parametrize("who", ["worker", "other_community_admin", "other_station_keeper"])
def test_anyone_else_gets_404_when_cancelling(community_org: Any, who: str) -> None:
    # given an event of the community, and someone with no hand in it
    event: Any = EventFactory(
        organiser=community_org, hive=HiveFactory(community=community_org.region, managing_unit=community_org)
    )
    person = {
        "worker": lambda: worker(),
        "other_community_admin": lambda: staff(PartyOrgFactory(), role=Role.ADMIN),
        "other_station_keeper": lambda: staff(HiveFactory().managing_unit, role=Role.KEEPER),
    }[who]()

    # when they post a cancel
    response = client_for(person).post(reverse("hives:event_cancel", args=[event.pk]))

    # then they are told nothing exists and the event goes on
    assert response.status_code == 404
    event.refresh_from_db()
    assert event.status == EventStatus.PUBLISHED


def test_cancelling_only_answers_posts(community_org: Any, handler: Any) -> None:
    event: Any = EventFactory(organiser=community_org)
    assert client_for(handler).get(reverse("hives:event_cancel", args=[event.pk])).status_code == 405


def test_an_outside_next_is_ignored(community_org: Any, handler: Any) -> None:
    event: Any = EventFactory(organiser=community_org)
    response = client_for(handler).post(
        reverse("hives:event_cancel", args=[event.pk]), {"next": "https://evil.example/hives/events/manage/"}
    )
    assert response["Location"] == MANAGE


# --- Links from the other organiser pages -------------------------------------------------------
def test_the_attendance_page_links_to_publishing_and_back_to_the_list(community_org: Any, handler: Any) -> None:
    event: Any = EventFactory(organiser=community_org)
    html = client_for(handler).get(reverse("hives:attendance", args=[event.pk])).content.decode()
    assert f'href="{NEW}"' in html and f'href="{MANAGE}"' in html


def test_the_attendance_page_offers_no_publishing_to_staff_of_a_city_level_organiser() -> None:
    # given an event managed by a handler of the organiser who cannot publish (a city-level org)
    community: Any = CommunityFactory()
    city_org: Any = PartyOrgFactory(region=community.parent.parent.parent)
    event: Any = EventFactory(organiser=city_org)
    html = client_for(staff(city_org)).get(reverse("hives:attendance", args=[event.pk])).content.decode()
    assert f'href="{NEW}"' not in html
