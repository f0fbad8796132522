"""services.case_act: the one way staff act on a case, shared by the API and the console's page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from littlebee.cases import services
from littlebee.cases.models import Case, CaseStatus
from littlebee.core.errors import InvalidInput

from .factories import World, open_case, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> World:
    return world()


def test_an_action_staff_may_not_ask_for_is_refused_and_changes_nothing(w: World) -> None:
    # given an open case
    case = open_case(w)
    # when its handler asks for the system's escalation, or the reporter's confirmation, by name
    for action in ("escalate", "confirm", "follow", "explode"):
        with pytest.raises(InvalidInput) as refused:
            services.case_act(case_id=case.pk, actor=w.community_handler, action=action)
        # then each is refused on "action", and the case is as it was
        assert refused.value.errors[0].field == "action"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.SUBMITTED


@pytest.mark.parametrize(
    ("action", "field"),
    [("forward", "to_org"), ("merge", "duplicate_of"), ("assign", "handler"), ("set_deadline", "due_at")],
)
def test_an_action_without_its_argument_is_refused_on_that_field(w: World, action: str, field: str) -> None:
    case = open_case(w)
    with pytest.raises(InvalidInput) as refused:
        services.case_act(case_id=case.pk, actor=w.community_handler, action=action, note="理由")
    assert refused.value.errors[0].field == field
    assert Case.objects.get(pk=case.pk).organisation_id == w.community_org.pk


def test_the_api_and_the_page_act_through_case_act(w: World, api_as: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a spy in front of case_act
    calls: list[dict[str, Any]] = []
    real = services.case_act

    def spy(**kwargs: Any) -> Case:
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "case_act", spy)
    first, second = open_case(w), open_case(w)

    # when the handler accepts one case through the API and the other on its page
    assert api_as(w.community_handler).post(f"/cases/{first.pk}/actions", {"action": "accept"}).status_code == 200
    page = Client()
    page.force_login(w.community_handler)
    assert page.post(f"/staff/cases/{second.pk}/actions/", {"action": "accept"}).status_code == 302

    # then both went through case_act, and both cases are accepted
    assert [(c["case_id"], c["action"]) for c in calls] == [(first.pk, "accept"), (second.pk, "accept")]
    assert set(Case.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {"accepted"}


def test_the_api_and_the_page_refuse_an_onlooker_alike(w: World, api_as: Any) -> None:
    # given a case a city admin sees but does not hold
    case = open_case(w)
    # when she accepts it through the API and on the page
    api = api_as(w.city_admin).post(f"/cases/{case.pk}/actions", {"action": "accept"})
    page = Client()
    page.force_login(w.city_admin)
    response = page.post(f"/staff/cases/{case.pk}/actions/", {"action": "accept"})
    # then the API answers 403 and the page says the same sentence; nothing changed
    assert (api.status_code, api.json()["code"]) == (403, "permission_denied")
    assert api.json()["detail"] in page.get(response["Location"]).content.decode()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.SUBMITTED
