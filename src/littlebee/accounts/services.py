"""Every write to accounts: registration, check-in decisions, login, codes, tokens, roles."""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from littlebee.core.errors import Conflict, DomainError, FieldError, InvalidInput, NotFound, TooManyRequests
from littlebee.notifications.sms import sms_send_on_commit
from littlebee.orgs.models import Organisation, OrgKind, Outlet, Region, RegionLevel
from littlebee.points.models import PointsSource
from littlebee.points.services import points_award

from . import selectors
from .models import (
    ApiToken,
    AuthAttempt,
    CheckinStatus,
    EmploymentStatus,
    Membership,
    ProfileEvent,
    ProfileEventAction,
    Role,
    SmsCode,
    SmsPurpose,
    User,
    WorkerProfile,
    WorkerType,
)
from .phones import normalise_phone

TOKEN_PREFIX = "lb_"

logger = logging.getLogger(__name__)


# --- Registration ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RegistrationInput:
    phone: str
    password: str
    name: str
    worker_type: str
    enterprise_id: int | None
    community_id: int | None
    outlet_id: int | None = None
    party_member: bool = False


def _has_control_characters(text: str, *, allow_newlines: bool = False) -> bool:
    """NUL, escapes, bidi overrides and the like: never part of a name or a note."""
    allowed = {"\n", "\r", "\t"} if allow_newlines else set()
    return any(unicodedata.category(c) in {"Cc", "Cf", "Cs"} and c not in allowed for c in text)


def _validate_registration(data: RegistrationInput) -> tuple[str, Organisation | None, Region, Outlet | None]:
    errors: list[FieldError] = []
    phone = ""
    try:
        phone = normalise_phone(data.phone)
    except InvalidInput as exc:
        errors.extend(exc.errors)
    name = data.name.strip()
    if not name:
        errors.append(FieldError("name", _("请填写真实姓名。")))
    elif len(name) > 50:
        errors.append(FieldError("name", _("姓名不能超过 50 个字。")))
    elif _has_control_characters(name):
        errors.append(FieldError("name", _("姓名含有无效字符。")))
    if data.worker_type not in WorkerType.values:
        errors.append(FieldError("worker_type", _("请选择从业类型。")))
    try:
        validate_password(data.password, User(phone=phone, name=name))
    except ValidationError as exc:
        errors.append(FieldError("password", " ".join(str(m) for m in exc.messages)))

    enterprise = None
    if data.enterprise_id is not None:
        enterprise = Organisation.objects.filter(pk=data.enterprise_id, kind=OrgKind.ENTERPRISE, is_active=True).first()
        if enterprise is None:
            errors.append(FieldError("enterprise", _("所选企业不存在。")))
    elif data.worker_type != WorkerType.OTHER:
        errors.append(FieldError("enterprise", _("请选择所属企业。")))
    community = None
    if data.community_id is None:
        errors.append(FieldError("community", _("请选择报到社区。")))
    else:
        community = Region.objects.filter(pk=data.community_id, level=RegionLevel.COMMUNITY).first()
        if community is None:
            errors.append(FieldError("community", _("所选社区不存在。")))
    outlet = None
    if data.outlet_id is not None:
        outlet = Outlet.objects.filter(pk=data.outlet_id).first()
        if outlet is None or enterprise is None or outlet.enterprise_id != enterprise.pk:
            errors.append(FieldError("outlet", _("所选网点不属于该企业。")))
    if errors:
        raise InvalidInput(errors)
    assert community is not None
    return phone, enterprise, community, outlet


def worker_register(*, data: RegistrationInput) -> User:
    """A worker signs up and checks in with a community; both confirmations start pending."""
    phone, enterprise, community, outlet = _validate_registration(data)
    if User.objects.filter(phone=phone).exists():
        raise Conflict("already_registered", _("该手机号已注册，请直接登录。"))
    try:
        with transaction.atomic():
            user = User.objects.create_user(phone=phone, password=data.password, name=data.name.strip())
            profile = WorkerProfile.objects.create(
                user=user,
                worker_type=data.worker_type,
                enterprise=enterprise,
                outlet=outlet,
                community=community,
                party_member=data.party_member,
            )
            ProfileEvent.objects.create(
                profile=profile,
                action=ProfileEventAction.REGISTERED,
                actor=user,
                actor_role="worker",
                to_status=CheckinStatus.PENDING,
            )
    except IntegrityError as exc:
        # Two registrations with one phone racing each other: the unique index decides.
        raise Conflict("already_registered", _("该手机号已注册，请直接登录。")) from exc
    return user


# --- Check-in and employment decisions ------------------------------------------------------
def _decision_org(actor: User, profile: WorkerProfile, *, enterprise: bool) -> Organisation | None:
    """The organisation in whose name the actor decides (for the timeline)."""
    for org in selectors.staff_organisations(actor):
        if enterprise and org.kind == OrgKind.ENTERPRISE_PARTY_ORG and org.enterprise_id == profile.enterprise_id:
            return org
        if not enterprise and org.kind == OrgKind.PARTY_ORG and profile.community.path.startswith(org.region.path):
            return org
    return None


def _check_note(note: str) -> None:
    if len(note) > 255:
        raise InvalidInput.one("note", _("意见不能超过 255 个字。"))
    if _has_control_characters(note, allow_newlines=True):
        raise InvalidInput.one("note", _("意见含有无效字符。"))


@dataclass(frozen=True)
class _Decision:
    """One of the two confirmations a worker waits for: the community's and the employer's."""

    prefix: str  # field prefix on WorkerProfile: checkin_* or employment_*
    reviewable_by: Callable[[User], QuerySet[WorkerProfile]]
    confirmed: str
    confirmed_action: str
    rejected_action: str
    by_enterprise: bool
    note_required: Promise
    already_decided: Promise


_CHECKIN = _Decision(
    prefix="checkin",
    reviewable_by=selectors.checkins_reviewable_by,
    confirmed=CheckinStatus.CONFIRMED,
    confirmed_action=ProfileEventAction.CHECKIN_CONFIRMED,
    rejected_action=ProfileEventAction.CHECKIN_REJECTED,
    by_enterprise=False,
    note_required=_("退回报到时请说明原因。"),
    already_decided=_("该报到已处理，不能重复操作。"),
)
_EMPLOYMENT = _Decision(
    prefix="employment",
    reviewable_by=selectors.employment_reviewable_by,
    confirmed=EmploymentStatus.CONFIRMED,
    confirmed_action=ProfileEventAction.EMPLOYMENT_CONFIRMED,
    rejected_action=ProfileEventAction.EMPLOYMENT_REJECTED,
    by_enterprise=True,
    note_required=_("不予确认时请说明原因。"),
    already_decided=_("该在职确认已处理，不能重复操作。"),
)


def _decide(decision: _Decision, *, profile_id: int, actor: User, to_status: str, note: str) -> WorkerProfile:
    note = note.strip()
    if to_status != decision.confirmed and not note:
        raise InvalidInput.one("note", decision.note_required)
    _check_note(note)
    status_field = f"{decision.prefix}_status"
    with transaction.atomic():
        profile = decision.reviewable_by(actor).select_for_update(of=("self",)).filter(pk=profile_id).first()
        if profile is None:
            raise NotFound()
        can_decide = profile.can_decide_employment() if decision.by_enterprise else profile.can_decide_checkin()
        if not can_decide:
            raise Conflict("invalid_transition", decision.already_decided)
        now = timezone.now()
        from_status = getattr(profile, status_field)
        changes = {
            status_field: to_status,
            f"{decision.prefix}_decided_by": actor,
            f"{decision.prefix}_decided_at": now,
            f"{decision.prefix}_note": note,
        }
        for field_name, value in changes.items():
            setattr(profile, field_name, value)
        profile.save(update_fields=[*changes, "updated_at"])
        ProfileEvent.objects.create(
            profile=profile,
            action=decision.confirmed_action if to_status == decision.confirmed else decision.rejected_action,
            actor=actor,
            actor_role=_actor_role(actor),
            organisation=_decision_org(actor, profile, enterprise=decision.by_enterprise),
            from_status=from_status,
            to_status=to_status,
            note=note,
            at=now,
        )
        if decision is _CHECKIN and to_status == CheckinStatus.CONFIRMED:
            _checkin_points_award(profile, actor=actor, at=now)
    return profile


def _checkin_points_award(profile: WorkerProfile, *, actor: User, at: datetime) -> None:
    """Points for checking in with a community, once per worker ever, in the confirmation's
    transaction. A refusal (no rule, say) leaves the confirmation standing."""
    try:
        result = points_award(
            worker=profile.user,
            source=PointsSource.CHECKIN_CONFIRMED,
            idempotency_key=f"checkin_confirmed:{profile.pk}",
            source_object=profile,
            region=profile.community,
            actor=actor,
            note=profile.community.name,
            at=at,
        )
    except DomainError as exc:
        logger.warning("check-in points for profile %s refused: %s", profile.pk, exc)
        return
    if result.refusal:
        logger.info("no check-in points for profile %s: %s", profile.pk, result.refusal)


def checkin_confirm(*, profile_id: int, actor: User, note: str = "") -> WorkerProfile:
    return _decide(_CHECKIN, profile_id=profile_id, actor=actor, to_status=CheckinStatus.CONFIRMED, note=note)


def checkin_reject(*, profile_id: int, actor: User, note: str) -> WorkerProfile:
    return _decide(_CHECKIN, profile_id=profile_id, actor=actor, to_status=CheckinStatus.REJECTED, note=note)


def employment_confirm(*, profile_id: int, actor: User, note: str = "") -> WorkerProfile:
    return _decide(_EMPLOYMENT, profile_id=profile_id, actor=actor, to_status=EmploymentStatus.CONFIRMED, note=note)


def employment_reject(*, profile_id: int, actor: User, note: str) -> WorkerProfile:
    return _decide(_EMPLOYMENT, profile_id=profile_id, actor=actor, to_status=EmploymentStatus.REJECTED, note=note)


def checkin_resubmit(*, worker: User, community_id: int) -> WorkerProfile:
    """After a community turned the check-in down, the worker picks a community again."""
    community = Region.objects.filter(pk=community_id, level=RegionLevel.COMMUNITY).first()
    if community is None:
        raise InvalidInput.one("community", _("所选社区不存在。"))
    with transaction.atomic():
        profile = WorkerProfile.objects.select_for_update().filter(user=worker).first()
        if profile is None:
            raise NotFound()
        if profile.checkin_status != CheckinStatus.REJECTED:
            raise Conflict("invalid_transition", _("只有被退回的报到才能重新提交。"))
        from_status = profile.checkin_status
        profile.community = community
        profile.checkin_status = CheckinStatus.PENDING
        profile.checkin_decided_by = None
        profile.checkin_decided_at = None
        profile.checkin_note = ""
        profile.save(
            update_fields=[
                "community",
                "checkin_status",
                "checkin_decided_by",
                "checkin_decided_at",
                "checkin_note",
                "updated_at",
            ]
        )
        ProfileEvent.objects.create(
            profile=profile,
            action=ProfileEventAction.RESUBMITTED,
            actor=worker,
            actor_role="worker",
            from_status=from_status,
            to_status=CheckinStatus.PENDING,
        )
    return profile


def _actor_role(actor: User) -> str:
    if selectors.is_city_admin(actor):
        return Role.CITY_ADMIN
    membership = Membership.objects.filter(user=actor).order_by("role").first()
    return membership.role if membership else "worker"


# --- Login, lock-outs and one-time codes ----------------------------------------------------
INVALID_CREDENTIALS = _("手机号或密码不正确。")
INVALID_CODE = _("验证码不正确或已过期。")


def _lockout_check(phone: str, ip: str) -> None:
    """Refuse a login while the phone (or the address) has too many recent failures.

    A phone counts failures since its last success; an address counts all of them. The answer
    says when the oldest failure that keeps the lock-out in force leaves the window.
    """
    now = timezone.now()
    window = timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    window_start = now - window
    last_success = (
        AuthAttempt.objects.filter(phone=phone, succeeded=True, at__gte=window_start)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    since = max(window_start, last_success) if last_success else window_start
    checks = [(AuthAttempt.objects.filter(phone=phone, at__gt=since), settings.LOGIN_MAX_FAILURES)]
    if ip:
        checks.append((AuthAttempt.objects.filter(ip=ip, at__gt=window_start), settings.LOGIN_MAX_FAILURES * 10))
    unlock_at = None
    for attempts, limit in checks:
        failures = list(attempts.filter(succeeded=False).order_by("-at").values_list("at", flat=True)[:limit])
        if len(failures) >= limit:
            unlock_at = max(unlock_at or failures[-1], failures[-1] + window)
    if unlock_at is not None:
        retry_after = max(1, math.ceil((unlock_at - now).total_seconds()))
        minutes = max(1, math.ceil(retry_after / 60))
        raise TooManyRequests(
            _gettext("登录失败次数过多，账号已暂时锁定，请 %(minutes)d 分钟后再试。") % {"minutes": minutes},
            retry_after=retry_after,
        )


def _record_attempt(phone: str, ip: str, method: str, succeeded: bool) -> None:
    AuthAttempt.objects.create(phone=phone, ip=ip, method=method, succeeded=succeeded)


def login_with_password(*, phone: str, password: str, ip: str = "") -> User:
    phone = normalise_phone(phone)
    _lockout_check(phone, ip)
    user = authenticate(None, username=phone, password=password)
    if not isinstance(user, User) or not user.is_active:
        _record_attempt(phone, ip, "password", succeeded=False)
        raise DomainError("invalid_credentials", INVALID_CREDENTIALS, status=401)
    _record_attempt(phone, ip, "password", succeeded=True)
    return user


def _hash_code(phone: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def sms_code_send(*, phone: str, ip: str = "") -> None:
    """Send a login code. Registered or not, the answer is the same, so numbers cannot be probed."""
    phone = normalise_phone(phone)
    now = timezone.now()
    last = SmsCode.objects.filter(phone=phone).order_by("-created_at").values_list("created_at", flat=True).first()
    if last and (now - last).total_seconds() < settings.SMS_CODE_RESEND_SECONDS:
        wait = settings.SMS_CODE_RESEND_SECONDS - int((now - last).total_seconds())
        raise TooManyRequests(
            _gettext("验证码已发送，请 %(seconds)d 秒后再重新获取。") % {"seconds": wait}, retry_after=wait
        )
    if (
        SmsCode.objects.filter(phone=phone, created_at__gte=now - timedelta(days=1)).count()
        >= settings.SMS_CODES_PER_PHONE_PER_DAY
    ):
        raise TooManyRequests(_("该手机号今日获取验证码次数已达上限，请明天再试。"), retry_after=86400)
    if (
        ip
        and SmsCode.objects.filter(requested_ip=ip, created_at__gte=now - timedelta(hours=1)).count()
        >= settings.SMS_CODES_PER_IP_PER_HOUR
    ):
        raise TooManyRequests(_("请求过于频繁，请稍后再试。"), retry_after=3600)

    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        # A new code supersedes any earlier one still unused.
        SmsCode.objects.filter(phone=phone, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        SmsCode.objects.create(
            phone=phone,
            purpose=SmsPurpose.LOGIN,
            code_hash=_hash_code(phone, code),
            requested_ip=ip,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.SMS_CODE_TTL_SECONDS),
        )
        if User.objects.filter(phone=phone, is_active=True).exists():
            minutes = max(1, settings.SMS_CODE_TTL_SECONDS // 60)
            sms_send_on_commit(
                phone=phone,
                message=_gettext("【小蜜蜂】您的登录验证码是 %(code)s，%(minutes)d 分钟内有效。请勿告诉他人。")
                % {"code": code, "minutes": minutes},
            )


def login_with_code(*, phone: str, code: str, ip: str = "") -> User:
    phone = normalise_phone(phone)
    _lockout_check(phone, ip)
    now = timezone.now()
    code = (code or "").strip()
    with transaction.atomic():
        sms = (
            SmsCode.objects.select_for_update()
            .filter(phone=phone, purpose=SmsPurpose.LOGIN, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        ok = False
        if sms is not None:
            # Conditional update: the attempt counts even if two guesses race.
            counted = SmsCode.objects.filter(pk=sms.pk, attempts__lt=settings.SMS_CODE_MAX_ATTEMPTS).update(
                attempts=F("attempts") + 1
            )
            ok = bool(counted) and hmac.compare_digest(sms.code_hash, _hash_code(phone, code))
            if ok:
                ok = bool(SmsCode.objects.filter(pk=sms.pk, used_at__isnull=True).update(used_at=now))
        user = User.objects.filter(phone=phone, is_active=True).first() if ok else None
    if user is None:
        _record_attempt(phone, ip, "sms", succeeded=False)
        raise DomainError("invalid_credentials", INVALID_CODE, status=401)
    _record_attempt(phone, ip, "sms", succeeded=True)
    return user


# --- API tokens -----------------------------------------------------------------------------
def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_issue(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    # The name often comes from a User-Agent header: keep printable characters only.
    name = "".join(c for c in name if c.isprintable())[:100]
    token = ApiToken.objects.create(user=user, key_hash=_token_hash(raw), prefix=raw[:10], name=name)
    return token, raw


def token_authenticate(raw: str) -> User | None:
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_token_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Touch last_used_at at most once a minute: a write per request would serialise SQLite.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_revoke(*, raw: str, user: User) -> bool:
    return bool(
        ApiToken.objects.filter(user=user, key_hash=_token_hash(raw), revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def tokens_revoke_all(*, user: User) -> int:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


# --- Staff roles ----------------------------------------------------------------------------
def membership_grant(*, user: User, organisation: Organisation, role: str, actor: User | None) -> Membership:
    if role not in Role.values:
        raise InvalidInput.one("role", _("角色无效。"))
    membership, _created = Membership.objects.get_or_create(
        user=user, organisation=organisation, role=role, defaults={"granted_by": actor}
    )
    if role == Role.CITY_ADMIN and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership


def membership_revoke(*, membership: Membership) -> None:
    membership.delete()
    if (
        not Membership.objects.filter(user=membership.user, role=Role.CITY_ADMIN).exists()
        and not membership.user.is_superuser
    ):
        User.objects.filter(pk=membership.user_id).update(is_staff=False)


def profile_update(
    *, user: User, name: str | None = None, outlet_id: int | None = None, party_member: bool | None = None
) -> User:
    """What a worker may change about themselves; enterprise and community go through check-in."""
    errors: list[FieldError] = []
    profile = WorkerProfile.objects.filter(user=user).first()
    if name is not None:
        name = name.strip()
        if not name or len(name) > 50:
            errors.append(FieldError("name", _("请填写真实姓名（不超过 50 个字）。")))
        elif _has_control_characters(name):
            errors.append(FieldError("name", _("姓名含有无效字符。")))
    outlet = None
    if outlet_id is not None:
        outlet = Outlet.objects.filter(pk=outlet_id).first()
        if outlet is None or profile is None or outlet.enterprise_id != profile.enterprise_id:
            errors.append(FieldError("outlet", _("所选网点不属于该企业。")))
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        if name is not None:
            user.name = name
            user.save(update_fields=["name"])
        if profile is not None and (outlet is not None or party_member is not None):
            fields = ["updated_at"]
            if outlet is not None:
                profile.outlet = outlet
                fields.append("outlet")
            if party_member is not None:
                profile.party_member = party_member
                fields.append("party_member")
            profile.save(update_fields=fields)
    return user
