"""Status back to partners: each status change of a report a partner posted goes to its
webhook, signed with its secret, tried again with a growing wait, logged for the city admin."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from littlebee.accounts.tests.factories import staff
from littlebee.cases import services as case_services
from littlebee.cases.tests.factories import World
from littlebee.conftest import client_for
from littlebee.core.errors import InvalidInput
from littlebee.open311 import services, webhooks
from littlebee.open311.models import DeliveryStatus, WebhookDelivery
from littlebee.orgs.tests.factories import EnterpriseFactory

from .conftest import Keyed, filed, post_request

pytestmark = pytest.mark.django_db

GOOD = {"service_code": "garbage", "lat": "30.55", "long": "114.30"}


class Receiver:
    """Stands in for the partner's server: records what was sent, answers `status`."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bytes, dict[str, str]]] = []
        self.status: int | Exception = 200

    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        self.calls.append((url, body, headers))
        if isinstance(self.status, Exception):
            raise self.status
        return self.status


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Receiver:
    got = Receiver()
    monkeypatch.setattr(webhooks, "_send", got)
    # Attempts are made by the sweep in these tests, where they can be seen.
    monkeypatch.setattr(webhooks, "_queue", lambda delivery_id, countdown: None)
    return got


@pytest.fixture
def secret(keyed: Keyed) -> str:
    _partner, made = webhooks.webhook_set(
        partner_id=keyed.partner.pk, url="https://hooks.sf-express.example/open311", actor=keyed.partner.user
    )
    return made


def _post(web: Client, keyed: Keyed) -> int:
    response = post_request(web, GOOD, key=keyed.raw)
    assert response.status_code == 201, response.content
    return int(response.json()[0]["service_request_id"])


def test_status_changes_are_followed_through_the_engines_listener_not_a_model_signal() -> None:
    # The engine calls open311's listener itself (cases.hooks); nothing hangs off post_save.
    from django.db.models.signals import post_save

    from littlebee.cases.hooks import event_listeners
    from littlebee.cases.models import CaseEvent

    assert webhooks.webhook_event_record in event_listeners()
    receivers = [r for r in post_save._live_receivers(CaseEvent)[0] if "open311" in getattr(r, "__module__", "")]
    assert receivers == []


def test_acceptance_reaches_the_partner_signed_with_its_secret(
    w: World, web: Client, keyed: Keyed, secret: str, receiver: Receiver
) -> None:
    # given a report the partner posted
    request_id = _post(web, keyed)

    # when the community accepts it and the deliveries go out
    case_services.case_accept(case_id=request_id, actor=w.community_handler, points=10)
    sent = webhooks.webhooks_deliver_due()

    # then
    assert sent == 1
    ((url, body, headers),) = receiver.calls
    assert url == "https://hooks.sf-express.example/open311"
    expected = hmac.new(secret.encode(), headers["X-Open311-Timestamp"].encode() + b"." + body, hashlib.sha256)
    assert headers["X-Open311-Signature"] == "sha256=" + expected.hexdigest()
    payload = json.loads(body)
    assert payload["service_request_id"] == str(request_id)
    assert payload["status"] == "open"
    assert payload["detailed_status"] == "accepted"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1


def test_every_status_change_is_sent_and_the_answer_carries_the_public_note(
    w: World, web: Client, keyed: Keyed, secret: str, receiver: Receiver
) -> None:
    # given
    request_id = _post(web, keyed)

    # when
    case_services.case_accept(case_id=request_id, actor=w.community_handler, points=10)
    case_services.case_resolve(case_id=request_id, actor=w.community_handler, note="已清运。")
    webhooks.webhooks_deliver_due()

    # then
    payloads = [json.loads(body) for _url, body, _headers in receiver.calls]
    assert [(p["detailed_status"], p["status"]) for p in payloads] == [("accepted", "open"), ("resolved", "closed")]
    assert payloads[1]["status_notes"] == "已清运。"


def test_a_failure_is_tried_again_with_a_growing_wait_then_given_up(
    w: World, web: Client, keyed: Keyed, secret: str, receiver: Receiver
) -> None:
    # given a partner whose server fails
    request_id = _post(web, keyed)
    case_services.case_accept(case_id=request_id, actor=w.community_handler, points=10)
    receiver.status = 503

    # when the first attempt fails
    webhooks.webhooks_deliver_due()
    delivery = WebhookDelivery.objects.get()

    # then it waits before the next, and a sweep before then sends nothing
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.response_status == 503
    assert delivery.next_attempt_at is not None
    wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=20) < wait <= timedelta(seconds=30)
    assert webhooks.webhooks_deliver_due() == 0

    # when every later attempt fails too, each after its wait
    waits = []
    receiver.status = OSError("connection refused")
    for _ in range(webhooks.MAX_ATTEMPTS - 1):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        webhooks.webhooks_deliver_due()
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            waits.append(round((delivery.next_attempt_at - timezone.now()).total_seconds()))

    # then the waits grow, and it is given up after the last attempt
    assert waits == sorted(waits) and waits[-1] > waits[0] * 30
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == webhooks.MAX_ATTEMPTS
    assert delivery.last_error == "connection refused"
    assert len(receiver.calls) == webhooks.MAX_ATTEMPTS


def test_only_reports_the_partner_posted_are_sent_to_it(
    w: World, web: Client, keyed: Keyed, secret: str, receiver: Receiver
) -> None:
    # given a worker's report from the app, and one another partner posted
    by_worker = filed(w)
    meituan: Any = EnterpriseFactory(name="美团外卖")
    other = services.partner_create(name="美团", organisation=meituan, actor=None)
    _key, other_raw = services.api_key_issue(partner=other, actor=None)
    response = post_request(web, GOOD, key=other_raw)
    by_other = int(response.json()[0]["service_request_id"])

    # when both are accepted
    for case_id in (by_worker.pk, by_other):
        case_services.case_accept(case_id=case_id, actor=w.community_handler, points=10)
    webhooks.webhooks_deliver_due()

    # then nothing is sent (the other partner has no webhook)
    assert receiver.calls == []
    assert WebhookDelivery.objects.count() == 0


@pytest.mark.parametrize(
    "url", ["ftp://example.com/h", "http://127.0.0.1/h", "http://10.0.0.8/h", "http://localhost:8000/h"]
)
def test_a_webhook_must_be_http_to_a_public_host(w: World, keyed: Keyed, url: str) -> None:
    # when / then
    with pytest.raises(InvalidInput):
        webhooks.webhook_set(partner_id=keyed.partner.pk, url=url, actor=w.city_admin)
    keyed.partner.refresh_from_db()
    assert keyed.partner.webhook_url == ""


def test_a_name_that_resolves_inside_the_network_is_never_called(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a public-looking name that resolves to a private address
    monkeypatch.setattr(webhooks.socket, "getaddrinfo", lambda host, port: [(2, 1, 6, "", ("10.0.0.5", 0))])

    # when / then
    with pytest.raises(OSError, match="not a public address"):
        webhooks._send("https://hooks.example.com/h", b"{}", {})


def test_the_city_admin_sets_a_webhook_and_reads_the_log_others_cannot(
    w: World, web: Client, keyed: Keyed, receiver: Receiver
) -> None:
    # given
    admin = client_for(w.city_admin)

    # when the city admin sets the webhook
    response = admin.post(
        "/staff/partners/", {"action": "webhook", "h-partner": keyed.partner.pk, "h-url": "https://hooks.example.com/x"}
    )

    # then the secret is shown once
    assert response.status_code == 200
    keyed.partner.refresh_from_db()
    assert response.context["webhook_secret"] == keyed.partner.webhook_secret
    assert keyed.partner.webhook_secret not in admin.get("/staff/partners/").content.decode()

    # when a delivery is made
    request_id = _post(web, keyed)
    case_services.case_accept(case_id=request_id, actor=w.community_handler, points=10)
    webhooks.webhooks_deliver_due()

    # then the log shows it to the city admin, and nobody else reads the page
    page = admin.get("/staff/partners/").content.decode()
    assert 'data-delivery="' in page
    assert client_for(staff(keyed.partner.organisation)).get("/staff/partners/").status_code == 403
    refused = admin.post(
        "/staff/partners/", {"action": "webhook", "h-partner": keyed.partner.pk, "h-url": "http://192.168.1.2/"}
    )
    assert refused.status_code == 400
    keyed.partner.refresh_from_db()
    assert keyed.partner.webhook_url == "https://hooks.example.com/x"


def test_a_submission_costs_no_statement_for_webhooks(w: World, django_assert_max_num_queries: Any) -> None:
    # given
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # when a worker files a report (the case's opening event is saved)
    with CaptureQueriesContext(connection) as captured:
        filed(w)

    # then no statement reads the partners' requests
    assert not [q for q in captured.captured_queries if "open311" in q["sql"]]
