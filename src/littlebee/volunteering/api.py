"""Volunteering (用心做) in API.md, plus the organisers' and district admins' operations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from littlebee.accounts.api_auth import optional_auth
from littlebee.accounts.models import User
from littlebee.accounts.requests import request_user
from littlebee.core.api_schemas import ErrorOut, Ref
from littlebee.core.errors import InvalidInput, NotFound
from littlebee.core.pagination import clamp

from . import selectors, services, tokens
from .models import Certificate, Claim, ClaimStatus, ServiceRecord, Task, Team

router = Router(tags=["volunteering"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
MAX_ID = 2**31 - 1


class VolunteerTaskOut(Schema):
    id: int
    title: str
    kind: str
    category: str
    organiser: Ref
    starts_at: datetime
    ends_at: datetime
    lat: float
    lng: float
    address: str
    radius_m: int
    slots: int
    claimed: int
    waitlisted: int
    waitlist_slots: int
    points: int
    team: Ref | None
    status: str
    # What a claim would get now: open (a place), waitlist (a place on the waiting list), full.
    availability: str
    distance_m: int | None = None
    my_claim: int | None = None
    my_status: str | None = None


class VolunteerTaskList(Schema):
    count: int
    items: list[VolunteerTaskOut]


class ResidentOut(Schema):
    name: str
    phone: str


class RequiredItemOut(Schema):
    id: int
    title: str
    url: str


class VolunteerTaskDetailOut(VolunteerTaskOut):
    description: str
    resident_need: str
    requires_party_member: bool
    # The learning item a claimant must have passed, and whether the caller has (null: none asked).
    required_item: RequiredItemOut | None = None
    required_item_passed: bool | None = None
    # A task repeated every day: its last day; a day's copy names the task it repeats.
    repeats_until: date | None = None
    repeat_of: int | None = None
    # An errand's resident: only for the worker holding the claim, until it is done.
    resident: ResidentOut | None = None


class TasksQuery(Schema):
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    radius_km: float | None = Field(None, gt=0, le=50)
    kind: Literal["volunteer", "errand"] | None = None
    open: bool = True
    limit: int | None = None
    offset: int | None = None


class VolunteerTaskIn(Schema):
    organiser: int | None = Field(None, ge=1, le=MAX_ID)
    title: str = Field(..., max_length=500)
    description: str = Field("", max_length=20_000)
    kind: Literal["volunteer", "errand"]
    category: str = Field("", max_length=32)
    starts_at: datetime
    ends_at: datetime
    lat: float | None = None
    lng: float | None = None
    address: str = Field("", max_length=1_000)
    radius_m: int = 200
    hive: int | None = Field(None, ge=1, le=MAX_ID)
    slots: int
    waitlist_slots: int = 3
    points: int = 0
    team: int | None = Field(None, ge=1, le=MAX_ID)
    requires_party_member: bool = False
    required_item: int | None = Field(None, ge=1, le=MAX_ID)
    repeats_until: date | None = None
    resident_name: str = Field("", max_length=200)
    resident_phone: str = Field("", max_length=200)
    resident_need: str = Field("", max_length=2_000)


class ClaimCreatedOut(Schema):
    id: int
    status: str


class AssignIn(Schema):
    worker: int = Field(..., ge=1, le=MAX_ID)


class WhereIn(Schema):
    token: str | None = Field(None, max_length=500)
    lat: float | None = None
    lng: float | None = None


class CheckStepOut(Schema):
    status: str
    at: datetime


class ReviewIn(Schema):
    decision: Literal["approve", "decline"]
    minutes: int | None = Field(None, ge=0, le=100_000)
    note: str = Field("", max_length=1_000)


class BulkReviewIn(Schema):
    claims: list[int] = Field(..., max_length=500)
    decision: Literal["approve", "decline"]
    note: str = Field("", max_length=1_000)


class BulkReviewOut(Schema):
    done: list[int]
    refused: dict[str, str]


class ClaimOut(Schema):
    id: int
    task: int
    status: str
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    flagged: bool
    presence_minutes: int | None
    minutes: int | None
    review_note: str


class ClaimantOut(ClaimOut):
    name: str
    phone: str
    enterprise: str


class ClaimantList(Schema):
    count: int
    items: list[ClaimantOut]


class MyClaimOut(ClaimOut):
    task_detail: VolunteerTaskOut


class MyClaimList(Schema):
    count: int
    items: list[MyClaimOut]


class ServiceRecordOut(Schema):
    id: int
    task: str
    organiser: str
    date: date
    minutes: int
    points: int
    status: str


class MyVolunteeringOut(Schema):
    hours_total: float
    star: int
    # The star level's title (一星志愿者 at 100 hours… 五星志愿者 at 1,500), null under 100 hours.
    title: str | None
    records: list[ServiceRecordOut]
    paused_until: datetime | None


class VolunteerSettingsIO(Schema):
    # A text message, besides the inbox, when a waiting-list place becomes the worker's.
    sms_on_promotion: bool


class CorrectionIn(Schema):
    minutes: int = Field(..., ge=0, le=100_000)
    reason: str = Field(..., max_length=2_000)


class CorrectionOut(Schema):
    id: int
    record: int
    status: str
    minutes_asked: int
    minutes_before: int | None
    minutes_after: int | None
    reason: str
    answer_note: str


class CorrectionAnswerIn(Schema):
    accept: bool
    note: str = Field("", max_length=1_000)


class CertificateIn(Schema):
    date_from: date = Field(..., alias="from")
    date_to: date = Field(..., alias="to")


class CertificateIssuedOut(Schema):
    number: str
    pdf: str
    verify_url: str


class CertificateFactsOut(Schema):
    number: str
    holder_name: str
    holder_phone: str
    period_from: date
    period_to: date
    hours: float
    records: int
    issuer: str
    person_in_charge: str
    contact: str
    issued_at: datetime


class CheckinTokenOut(Schema):
    token: str
    expires_in: int


class TeamPersonOut(Schema):
    id: int
    name: str


class VolunteerTeamOut(Schema):
    id: int
    name: str
    description: str
    organiser: Ref
    street: Ref
    captains: list[TeamPersonOut]
    members: int
    hours: float
    # The caller's own membership: pending, member, declined, or null.
    status: str | None


class VolunteerTeamList(Schema):
    count: int
    items: list[VolunteerTeamOut]


class TeamsQuery(Schema):
    street: int | None = Field(None, ge=1, le=MAX_ID)
    limit: int | None = None
    offset: int | None = None


class TeamIn(Schema):
    organiser: int = Field(..., ge=1, le=MAX_ID)
    name: str = Field(..., max_length=500)
    description: str = Field("", max_length=2_000)


class TeamJoinOut(Schema):
    status: str
    team: VolunteerTeamOut


class MemberDecisionIn(Schema):
    accept: bool


class PointPermissionIn(Schema):
    max_points: int = Field(..., ge=0, le=10_000_000)
    monthly_budget: int = Field(..., ge=0, le=100_000_000)


class PointPermissionOut(Schema):
    organisation: Ref
    district: Ref
    max_points: int
    monthly_budget: int
    used_this_month: int


class PointPermissionList(Schema):
    count: int
    items: list[PointPermissionOut]


# --- Payloads ---------------------------------------------------------------------------------
def _local(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value else None


def task_payload(task: Task, *, distance_m: float | None = None, claim: Claim | None = None) -> dict[str, Any]:
    return {
        "id": task.pk,
        "title": task.title,
        "kind": task.kind,
        "category": task.category,
        "organiser": {"id": task.organiser.pk, "name": task.organiser.name},
        "starts_at": _local(task.starts_at),
        "ends_at": _local(task.ends_at),
        "lat": task.lat,
        "lng": task.lng,
        "address": task.address,
        "radius_m": task.radius_m,
        "slots": task.slots,
        "claimed": task.claimed_count,
        "waitlisted": task.waitlisted_count,
        "waitlist_slots": task.waitlist_slots,
        "points": task.points,
        "team": {"id": task.team.pk, "name": task.team.name} if task.team else None,
        "status": task.status,
        "availability": task.availability,
        "distance_m": round(distance_m) if distance_m is not None else None,
        "my_claim": claim.pk if claim is not None else None,
        "my_status": claim.status if claim is not None else None,
    }


def task_detail_payload(task: Task, claim: Claim | None, user: User | None = None) -> dict[str, Any]:
    resident = None
    if selectors.resident_visible(task, claim) and (task.resident_name or task.resident_phone):
        resident = {"name": task.resident_name, "phone": task.resident_phone}
    return {
        **task_payload(task, claim=claim),
        "description": task.description,
        "resident_need": task.resident_need,
        "requires_party_member": task.requires_party_member,
        "required_item": required_item_payload(task),
        "required_item_passed": selectors.requirement_passed(user, task),
        "repeats_until": task.repeats_until,
        "repeat_of": task.repeat_of_id,
        "resident": resident,
    }


def required_item_payload(task: Task) -> dict[str, Any] | None:
    item = task.required_item
    if item is None:
        return None
    return {"id": item.pk, "title": item.local_title, "url": reverse("learning:item", args=[item.pk])}


def claim_payload(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "task": claim.task_id,
        "status": claim.status,
        "checked_in_at": _local(claim.checked_in_at),
        "checked_out_at": _local(claim.checked_out_at),
        "flagged": claim.flagged,
        "presence_minutes": claim.presence_minutes,
        "minutes": claim.minutes,
        "review_note": claim.review_note,
    }


def record_payload(record: ServiceRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "task": record.task_title,
        "organiser": record.organiser.name,
        "date": timezone.localdate(record.started_at),
        "minutes": record.minutes,
        "points": record.points,
        "status": ClaimStatus.APPROVED,
    }


def certificate_urls(request: HttpRequest, certificate: Certificate) -> dict[str, str]:
    return {
        "pdf": request.build_absolute_uri(reverse("volunteering:certificate_pdf", args=[certificate.number])),
        "verify_url": request.build_absolute_uri(reverse("volunteering:verify", args=[certificate.number])),
    }


def certificate_facts(certificate: Certificate) -> dict[str, Any]:
    return {
        "number": certificate.number,
        "holder_name": certificate.holder_name,
        "holder_phone": certificate.holder_phone_masked,
        "period_from": certificate.period_from,
        "period_to": certificate.period_to,
        "hours": round(certificate.minutes / 60, 1),
        "records": certificate.records,
        "issuer": certificate.issuer_name,
        "person_in_charge": certificate.person_in_charge,
        "contact": certificate.contact,
        "issued_at": _local(certificate.issued_at),
    }


def teams_payload(teams: list[Team], user: User | None) -> list[dict[str, Any]]:
    facts = selectors.team_facts(teams, user)
    return [
        {
            "id": t.pk,
            "name": t.name,
            "description": t.description,
            "organiser": {"id": t.organiser.pk, "name": t.organiser.name},
            "street": {"id": t.street.pk, "name": t.street.name},
            "captains": [{"id": c.pk, "name": c.name} for c in facts[t.pk].captains],
            "members": facts[t.pk].members,
            "hours": round(facts[t.pk].minutes / 60, 1),
            "status": facts[t.pk].my_status,
        }
        for t in teams
    ]


def _user_or_none(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


# --- Tasks ------------------------------------------------------------------------------------
@router.get("/tasks", auth=optional_auth, response={200: VolunteerTaskList, **ERRORS})
def tasks_list(request: HttpRequest, query: Query[TasksQuery]) -> dict[str, Any]:
    """Tasks near a position (starting within two hours first, then by distance), or by start time."""
    limit, offset = clamp(query.limit, query.offset)
    if (query.lat is None) != (query.lng is None):
        raise InvalidInput.one("lng" if query.lng is None else "lat", _("请同时提供 lat 和 lng。"))
    hits = selectors.tasks_search(
        lat=query.lat, lng=query.lng, radius_km=query.radius_km, kind=query.kind, open_only=query.open
    )
    page = hits[offset : offset + limit]
    user = _user_or_none(request)
    claims = selectors.my_claims_by_task(user, [h.task.pk for h in page]) if user else {}
    items = [task_payload(h.task, distance_m=h.distance_m, claim=claims.get(h.task.pk)) for h in page]
    return {"count": len(hits), "items": items}


@router.get("/tasks/{task_id}", auth=optional_auth, response={200: VolunteerTaskDetailOut, **ERRORS})
def task_get(request: HttpRequest, task_id: int) -> dict[str, Any]:
    if not 1 <= task_id <= MAX_ID:
        raise NotFound()
    task = selectors.task_get(task_id)
    user = _user_or_none(request)
    claim = selectors.my_claims_by_task(user, [task.pk]).get(task.pk) if user else None
    return task_detail_payload(task, claim, user)


@router.post("/tasks", response={201: VolunteerTaskDetailOut, **ERRORS})
def task_post(request: HttpRequest, payload: VolunteerTaskIn) -> Status[Any]:
    def aware(value: datetime) -> datetime:
        return timezone.make_aware(value) if timezone.is_naive(value) else value

    data = services.TaskInput(
        title=payload.title,
        description=payload.description,
        kind=payload.kind,
        category=payload.category,
        starts_at=aware(payload.starts_at),
        ends_at=aware(payload.ends_at),
        lat=payload.lat,
        lng=payload.lng,
        address=payload.address,
        radius_m=payload.radius_m,
        hive=payload.hive,
        slots=payload.slots,
        waitlist_slots=payload.waitlist_slots,
        points=payload.points,
        team=payload.team,
        requires_party_member=payload.requires_party_member,
        required_item=payload.required_item,
        repeats_until=payload.repeats_until,
        resident_name=payload.resident_name,
        resident_phone=payload.resident_phone,
        resident_need=payload.resident_need,
    )
    task = services.task_publish(actor=request_user(request), organiser=payload.organiser, data=data)
    return Status(201, task_detail_payload(selectors.task_get(task.pk), None))


@router.post("/tasks/{task_id}/cancel", response={200: VolunteerTaskOut, **ERRORS})
def task_post_cancel(request: HttpRequest, task_id: int) -> dict[str, Any]:
    if not 1 <= task_id <= MAX_ID:
        raise NotFound()
    task = services.task_cancel(task_id=task_id, actor=request_user(request))
    return task_payload(selectors.task_get(task.pk))


@router.get("/tasks/{task_id}/checkin-token", response={200: CheckinTokenOut, **ERRORS})
def task_checkin_token(request: HttpRequest, task_id: int) -> dict[str, Any]:
    """The organiser's rotating QR code for the task (its token and how long it lasts)."""
    if not 1 <= task_id <= MAX_ID:
        raise NotFound()
    task = selectors.manageable_task(request_user(request), task_id)
    now = timezone.now()
    return {"token": tokens.token_for(task.pk, now), "expires_in": tokens.seconds_to_next_window(now)}


@router.post("/tasks/{task_id}/claims", response={201: ClaimCreatedOut, **ERRORS})
def claim_post(request: HttpRequest, task_id: int) -> Status[Any]:
    if not 1 <= task_id <= MAX_ID:
        raise NotFound()
    claim = services.claim_create(task_id=task_id, worker=request_user(request))
    return Status(201, {"id": claim.pk, "status": claim.status})


@router.get("/tasks/{task_id}/claims", response={200: ClaimantList, **ERRORS})
def claims_of_task(request: HttpRequest, task_id: int) -> dict[str, Any]:
    """Claimants and their attendance, for the organiser."""
    if not 1 <= task_id <= MAX_ID:
        raise NotFound()
    task = selectors.manageable_task(request_user(request), task_id)
    items = []
    for claim in selectors.claims_of_task(task):
        profile = getattr(claim.worker, "worker_profile", None)
        enterprise = profile.enterprise.display_name if profile is not None and profile.enterprise else ""
        items.append(
            {**claim_payload(claim), "name": claim.worker.name, "phone": claim.worker.phone, "enterprise": enterprise}
        )
    return {"count": len(items), "items": items}


@router.post("/tasks/{task_id}/assignments", response={201: ClaimCreatedOut, **ERRORS})
def assignment_post(request: HttpRequest, task_id: int, payload: AssignIn) -> Status[Any]:
    """A captain puts a team member on a task for the team."""
    if not 1 <= task_id <= MAX_ID:
        raise NotFound()
    claim = services.task_assign(task_id=task_id, worker_id=payload.worker, actor=request_user(request))
    return Status(201, {"id": claim.pk, "status": claim.status})


@router.post("/tasks/{task_id}/review", response={200: BulkReviewOut, **ERRORS})
def review_bulk(request: HttpRequest, task_id: int, payload: BulkReviewIn) -> dict[str, Any]:
    """Approve or decline many claims of a task at once; refused ones are listed with their code."""
    if not 1 <= task_id <= MAX_ID:
        raise NotFound()
    ids = [i for i in payload.claims if 1 <= i <= MAX_ID]
    result = services.claims_review_bulk(
        task_id=task_id, claim_ids=ids, actor=request_user(request), decision=payload.decision, note=payload.note
    )
    return {"done": result.done, "refused": {str(k): v for k, v in result.refused.items()}}


# --- Claims ---------------------------------------------------------------------------------------
def _claim_id_ok(claim_id: int) -> None:
    if not 1 <= claim_id <= MAX_ID:
        raise NotFound()


@router.post("/claims/{claim_id}/check-in", response={200: CheckStepOut, **ERRORS})
def check_in_post(request: HttpRequest, claim_id: int, payload: WhereIn) -> dict[str, Any]:
    _claim_id_ok(claim_id)
    claim = services.claim_check_in(
        claim_id=claim_id, worker=request_user(request), token=payload.token, lat=payload.lat, lng=payload.lng
    )
    return {"status": claim.status, "at": _local(claim.checked_in_at)}


@router.post("/claims/{claim_id}/check-out", response={200: CheckStepOut, **ERRORS})
def check_out_post(request: HttpRequest, claim_id: int, payload: WhereIn) -> dict[str, Any]:
    _claim_id_ok(claim_id)
    claim = services.claim_check_out(
        claim_id=claim_id, worker=request_user(request), token=payload.token, lat=payload.lat, lng=payload.lng
    )
    return {"status": claim.status, "at": _local(claim.checked_out_at)}


@router.post("/claims/{claim_id}/cancel", response={200: ClaimOut, **ERRORS})
def claim_post_cancel(request: HttpRequest, claim_id: int) -> dict[str, Any]:
    _claim_id_ok(claim_id)
    return claim_payload(services.claim_cancel(claim_id=claim_id, worker=request_user(request)))


@router.post("/claims/{claim_id}/review", response={200: ClaimOut, **ERRORS})
def claim_post_review(request: HttpRequest, claim_id: int, payload: ReviewIn) -> dict[str, Any]:
    _claim_id_ok(claim_id)
    claim = services.claim_review(
        claim_id=claim_id,
        actor=request_user(request),
        decision=payload.decision,
        minutes=payload.minutes,
        note=payload.note,
    )
    return claim_payload(claim)


@router.get("/me/claims", response={200: MyClaimList, **ERRORS})
def my_claims(request: HttpRequest, limit: int | None = None, offset: int | None = None) -> dict[str, Any]:
    limit, offset = clamp(limit, offset)
    rows = selectors.claims_of(request_user(request))
    page = list(rows[offset : offset + limit])
    items = [{**claim_payload(c), "task_detail": task_payload(c.task, claim=c)} for c in page]
    return {"count": rows.count(), "items": items}


# --- Records, hours, certificates -----------------------------------------------------------------
@router.get("/me/volunteering", response={200: MyVolunteeringOut, **ERRORS})
def my_volunteering(request: HttpRequest) -> dict[str, Any]:
    user = request_user(request)
    records = list(selectors.records_of(user)[:200])
    hours = selectors.minutes_total(user) / 60
    pause = selectors.claiming_paused(user)
    return {
        "hours_total": round(hours, 1),
        "star": selectors.star_of(hours),
        "title": selectors.star_title(selectors.star_of(hours)),
        "records": [record_payload(r) for r in records],
        "paused_until": _local(pause.until) if pause else None,
    }


@router.get("/me/volunteering/settings", response={200: VolunteerSettingsIO, **ERRORS})
def my_settings(request: HttpRequest) -> dict[str, Any]:
    return {"sms_on_promotion": selectors.settings_of(request_user(request)).sms_on_promotion}


@router.put("/me/volunteering/settings", response={200: VolunteerSettingsIO, **ERRORS})
def my_settings_put(request: HttpRequest, payload: VolunteerSettingsIO) -> dict[str, Any]:
    found = services.volunteer_settings_set(worker=request_user(request), sms_on_promotion=payload.sms_on_promotion)
    return {"sms_on_promotion": found.sms_on_promotion}


@router.post("/me/volunteering/records/{record_id}/corrections", response={201: CorrectionOut, **ERRORS})
def correction_post(request: HttpRequest, record_id: int, payload: CorrectionIn) -> Status[Any]:
    if not 1 <= record_id <= MAX_ID:
        raise NotFound()
    correction = services.correction_request(
        record_id=record_id, worker=request_user(request), minutes=payload.minutes, reason=payload.reason
    )
    return Status(201, _correction_payload(correction))


def _correction_payload(correction: Any) -> dict[str, Any]:
    return {
        "id": correction.pk,
        "record": correction.record_id,
        "status": correction.status,
        "minutes_asked": correction.minutes_asked,
        "minutes_before": correction.minutes_before,
        "minutes_after": correction.minutes_after,
        "reason": correction.reason,
        "answer_note": correction.answer_note,
    }


@router.post("/corrections/{correction_id}/answer", response={200: CorrectionOut, **ERRORS})
def correction_answer_post(request: HttpRequest, correction_id: int, payload: CorrectionAnswerIn) -> dict[str, Any]:
    if not 1 <= correction_id <= MAX_ID:
        raise NotFound()
    correction = services.correction_answer(
        correction_id=correction_id, actor=request_user(request), accept=payload.accept, note=payload.note
    )
    return _correction_payload(correction)


@router.post("/me/volunteering/certificates", response={201: CertificateIssuedOut, **ERRORS})
def certificate_post(request: HttpRequest, payload: CertificateIn) -> Status[Any]:
    certificate = services.certificate_issue(
        worker=request_user(request), date_from=payload.date_from, date_to=payload.date_to
    )
    return Status(201, {"number": certificate.number, **certificate_urls(request, certificate)})


@router.get("/certificates/{number}", auth=None, response={200: CertificateFactsOut, **ERRORS})
def certificate_verify(request: HttpRequest, number: str) -> dict[str, Any]:
    """Public: the facts of a certificate, for whoever scans its QR code."""
    if len(number) > 32:
        raise NotFound()
    return certificate_facts(selectors.certificate_get(number))


# --- Teams --------------------------------------------------------------------------------------------
@router.get("/teams", auth=optional_auth, response={200: VolunteerTeamList, **ERRORS})
def teams_list(request: HttpRequest, query: Query[TeamsQuery]) -> dict[str, Any]:
    limit, offset = clamp(query.limit, query.offset)
    teams = selectors.teams_list(street_id=query.street)
    page = list(teams[offset : offset + limit])
    return {"count": teams.count(), "items": teams_payload(page, _user_or_none(request))}


@router.post("/teams", response={201: VolunteerTeamOut, **ERRORS})
def team_post(request: HttpRequest, payload: TeamIn) -> Status[Any]:
    user = request_user(request)
    team = services.team_create(
        actor=user, organiser=payload.organiser, name=payload.name, description=payload.description
    )
    return Status(201, teams_payload([selectors.team_get(team.pk)], user)[0])


@router.post("/teams/{team_id}/members", response={201: TeamJoinOut, **ERRORS})
def team_join_post(request: HttpRequest, team_id: int) -> Status[Any]:
    if not 1 <= team_id <= MAX_ID:
        raise NotFound()
    user = request_user(request)
    member = services.team_join(team_id=team_id, worker=user)
    return Status(201, {"status": member.status, "team": teams_payload([selectors.team_get(team_id)], user)[0]})


@router.post("/team-members/{member_id}/decision", response={200: TeamJoinOut, **ERRORS})
def team_member_decision(request: HttpRequest, member_id: int, payload: MemberDecisionIn) -> dict[str, Any]:
    if not 1 <= member_id <= MAX_ID:
        raise NotFound()
    user = request_user(request)
    member = services.team_member_decide(member_id=member_id, actor=user, accept=payload.accept)
    return {"status": member.status, "team": teams_payload([selectors.team_get(member.team_id)], user)[0]}


# --- District point permissions -------------------------------------------------------------------------
def _permission_payload(permission: Any, used: int) -> dict[str, Any]:
    return {
        "organisation": {"id": permission.organisation.pk, "name": permission.organisation.name},
        "district": {"id": permission.district.pk, "name": permission.district.name},
        "max_points": permission.max_points,
        "monthly_budget": permission.monthly_budget,
        "used_this_month": used,
    }


@router.get("/point-permissions", response={200: PointPermissionList, **ERRORS})
def permissions_list(request: HttpRequest) -> dict[str, Any]:
    """The permissions the caller sets (a district admin's district, every district for a city
    admin), with the points each organisation promised this month: three queries."""
    rows = list(selectors.permissions_editable_by(request_user(request)).order_by("district_id", "organisation_id"))
    used = selectors.budgets_used([p.organisation_id for p in rows], timezone.now())
    return {"count": len(rows), "items": [_permission_payload(p, used.get(p.organisation_id, 0)) for p in rows]}


@router.put("/point-permissions/{organisation_id}", response={200: PointPermissionOut, **ERRORS})
def permission_put(request: HttpRequest, organisation_id: int, payload: PointPermissionIn) -> dict[str, Any]:
    if not 1 <= organisation_id <= MAX_ID:
        raise NotFound()
    permission = services.point_permission_set(
        actor=request_user(request),
        organisation_id=organisation_id,
        max_points=payload.max_points,
        monthly_budget=payload.monthly_budget,
    )
    return _permission_payload(permission, selectors.budget_used(permission.organisation_id, timezone.now()))


@router.delete("/point-permissions/{organisation_id}", response={204: None, **ERRORS})
def permission_delete(request: HttpRequest, organisation_id: int) -> Status[None]:
    if not 1 <= organisation_id <= MAX_ID:
        raise NotFound()
    services.point_permission_revoke(actor=request_user(request), organisation_id=organisation_id)
    return Status(204, None)
