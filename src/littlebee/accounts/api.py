"""Accounts section of API.md, plus the staff check-in and employment queues."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status

from littlebee.accounts.api_auth import bearer_auth, me_auth
from littlebee.core.api_answers import answer
from littlebee.core.errors import InvalidInput, PermissionDenied
from littlebee.core.pagination import clamp
from littlebee.core.requests import client_ip, requested_language

from . import selectors, services
from .models import ApiToken, CheckinStatus, EmploymentStatus, SmsPurpose, User, WorkerProfile
from .phones import mask_phone
from .requests import request_user
from .schemas import (
    DecisionIn,
    DetailOut,
    ErrorOut,
    MeOut,
    MeUpdateIn,
    PasswordChangeIn,
    PasswordResetIn,
    ProfileEventOut,
    RegisterIn,
    RegisterOut,
    ResubmitIn,
    RevokedAllOut,
    SmsCodeIn,
    SmsCodeOut,
    TokenIn,
    TokenOut,
    WorkerList,
    WorkerOut,
)

router = Router(tags=["accounts"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}


def me_payload(user: User, row: Sequence[Any] | None = None) -> dict[str, Any]:
    """GET /me's answer; `row`: selectors.ME_RIDE's values read with the caller's token, if they were."""
    summary = selectors.me_summary(user, row)
    profile = summary.profile
    return {
        "id": user.pk,
        "phone": user.phone,
        "name": user.name,
        "worker_type": profile["worker_type"] if profile else None,
        "enterprise": profile["enterprise"] if profile else None,
        "outlet": profile["outlet"] if profile else None,
        "community": profile["community"] if profile else None,
        "verified": bool(profile and profile["checkin_status"] == CheckinStatus.CONFIRMED),
        "checkin_status": profile["checkin_status"] if profile else None,
        "employment_status": profile["employment_status"] if profile else None,
        "party_member": bool(profile and profile["party_member"]),
        # The points balance and title (points fills accounts.hooks.me_columns: accounts never names it).
        **summary.fields,
        "roles": [
            {
                "organisation": {"id": r.organisation_id, "name": r.organisation_name, "kind": r.organisation_kind},
                "role": r.role,
            }
            for r in summary.roles
        ],
        "language": user.language or settings.LANGUAGE_CODE,
    }


def remember_language(request: HttpRequest, user: User) -> None:
    """Someone signing in (or up) in English gets their texts (SMS) in English from then on: the
    language the site's switch chose (its cookie) or, failing that, the one the client's
    Accept-Language asks for, when it is one of ours, becomes the person's. A client that asks
    for none leaves the remembered language as it is."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    language = chosen if chosen in dict(settings.LANGUAGES) else requested_language(request)
    if language:
        services.user_language_set(user=user, language=language)


def worker_payload(profile: WorkerProfile) -> dict[str, Any]:
    return {
        "id": profile.pk,
        "name": profile.user.name,
        # Staff lists show the number masked, as the console's queues do: deciding a check-in
        # needs the person recognised, not called (cases.selectors.reporter_phone_for is the
        # rule where a call may be needed).
        "phone": mask_phone(profile.user.phone),
        "worker_type": profile.worker_type,
        "worker_type_label": str(profile.get_worker_type_display()),
        "enterprise": {"id": profile.enterprise.pk, "name": profile.enterprise.display_name}
        if profile.enterprise
        else None,
        "outlet": {"id": profile.outlet.pk, "name": profile.outlet.name} if profile.outlet else None,
        "community": {
            "id": profile.community.pk,
            "name": profile.community.name,
            "full_name": profile.community.full_name(),
        },
        "party_member": profile.party_member,
        "checkin_status": profile.checkin_status,
        "employment_status": profile.employment_status,
        "registered_at": profile.created_at,
    }


@router.post("/auth/register", auth=None, response={201: RegisterOut, **ERRORS})
def register(request: HttpRequest, payload: RegisterIn) -> Status[dict[str, Any]]:
    user = services.worker_register(
        data=services.RegistrationInput(
            phone=payload.phone,
            password=payload.password,
            name=payload.name,
            worker_type=payload.worker_type,
            enterprise_id=payload.enterprise,
            community_id=payload.community,
            outlet_id=payload.outlet,
            party_member=payload.party_member,
            code=payload.code,
        ),
        ip=client_ip(request),
    )
    remember_language(request, user)
    _token, raw = services.token_issue(user=user, name="register")
    return Status(201, {"user": me_payload(user), "token": raw})


@router.post("/auth/sms-code", auth=None, response={202: SmsCodeOut, **ERRORS})
def sms_code(request: HttpRequest, payload: SmsCodeIn) -> Status[dict[str, Any]]:
    services.sms_code_send(phone=payload.phone, ip=client_ip(request), purpose=payload.purpose)
    return Status(202, {"detail": sms_sent_detail(payload.purpose), "resend_after": settings.SMS_CODE_RESEND_SECONDS})


def sms_sent_detail(purpose: str) -> str:
    """The same answer whether or not the number is registered: numbers cannot be probed."""
    if purpose == SmsPurpose.REGISTER:
        return _("验证码已发送，请查收短信。")
    return _("如果该手机号已注册，验证码将以短信发送。")


@router.post("/auth/password-reset", auth=None, response={200: DetailOut, **ERRORS})
def password_reset(request: HttpRequest, payload: PasswordResetIn) -> dict[str, str]:
    """Set a new password with a code from POST /auth/sms-code (purpose=password_reset).
    Every token and session of the account ends; sign in again with the new password."""
    services.password_reset(
        phone=payload.phone, code=payload.code, new_password=payload.new_password, ip=client_ip(request)
    )
    return {"detail": _("密码已重置，请使用新密码登录。")}


@router.post("/auth/token", auth=None, response={200: TokenOut, **ERRORS})
def token(request: HttpRequest, payload: TokenIn) -> dict[str, str]:
    ip = client_ip(request)
    if payload.password:
        user = services.login_with_password(phone=payload.phone, password=payload.password, ip=ip)
    elif payload.code:
        user = services.login_with_code(phone=payload.phone, code=payload.code, ip=ip)
    else:
        raise InvalidInput.one("password", _("请填写密码或短信验证码。"))
    remember_language(request, user)
    _token, raw = services.token_issue(user=user, name=request.headers.get("User-Agent", "")[:100])
    return {"token": raw}


class Revoked(Schema):
    revoked: bool


@router.delete("/auth/token", auth=bearer_auth, response={200: Revoked, **ERRORS})
def token_revoke(request: HttpRequest) -> dict[str, bool]:
    """Log out: revoke the bearer token this request carries."""
    raw = request.headers.get("Authorization", "").partition(" ")[2].strip()
    return {"revoked": services.token_revoke(raw=raw, user=request_user(request))}


@router.post("/auth/token/revoke-all", response={200: RevokedAllOut, **ERRORS})
def tokens_revoke_all(request: HttpRequest) -> dict[str, int]:
    """Sign out everywhere: every token of the caller (this one too) and every session end."""
    return {"revoked": services.sign_out_everywhere(user=request_user(request))}


@router.post("/me/password", response={200: DetailOut, **ERRORS})
def me_password(request: HttpRequest, payload: PasswordChangeIn) -> dict[str, str]:
    """Change the password. Every other token and session ends; the caller's own stays."""
    token = getattr(request, "api_token", None)
    user = services.password_change(
        user=request_user(request),
        old_password=payload.old_password,
        new_password=payload.new_password,
        keep=token if isinstance(token, ApiToken) else None,
        ip=client_ip(request),
    )
    if token is None:
        update_session_auth_hash(request, user)
    return {"detail": _("密码已修改，其他设备上的登录已退出。")}


@router.get("/me", response={200: MeOut, **ERRORS}, auth=me_auth)
def me(request: HttpRequest) -> HttpResponse:
    # A hot path: rendered without ninja's per-field check (core.api_answers; tested to fit MeOut),
    # the account read with a bearer token by the token's own statement (me_auth).
    token = getattr(request, "api_token", None)
    return answer(me_payload(request_user(request), getattr(token, "ride_values", None)))


@router.patch("/me", response={200: MeOut, **ERRORS})
def me_update(request: HttpRequest, payload: MeUpdateIn) -> dict[str, Any]:
    user = services.profile_update(
        user=request_user(request),
        name=payload.name,
        outlet_id=payload.outlet,
        party_member=payload.party_member,
        language=payload.language,
    )
    return me_payload(user)


@router.get("/me/checkin-timeline", response={200: list[ProfileEventOut], **ERRORS})
def my_timeline(request: HttpRequest) -> list[dict[str, Any]]:
    profile = selectors.worker_profile_of(request_user(request))
    if profile is None:
        return []
    return [
        {
            "at": e.at,
            "action": e.action,
            "action_label": str(e.get_action_display()),
            "actor_role": e.actor_role,
            "organisation": e.organisation.name if e.organisation else None,
            "note": e.note,
        }
        for e in profile.events.select_related("organisation")
    ]


@router.post("/me/checkin", response={200: MeOut, **ERRORS})
def my_checkin_resubmit(request: HttpRequest, payload: ResubmitIn) -> dict[str, Any]:
    services.checkin_resubmit(worker=request_user(request), community_id=payload.community)
    return me_payload(request_user(request))


# --- Staff queues ---------------------------------------------------------------------------
class QueueFilter(Schema):
    # Check-in and employment share their status values.
    status: Literal["pending", "confirmed", "rejected"] | None = None
    limit: int | None = None
    offset: int | None = None


def _queue(request: HttpRequest, qs: Any, status_field: str, filters: QueueFilter) -> dict[str, Any]:
    if not selectors.is_staff_member(request_user(request)):
        raise PermissionDenied()
    if filters.status:
        qs = qs.filter(**{status_field: filters.status})
    limit, offset = clamp(filters.limit, filters.offset)
    qs = qs.order_by("created_at", "id")
    return {"count": qs.count(), "items": [worker_payload(p) for p in qs[offset : offset + limit]]}


@router.get("/checkins", response={200: WorkerList, **ERRORS}, tags=["staff"])
def checkins(request: HttpRequest, filters: Query[QueueFilter]) -> dict[str, Any]:
    """Workers whose check-in the caller may decide (default: all statuses)."""
    return _queue(request, selectors.checkins_reviewable_by(request_user(request)), "checkin_status", filters)


@router.post("/checkins/{profile_id}/confirm", response={200: WorkerOut, **ERRORS}, tags=["staff"])
def checkin_confirm(request: HttpRequest, profile_id: int, payload: DecisionIn | None = None) -> dict[str, Any]:
    note = payload.note if payload else ""
    profile = services.checkin_confirm(profile_id=profile_id, actor=request_user(request), note=note)
    return worker_payload(profile)


@router.post("/checkins/{profile_id}/reject", response={200: WorkerOut, **ERRORS}, tags=["staff"])
def checkin_reject(request: HttpRequest, profile_id: int, payload: DecisionIn | None = None) -> dict[str, Any]:
    note = payload.note if payload else ""
    profile = services.checkin_reject(profile_id=profile_id, actor=request_user(request), note=note)
    return worker_payload(profile)


@router.get("/employment-checks", response={200: WorkerList, **ERRORS}, tags=["staff"])
def employment_checks(request: HttpRequest, filters: Query[QueueFilter]) -> dict[str, Any]:
    return _queue(request, selectors.employment_reviewable_by(request_user(request)), "employment_status", filters)


@router.post("/employment-checks/{profile_id}/confirm", response={200: WorkerOut, **ERRORS}, tags=["staff"])
def employment_confirm(request: HttpRequest, profile_id: int, payload: DecisionIn | None = None) -> dict[str, Any]:
    note = payload.note if payload else ""
    return worker_payload(services.employment_confirm(profile_id=profile_id, actor=request_user(request), note=note))


@router.post("/employment-checks/{profile_id}/reject", response={200: WorkerOut, **ERRORS}, tags=["staff"])
def employment_reject(request: HttpRequest, profile_id: int, payload: DecisionIn | None = None) -> dict[str, Any]:
    note = payload.note if payload else ""
    return worker_payload(services.employment_reject(profile_id=profile_id, actor=request_user(request), note=note))


__all__ = ["CheckinStatus", "EmploymentStatus", "router"]
