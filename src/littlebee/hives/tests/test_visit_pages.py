"""Pages: the station's QR poster, the page a scan lands on, the member code, the keeper's counter."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote, unquote

import pytest
from django.test import Client
from django.urls import reverse

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff, worker
from littlebee.conftest import client_for
from littlebee.hives.models import HiveVisit, VisitMethod
from littlebee.hives.visit_tokens import hive_id_from_token, member_code_for, token_for

from .factories import HiveFactory
from .factories import ServiceFactory as _ServiceFactory

pytestmark = pytest.mark.django_db

ServiceFactory: Any = _ServiceFactory


# --- Poster ---------------------------------------------------------------------------------
def test_the_keeper_sees_a_poster_with_a_fresh_qr_that_refreshes_itself() -> None:
    hive: Any = HiveFactory(name="武昌区机安社区爱心驿站")
    keeper = staff(hive.managing_unit, role=Role.KEEPER)

    response = client_for(keeper).get(reverse("hives:poster", args=[hive.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "武昌区机安社区爱心驿站" in html
    assert "<svg" in html
    assert 'http-equiv="refresh"' in html
    assert "css/hives-visits.css" in html  # the print layout
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    # the token is in the fragment, which browsers never send: no access log can hold it
    page, _sep, fragment = response.context["visit_url"].partition("#t=")
    assert page == f"http://testserver/hives/{hive.pk}/visit/"
    assert hive_id_from_token(unquote(fragment)) == hive.pk


def test_the_poster_is_404_for_anyone_but_the_stations_staff() -> None:
    hive: Any = HiveFactory()
    url = reverse("hives:poster", args=[hive.pk])
    assert client_for(worker()).get(url).status_code == 404
    assert client_for(staff(HiveFactory().managing_unit, role=Role.KEEPER)).get(url).status_code == 404
    assert client_for(staff(hive.managing_unit, role=Role.ADMIN)).get(url).status_code == 200


def test_the_poster_sends_anonymous_visitors_to_login() -> None:
    hive: Any = HiveFactory()
    response = Client().get(reverse("hives:poster", args=[hive.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- The page a scan lands on ---------------------------------------------------------------
def test_the_visit_page_takes_the_token_from_the_fragment_and_posts_it() -> None:
    # when a worker opens what the QR carries (the browser sends the path, not the fragment)
    hive: Any = HiveFactory()
    response = client_for(worker()).get(reverse("hives:visit", args=[hive.pk]))

    # then the page has the form its script fills from the fragment, and nothing is recorded yet
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-visit-landing" in html and 'name="token"' in html and 'method="post"' in html
    assert "js/hives-visit.js" in html
    assert not HiveVisit.objects.exists()


def test_a_token_in_the_query_string_records_nothing() -> None:
    # given an old-style link with the token in the query (it would sit in the access log)
    hive: Any = HiveFactory()
    url = f"{reverse('hives:visit', args=[hive.pk])}?t={quote(token_for(hive))}"

    # when it is opened
    response = client_for(worker()).get(url)

    # then no visit is taken from it
    assert response.status_code == 200
    assert not HiveVisit.objects.exists()


def test_posting_the_token_records_the_visit() -> None:
    hive: Any = HiveFactory(name="西厂口社区驿站")
    courier = worker()
    client = client_for(courier)
    url = reverse("hives:visit", args=[hive.pk])

    response = client.post(url, {"token": token_for(hive)})

    assert response.status_code == 200
    html = response.content.decode()
    assert "签到成功" in html
    assert "本次到访已记录" in html
    assert HiveVisit.objects.get().worker == courier

    again = client.post(url, {"token": token_for(hive)})
    assert "近 4 小时内已记录过" in again.content.decode()
    assert HiveVisit.objects.count() == 1


def test_a_bad_token_on_the_visit_page_shows_the_error() -> None:
    hive: Any = HiveFactory()
    response = client_for(worker()).post(reverse("hives:visit", args=[hive.pk]), {"token": "forged"})
    assert response.status_code == 400
    assert "二维码无效或已过期" in response.content.decode()
    assert not HiveVisit.objects.exists()


def test_an_anonymous_scan_is_sent_to_login_and_back_without_the_token_in_any_url() -> None:
    hive: Any = HiveFactory()
    path = reverse("hives:visit", args=[hive.pk])

    # when someone signed out opens the page: it offers the way to login and back (its script
    # keeps the token for the tab and follows it)
    landing = Client().get(path)
    assert landing.status_code == 200
    assert f'data-login-url="{reverse("accounts:login")}?next={quote(path, safe="")}"' in landing.content.decode()
    assert 'data-signed-in="false"' in landing.content.decode()

    # and a post without a session goes to login too, the token left behind
    response = Client().post(path, {"token": token_for(hive)})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={quote(path, safe='/')}"
    assert not HiveVisit.objects.exists()


def test_the_visit_page_refuses_other_methods() -> None:
    hive: Any = HiveFactory()
    response = client_for(worker()).put(reverse("hives:visit", args=[hive.pk]))
    assert response.status_code == 405


# --- Member code and the keeper's counter ---------------------------------------------------
def test_a_worker_sees_their_member_code() -> None:
    courier = worker()
    response = client_for(courier).get(reverse("hives:member_code"))
    assert response.status_code == 200
    html = response.content.decode()
    assert member_code_for(courier) in html
    assert "<svg" in html


def test_a_keeper_records_a_visit_at_the_counter() -> None:
    hive: Any = HiveFactory()
    keeper = staff(hive.managing_unit, role=Role.KEEPER)
    courier = worker(user__name="王小哥")
    client = client_for(keeper)
    url = reverse("hives:scan", args=[hive.pk])

    assert client.get(url).status_code == 200
    response = client.post(url, {"member_code": member_code_for(courier).lower()}, follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert "已记录王小哥的本次到访" in html
    visit = HiveVisit.objects.get()
    assert (visit.worker, visit.method, visit.recorded_by) == (courier, VisitMethod.MEMBER_CODE, keeper)


def test_a_bad_member_code_is_shown_on_the_form() -> None:
    hive: Any = HiveFactory()
    keeper = staff(hive.managing_unit, role=Role.KEEPER)
    response = client_for(keeper).post(reverse("hives:scan", args=[hive.pk]), {"member_code": "nope"})
    assert response.status_code == 200
    assert "会员码无效" in response.content.decode()


def test_the_counter_is_404_for_others() -> None:
    hive: Any = HiveFactory()
    url = reverse("hives:scan", args=[hive.pk])
    assert client_for(worker()).get(url).status_code == 404
    outsider = staff(HiveFactory().managing_unit, role=Role.KEEPER)
    assert client_for(outsider).post(url, {"member_code": member_code_for(worker())}).status_code == 404
    assert not HiveVisit.objects.exists()


# --- Which service a visit used -------------------------------------------------------------
def test_the_counter_offers_the_stations_services_and_records_the_one_chosen() -> None:
    # given a station offering two services, and one it does not offer
    charging, water = ServiceFactory(code="charging", name="休息充电"), ServiceFactory(code="water", name="饮水就餐")
    ServiceFactory(code="clinic", name="健康诊所")
    hive: Any = HiveFactory(services=[charging, water])
    keeper = staff(hive.managing_unit, role=Role.KEEPER)
    courier = worker(user__name="王小哥")
    client = client_for(keeper)
    url = reverse("hives:scan", args=[hive.pk])

    # when
    page = client.get(url)
    response = client.post(url, {"member_code": member_code_for(courier), "service": "water"})

    # then the select lists "not recorded" and the station's services, styled as the console's
    form = page.context["form"]
    assert form.fields["service"].choices == [("", "不记录"), ("charging", "休息充电"), ("water", "饮水就餐")]
    html = page.content.decode()
    assert 'class="control control--select"' in html and "本次服务" in html
    assert 'class="control"' in html  # the member code input too
    # and the visit has the service; the next visit starts with the same one chosen
    assert response.status_code == 302
    assert response["Location"] == f"{url}?service=water"
    assert HiveVisit.objects.get().service == water
    assert client.get(response["Location"]).context["form"]["service"].value() == "water"


def test_the_counter_records_no_service_by_default_and_refuses_one_not_offered() -> None:
    hive: Any = HiveFactory(services=[ServiceFactory(code="charging", name="休息充电")])
    ServiceFactory(code="clinic", name="健康诊所")
    client = client_for(staff(hive.managing_unit, role=Role.KEEPER))
    url = reverse("hives:scan", args=[hive.pk])

    refused = client.post(url, {"member_code": member_code_for(worker()), "service": "clinic"})
    assert refused.status_code == 200
    assert "service" in refused.context["form"].errors
    assert not HiveVisit.objects.exists()

    plain = client.post(url, {"member_code": member_code_for(worker()), "service": ""})
    assert plain["Location"] == url
    assert HiveVisit.objects.get().service is None


def _scan(client: Client, hive: Any) -> Any:
    return client.post(reverse("hives:visit", args=[hive.pk]), {"token": token_for(hive)})


def test_after_a_scan_the_worker_taps_the_service_used() -> None:
    # given a station with two services, and a worker who has just scanned its code
    charging, water = ServiceFactory(code="charging", name="休息充电"), ServiceFactory(code="water", name="饮水就餐")
    hive: Any = HiveFactory(name="西厂口社区驿站", services=[charging, water])
    courier = worker()
    client = client_for(courier)
    landing = _scan(client, hive)
    visit = HiveVisit.objects.get()

    # then the page offers one chip per service, posting to the visit's service door
    html = landing.content.decode()
    assert "本次使用了哪项服务？" in html
    assert f'action="{reverse("hives:visit_service", args=[visit.pk])}"' in html
    assert 'name="service" value="charging"' in html and 'name="service" value="water"' in html

    # when the worker taps one
    response = client.post(reverse("hives:visit_service", args=[visit.pk]), {"service": "water"})

    # then it is recorded, and their visits say so
    assert response.status_code == 302
    assert response["Location"] == reverse("hives:member_code")
    visit.refresh_from_db()
    assert visit.service == water
    followed = client.get(response["Location"]).content.decode()
    assert "已记录本次在西厂口社区驿站使用的服务：饮水就餐" in followed
    # and scanning again within the cooldown shows the choice, which can still change
    again = _scan(client, hive).content.decode()
    assert 'value="water" class="service-choice__chip" aria-pressed="true"' in again


def test_a_station_without_services_offers_no_chips() -> None:
    hive: Any = HiveFactory()
    assert "本次使用了哪项服务" not in _scan(client_for(worker()), hive).content.decode()


def test_the_service_door_refuses_others_late_taps_and_services_not_offered(settings: Any) -> None:
    # given a visit of one worker
    hive: Any = HiveFactory(services=[ServiceFactory(code="charging", name="休息充电")])
    ServiceFactory(code="clinic", name="健康诊所")
    courier = worker()
    _scan(client_for(courier), hive)
    visit = HiveVisit.objects.get()
    url = reverse("hives:visit_service", args=[visit.pk])

    # when someone else taps, or it is too late, or the service is not offered, or it is a GET
    other = client_for(worker()).post(url, {"service": "charging"})
    keeper = client_for(staff(hive.managing_unit, role=Role.KEEPER)).post(url, {"service": "charging"})
    owner = client_for(courier)
    not_offered = owner.post(url, {"service": "clinic"})
    HiveVisit.objects.filter(pk=visit.pk).update(at=visit.at - timedelta(hours=settings.VISIT_COOLDOWN_HOURS))
    late = owner.post(url, {"service": "charging"})
    get = owner.get(url)
    anonymous = Client().post(url, {"service": "charging"})

    # then
    assert (other.status_code, keeper.status_code, get.status_code) == (404, 404, 405)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("accounts:login"))
    assert not_offered["Location"] == late["Location"] == reverse("hives:member_code")
    shown = owner.get(late["Location"]).content.decode()
    assert "该驿站不提供这项服务" in shown and "小时内选择本次使用的服务" in shown
    visit.refresh_from_db()
    assert visit.service is None
