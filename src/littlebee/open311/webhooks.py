"""Status back to partners: every status change of a report a partner posted is sent to the
partner's webhook as JSON, signed, tried again with a growing wait, and logged.

The request carries
  X-Open311-Timestamp: the Unix time of the attempt
  X-Open311-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the partner's secret>
so a receiver checks it with its copy of the secret and refuses old timestamps.

A change is noticed from the case's timeline: the case engine names no app above it (DESIGN.md
layers), so this app registers webhook_event_record as an event listener (cases.hooks), which
the engine calls with every timeline row it writes, in the step's transaction. The delivery is queued
after the commit; a Celery worker sends it (in process without Redis, core.background), and the
periodic sweep (open311.deliver_due_webhooks) sends whatever is due again.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.request
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from littlebee.cases.models import OPEN_STATUSES, CaseAction, CaseEvent, CaseKind
from littlebee.core.background import background_run
from littlebee.core.errors import FieldError, InvalidInput, NotFound

from .formats import spec_datetime
from .models import DeliveryStatus, Partner, PostedRequest, WebhookDelivery
from .services import public_http_url

if TYPE_CHECKING:
    from littlebee.accounts.models import User

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# The wait after the nth failed attempt: 30 s, 1 min, 2 min, … about an hour at the end.
FIRST_WAIT_SECONDS = 30
TIMEOUT_SECONDS = 10


def webhook_set(*, partner_id: int, url: str, actor: User) -> tuple[Partner, str]:
    """Set (or, with an empty url, remove) a partner's webhook. A new secret is made each time
    the URL is set and returned to be shown once. InvalidInput for a URL that is not http(s) to
    a public host."""
    partner = Partner.objects.filter(pk=partner_id).first()
    if partner is None:
        raise NotFound()
    url = (url or "").strip()
    errors: list[FieldError] = []
    checked = public_http_url(url, errors)
    if errors:
        raise InvalidInput([FieldError("webhook_url", e.detail) for e in errors])
    partner.webhook_url = checked
    partner.webhook_secret = secrets.token_hex(32) if checked else ""
    partner.save(update_fields=["webhook_url", "webhook_secret"])
    return partner, partner.webhook_secret


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _payload(event: CaseEvent, posted: PostedRequest) -> dict[str, Any]:
    status = "open" if event.to_status in OPEN_STATUSES else "closed"
    with translation.override(settings.LANGUAGE_CODE):
        notes = event.shown_note if event.action in (CaseAction.RESOLVE, CaseAction.REJECT) else ""
    return {
        "service_request_id": str(posted.report_id),
        "token": posted.token,
        "status": status,
        "detailed_status": event.to_status,
        "status_notes": notes,
        "updated_datetime": spec_datetime(event.at),
    }


def webhook_event_record(event: CaseEvent) -> WebhookDelivery | None:
    """A delivery for a status change of a report a partner with a webhook posted; None for
    any other event. Queued after the commit."""
    if not event.to_status or event.to_status == event.from_status or event.action == CaseAction.OPEN:
        return None  # a case just opened has no PostedRequest yet: no query on a submission
    case = event._state.fields_cache.get("case")
    if case is not None and case.kind != CaseKind.REPORT:
        return None
    posted = (
        PostedRequest.objects.filter(report_id=event.case_id, partner__webhook_url__gt="")
        .select_related("partner")
        .only("report_id", "token", "partner__webhook_url")
        .first()
    )
    if posted is None:
        return None
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        partner_id=posted.partner_id,
        report_id=posted.report_id,
        url=posted.partner.webhook_url,
        payload=_payload(event, posted),
        created_at=now,
        next_attempt_at=now,
    )
    transaction.on_commit(partial(_queue, delivery.pk, 0))
    return delivery


def _queue(delivery_id: int, countdown: int) -> None:
    """Hand the delivery to a worker; never raises (the sweep sends it when this fails)."""
    from .tasks import open311_deliver_webhook

    if settings.CELERY_TASK_ALWAYS_EAGER:
        if countdown == 0:
            background_run(("open311.webhook", delivery_id), _deliver_in_background, delivery_id)
        return  # a later attempt is the sweep's
    try:
        open311_deliver_webhook.apply_async((delivery_id,), countdown=countdown, retry=False)
    except Exception:
        log.warning("webhook delivery %s could not be queued; the sweep will send it", delivery_id, exc_info=True)


def _deliver_in_background(delivery_id: int) -> None:
    webhook_deliver(delivery_id=delivery_id)


def _public_host(url: str) -> bool:
    """Whether every address the URL's host resolves to is public: a name that points inside
    the network (or is made to, later) is never called."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_global for info in infos)


def _send(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST the body; the HTTP status, or 0 when nothing answered."""
    if not _public_host(url):
        raise OSError("the webhook's host is not a public address")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) checked
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def wait_after(attempts: int) -> timedelta:
    return timedelta(seconds=FIRST_WAIT_SECONDS * 2 ** max(0, attempts - 1))


def webhook_deliver(*, delivery_id: int) -> WebhookDelivery | None:
    """One attempt: claimed by a conditional update (two workers never send one delivery at
    once), signed with the partner's current secret, the answer recorded. A 2xx delivers it;
    anything else waits (wait_after) for the next attempt, up to MAX_ATTEMPTS."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + timedelta(seconds=TIMEOUT_SECONDS * 3), attempts=F("attempts") + 1)
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).select_related("partner").first()
    if not claimed or delivery is None:
        return delivery
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "LittleBee-Open311-Webhook/1",
        "X-Open311-Delivery": str(delivery.pk),
        "X-Open311-Timestamp": timestamp,
        "X-Open311-Signature": signature(delivery.partner.webhook_secret, timestamp, body),
    }
    error = ""
    try:
        code = _send(delivery.url, body, headers)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        code, error = 0, (str(exc) or type(exc).__name__)[:200]
    delivery.response_status = code or None
    delivery.last_error = error or ("" if 200 <= code < 300 else f"HTTP {code}")
    if 200 <= code < 300:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = timezone.now()
        delivery.next_attempt_at = None
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = timezone.now() + wait_after(delivery.attempts)
    delivery.save(update_fields=["status", "response_status", "last_error", "delivered_at", "next_attempt_at"])
    if delivery.status == DeliveryStatus.PENDING:
        _queue(delivery.pk, int(wait_after(delivery.attempts).total_seconds()))
    return delivery


def webhooks_deliver_due(limit: int = 200) -> int:
    """Periodic: every pending delivery whose time has come, one attempt each. Returns how many."""
    due = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        webhook_deliver(delivery_id=pk)
    return len(due)


def deliveries_log(limit: int = 50) -> list[WebhookDelivery]:
    """The latest deliveries with their partner, for the city admin's page."""
    return list(WebhookDelivery.objects.select_related("partner").order_by("-created_at", "-id")[:limit])
