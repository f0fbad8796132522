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
from typing import Literal

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import Count, F, Max, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from littlebee.core.counted import Counted, counted_rows_changed
from littlebee.core.errors import Conflict, DomainError, FieldError, InvalidInput, NotFound, TooManyRequests
from littlebee.core.hot_cursor import hot_cursor
from littlebee.core.raw_rows import instance_from_row, loaded_instance
from littlebee.orgs.models import Organisation, OrgKind, Outlet, Region, RegionLevel

from . import hooks, selectors
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
    # The code sent to the phone for `register`: the worker proves the number is theirs.
    code: str = ""


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


def _signup_throttle(phone: str, ip: str, now: datetime) -> None:
    """A few sign-up attempts an hour per number and per client address, so codes cannot be
    guessed at scale nor numbers probed for being taken."""
    hour_ago = now - timedelta(hours=1)
    attempts = AuthAttempt.objects.filter(method="register", at__gt=hour_ago)
    limits = [(attempts.filter(phone=phone), settings.SIGNUP_ATTEMPTS_PER_PHONE_PER_HOUR)]
    if ip:
        limits.append((attempts.filter(ip=ip), settings.SIGNUP_ATTEMPTS_PER_IP_PER_HOUR))
    for found, limit in limits:
        limit = max(1, int(limit))
        times = list(found.order_by("-at").values_list("at", flat=True)[:limit])
        if len(times) >= limit:
            wait = max(1, math.ceil((times[-1] + timedelta(hours=1) - now).total_seconds()))
            raise TooManyRequests(_("注册尝试过于频繁，请稍后再试。"), retry_after=wait)


def worker_register(*, data: RegistrationInput, ip: str = "") -> User:
    """A worker signs up with a code sent to the phone and checks in with a community; both
    confirmations start pending.

    The form is checked before the code, so a typo does not use the code up; then the code
    (400 invalid_code), and only then whether the number is taken (409), which therefore only
    the phone's owner can learn.
    """
    phone, enterprise, community, outlet = _validate_registration(data)
    now = timezone.now()
    _signup_throttle(phone, ip, now)
    with transaction.atomic():
        code_ok = _code_consume(phone, SmsPurpose.REGISTER, data.code, now)
    _record_attempt(phone, ip, "register", succeeded=code_ok)
    if not code_ok:
        raise _invalid_code()
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
            counted_rows_changed(Counted.WORKER_PROFILE, profile)
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
        counted_rows_changed(Counted.WORKER_PROFILE, profile)
        event = ProfileEvent.objects.create(
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
        # The worker hears of it in the inbox (notifications fills this hook), before the points.
        for decided in hooks.profile_decided_hooks():
            decided(profile=profile, event=event)
        if decision is _CHECKIN and to_status == CheckinStatus.CONFIRMED:
            # The points for it (points fills this hook: accounts never names the apps above it).
            for hook in hooks.checkin_confirmed_hooks():
                hook(profile=profile, actor=actor, at=now)
    return profile


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
        counted_rows_changed(Counted.WORKER_PROFILE, profile)
        ProfileEvent.objects.create(
            profile=profile,
            action=ProfileEventAction.RESUBMITTED,
            actor=worker,
            actor_role="worker",
            from_status=from_status,
            to_status=CheckinStatus.PENDING,
        )
    return profile


class NotCheckedIn(Conflict):
    """409 not_checked_in: a worker whose community has not confirmed the check-in may look
    around but not take part (redeem gifts, register for events, claim tasks)."""

    def __init__(self, detail: str | Promise) -> None:
        super().__init__("not_checked_in", detail)


Participation = Literal["redeem", "event", "task"]

_PENDING_MESSAGES: dict[str, Promise] = {
    "redeem": _("你的社区报到尚未确认，确认后即可兑换礼品。请等待社区确认或到 我的 页面查看报到状态。"),
    "event": _("你的社区报到尚未确认，确认后即可报名活动。请等待社区确认或到 我的 页面查看报到状态。"),
    "task": _("你的社区报到尚未确认，确认后即可认领任务。请等待社区确认或到 我的 页面查看报到状态。"),
}
_REJECTED_MESSAGE = _("你的社区报到未通过。请到 我的 页面查看社区意见并重新提交报到，确认后即可参加。")


def worker_require_checked_in(user: User, *, doing: Participation = "redeem") -> None:
    """Refuse a worker whose check-in is not confirmed. A user without a worker profile
    (staff) passes: whatever they may or may not do is the calling service's rule."""
    status = WorkerProfile.objects.filter(user_id=user.pk).values_list("checkin_status", flat=True).first()
    if status is None or status == CheckinStatus.CONFIRMED:
        return
    if status == CheckinStatus.REJECTED:
        raise NotCheckedIn(_REJECTED_MESSAGE)
    raise NotCheckedIn(_PENDING_MESSAGES[doing])


def _actor_role(actor: User) -> str:
    if selectors.is_city_admin(actor):
        return Role.CITY_ADMIN
    membership = Membership.objects.filter(user=actor).order_by("role").first()
    return membership.role if membership else "worker"


# --- Login, slow-downs and one-time codes ---------------------------------------------------
INVALID_CREDENTIALS = _("手机号或密码不正确。")
INVALID_CODE = _("验证码不正确或已过期。")

# A phone's password failures count back this far, or to its last successful sign-in.
PHONE_FAILURE_WINDOW = timedelta(days=1)
# Failures of these count against a client address (sign-up has its own limits).
LOGIN_METHODS = ("password", "sms", "reset")


def _delay_after(failures: int, free: int) -> int:
    """Seconds to wait after the latest failure: none before `free` failures, then
    LOGIN_DELAY_SECONDS doubling with every further failure, at most LOGIN_LOCKOUT_SECONDS.
    A setting of 0 or below gives a working (if strict) answer: one try, then the waits."""
    over = failures - _free_tries(free)
    if over < 0:
        return 0
    base = max(1, int(settings.LOGIN_DELAY_SECONDS))
    cap = max(base, int(settings.LOGIN_LOCKOUT_SECONDS))
    return min(cap, base * 2 ** min(over, 20))


def _free_tries(setting: int) -> int:
    return max(1, int(setting))


def _wait_message(seconds: int, *, phone: bool) -> str:
    if phone:
        if seconds < 120:
            return gettext("密码错误次数较多，请 %(seconds)d 秒后再试，或改用短信验证码登录。") % {"seconds": seconds}
        return gettext("密码错误次数较多，请 %(minutes)d 分钟后再试，或改用短信验证码登录。") % {
            "minutes": math.ceil(seconds / 60)
        }
    if seconds < 120:
        return gettext("登录失败次数过多，请 %(seconds)d 秒后再试。") % {"seconds": seconds}
    return gettext("登录失败次数过多，请 %(minutes)d 分钟后再试。") % {"minutes": math.ceil(seconds / 60)}


def _phone_password_failures(phone: str, now: datetime) -> tuple[int, datetime | None]:
    """Wrong passwords for the phone since its last successful sign-in (by any method: a code
    proves the phone is in the right hands), and when the latest was."""
    since = now - PHONE_FAILURE_WINDOW
    last_success = (
        AuthAttempt.objects.filter(phone=phone, succeeded=True, at__gte=since)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    found = AuthAttempt.objects.filter(
        phone=phone, method="password", succeeded=False, at__gt=max(since, last_success or since)
    ).aggregate(count=Count("id"), latest=Max("at"))
    return found["count"], found["latest"]


def _phone_throttle(phone: str, now: datetime) -> None:
    """Past the free tries, each further password for the phone waits longer. Only password
    failures count, and they never stop code login: a stranger who knows the number can slow
    its password down, not lock its owner out."""
    failures, latest = _phone_password_failures(phone, now)
    delay = _delay_after(failures, settings.LOGIN_MAX_FAILURES)
    if delay and latest is not None:
        wait = math.ceil((latest + timedelta(seconds=delay) - now).total_seconds())
        if wait > 0:
            raise TooManyRequests(_wait_message(wait, phone=True), retry_after=wait)


def _address_throttle(ip: str, now: datetime) -> None:
    """One client address: past half the hard limit each failed login (any phone, any method)
    waits longer; at the hard limit it stops until its failures leave the window. Generous,
    because many workers share a carrier's address."""
    if not ip:
        return
    window = timedelta(seconds=max(1, int(settings.LOGIN_LOCKOUT_SECONDS)))
    hard = max(1, int(settings.LOGIN_MAX_FAILURES_PER_IP))
    failures = list(
        AuthAttempt.objects.filter(ip=ip, method__in=LOGIN_METHODS, succeeded=False, at__gt=now - window)
        .order_by("-at")
        .values_list("at", flat=True)[:hard]
    )
    if not failures:
        return
    if len(failures) >= hard:
        wait = math.ceil((failures[-1] + window - now).total_seconds())
    else:
        wait = math.ceil(
            (failures[0] + timedelta(seconds=_delay_after(len(failures), hard // 2)) - now).total_seconds()
        )
    if wait > 0:
        raise TooManyRequests(_wait_message(wait, phone=False), retry_after=wait)


def _record_attempt(phone: str, ip: str, method: str, succeeded: bool) -> None:
    AuthAttempt.objects.create(phone=phone, ip=ip, method=method, succeeded=succeeded)


def _wrong_password(phone: str, now: datetime) -> DomainError:
    """The 401 for a wrong password, saying how many tries are left before the slow-down."""
    failures, _latest = _phone_password_failures(phone, now)
    left = _free_tries(settings.LOGIN_MAX_FAILURES) - failures
    if left > 0:
        detail = ngettext(
            "手机号或密码不正确，还可以再试 %(count)d 次。",
            "手机号或密码不正确，还可以再试 %(count)d 次。",
            left,
        ) % {"count": left}
    else:
        wait = _delay_after(failures, settings.LOGIN_MAX_FAILURES)
        detail = gettext("手机号或密码不正确。下次尝试前需等待 %(seconds)d 秒，也可以改用短信验证码登录。") % {
            "seconds": wait
        }
    return DomainError("invalid_credentials", detail, status=401)


def login_with_password(*, phone: str, password: str, ip: str = "") -> User:
    phone = normalise_phone(phone)
    now = timezone.now()
    _address_throttle(ip, now)
    _phone_throttle(phone, now)
    user = authenticate(None, username=phone, password=password)
    if not isinstance(user, User) or not user.is_active:
        _record_attempt(phone, ip, "password", succeeded=False)
        raise _wrong_password(phone, now)
    _record_attempt(phone, ip, "password", succeeded=True)
    return user


def _hash_code(phone: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _code_message(purpose: str, code: str, minutes: int) -> str:
    values = {"code": code, "minutes": minutes}
    if purpose == SmsPurpose.REGISTER:
        return gettext("【小蜜蜂】您的注册验证码是 %(code)s，%(minutes)d 分钟内有效。请勿告诉他人。") % values
    if purpose == SmsPurpose.PASSWORD_RESET:
        return (
            gettext("【小蜜蜂】您正在找回密码，验证码是 %(code)s，%(minutes)d 分钟内有效。如非本人操作请忽略。")
            % values
        )
    return gettext("【小蜜蜂】您的登录验证码是 %(code)s，%(minutes)d 分钟内有效。请勿告诉他人。") % values


def sms_code_send(*, phone: str, ip: str = "", purpose: str = SmsPurpose.LOGIN) -> None:
    """Send a one-time code for signing in, signing up or resetting the password.

    The answer is the same whether the number is registered or not, so numbers cannot be
    probed: a login or reset code goes only to a registered number; a sign-up code goes to any
    number (its owner alone learns, by registering, that it is taken). The limits (one code a
    minute and a few a day per number, a few an hour per address) hold across purposes.
    """
    if purpose not in SmsPurpose.values:
        raise InvalidInput.one("purpose", _("验证码用途无效。"))
    phone = normalise_phone(phone)
    now = timezone.now()
    last = SmsCode.objects.filter(phone=phone).order_by("-created_at").values_list("created_at", flat=True).first()
    if last and (now - last).total_seconds() < settings.SMS_CODE_RESEND_SECONDS:
        wait = max(1, settings.SMS_CODE_RESEND_SECONDS - int((now - last).total_seconds()))
        raise TooManyRequests(
            gettext("验证码已发送，请 %(seconds)d 秒后再重新获取。") % {"seconds": wait}, retry_after=wait
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
        # A new code supersedes any earlier one for the same purpose still unused.
        SmsCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True, expires_at__gt=now).update(
            expires_at=now
        )
        SmsCode.objects.create(
            phone=phone,
            purpose=purpose,
            code_hash=_hash_code(phone, code),
            requested_ip=ip,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.SMS_CODE_TTL_SECONDS),
        )
        if purpose == SmsPurpose.REGISTER or User.objects.filter(phone=phone, is_active=True).exists():
            minutes = max(1, settings.SMS_CODE_TTL_SECONDS // 60)
            hooks.text_send_on_commit(phone=phone, message=_code_message(purpose, code, minutes))


def _code_consume(phone: str, purpose: str, code: str, now: datetime) -> bool:
    """Use up the phone's latest live code for the purpose if `code` is it. Every guess counts
    against the code's attempts, so a code cannot be guessed in more than a handful of tries."""
    code = (code or "").strip()
    sms = (
        SmsCode.objects.select_for_update()
        .filter(phone=phone, purpose=purpose, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at")
        .first()
    )
    if sms is None or not code:
        return False
    # Conditional update: the attempt counts even if two guesses race.
    counted = SmsCode.objects.filter(pk=sms.pk, attempts__lt=settings.SMS_CODE_MAX_ATTEMPTS).update(
        attempts=F("attempts") + 1
    )
    if not counted or not hmac.compare_digest(sms.code_hash, _hash_code(phone, code)):
        return False
    return bool(SmsCode.objects.filter(pk=sms.pk, used_at__isnull=True).update(used_at=now))


def login_with_code(*, phone: str, code: str, ip: str = "") -> User:
    """Sign in with a code. Only the address's failures can slow this down, never the phone's
    wrong passwords."""
    phone = normalise_phone(phone)
    now = timezone.now()
    _address_throttle(ip, now)
    with transaction.atomic():
        ok = _code_consume(phone, SmsPurpose.LOGIN, code, now)
        user = User.objects.filter(phone=phone, is_active=True).first() if ok else None
    if user is None:
        _record_attempt(phone, ip, "sms", succeeded=False)
        raise DomainError("invalid_credentials", INVALID_CODE, status=401)
    _record_attempt(phone, ip, "sms", succeeded=True)
    return user


def _invalid_code() -> DomainError:
    return DomainError("invalid_code", INVALID_CODE, status=400, errors=[FieldError("code", INVALID_CODE)])


def _check_new_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput.one("new_password", " ".join(str(m) for m in exc.messages)) from exc


def password_reset(*, phone: str, code: str, new_password: str, ip: str = "") -> User:
    """Set a new password with a code sent for `password_reset`. Every token and session of
    the account ends. A wrong code, or a number with no account, is the same 400 invalid_code."""
    phone = normalise_phone(phone)
    now = timezone.now()
    _address_throttle(ip, now)
    # Checked before the code is used up, so a weak password does not cost the worker a code.
    _check_new_password(new_password, User(phone=phone))
    with transaction.atomic():
        ok = _code_consume(phone, SmsPurpose.PASSWORD_RESET, code, now)
        user = User.objects.select_for_update().filter(phone=phone, is_active=True).first() if ok else None
        if user is not None:
            _check_new_password(new_password, user)
            user.set_password(new_password)
            user.save(update_fields=["password"])
            tokens_revoke_all(user=user)
    if user is None:
        _record_attempt(phone, ip, "reset", succeeded=False)
        raise _invalid_code()
    # A success also ends the phone's password slow-down: the owner has proved the phone.
    _record_attempt(phone, ip, "reset", succeeded=True)
    return user


def password_change(
    *, user: User, old_password: str, new_password: str, keep: ApiToken | None = None, ip: str = ""
) -> User:
    """The signed-in user changes their password. Every other token ends; `keep` (the token
    the request came with, if any) stays valid. Sessions end with the old password hash (the
    page keeps its own with update_session_auth_hash). Wrong old passwords count like wrong
    logins, so a stolen token cannot be used to guess the password."""
    now = timezone.now()
    _phone_throttle(user.phone, now)
    if not old_password or not user.check_password(old_password):
        _record_attempt(user.phone, ip, "password", succeeded=False)
        raise InvalidInput.one("old_password", _("原密码不正确。"))
    if new_password == old_password:
        raise InvalidInput.one("new_password", _("新密码不能与原密码相同。"))
    _check_new_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        others = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
        if keep is not None:
            others = others.exclude(pk=keep.pk)
            ApiToken.objects.filter(pk=keep.pk).update(credentials=user.credentials_stamp())
        others.update(revoked_at=now)
    return user


def user_deactivate(*, user: User, actor: User | None) -> User:
    """Close the door on an account: inactive, every token revoked, every session ended."""
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        sign_out_everywhere(user=user)
    logger.info("user %s deactivated by %s", user.pk, actor.pk if actor else "system")
    return user


def user_language_set(*, user: User, language: str) -> bool:
    """Remember the language the person chose (one of LANGUAGES), in which texts sent to them are
    written. Returns whether it was one of the site's languages (nothing changes otherwise)."""
    if language not in dict(settings.LANGUAGES):
        return False
    if user.language != language:
        user.language = language
        User.objects.filter(pk=user.pk).update(language=language)
    return True


def sign_out_everywhere(*, user: User) -> int:
    """Revoke every token and end every session of the user (including the caller's)."""
    with transaction.atomic():
        user.security_stamp = secrets.token_hex(16)
        user.save(update_fields=["security_stamp"])
        return tokens_revoke_all(user=user)


# --- API tokens -----------------------------------------------------------------------------
# A used token records its use at most this often: the hot path stays a single read.
TOKEN_TOUCH_SECONDS = 3600


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_issue(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    # The name often comes from a User-Agent header: keep printable characters only.
    name = "".join(c for c in name if c.isprintable())[:100]
    token = ApiToken.objects.create(
        user=user,
        key_hash=_token_hash(raw),
        prefix=raw[:10],
        name=name,
        last_used_at=timezone.now(),
        credentials=user.credentials_stamp(),
    )
    return token, raw


# Every API request runs this lookup. It is plain parameterised SQL built once per process from
# the models (quoted names only, "%s" placeholders): compiling the ORM query with its join cost
# more than running it. Only the statement is cached, never a user or a token, so a revoked
# token, a changed password or a closed account is refused at the very next request.
# Keyed by the ride's name ("" for the lookup alone).
_TOKEN_SQL: dict[str, str] = {}
# What a looked-up token carries loaded (the rest is deferred).
_TOKEN_LOADED = ("id", "user_id", "credentials")


def _token_sql(ride: selectors.TokenRide | None = None) -> str:
    key = ride.name if ride is not None else ""
    sql = _TOKEN_SQL.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        user_columns = ", ".join(f"u.{quote(f.column)}" for f in User._meta.concrete_fields)
        user_id = f"u.{quote('id')}"
        extra = "".join(f", {column}" for column in ride.columns(user_id)) if ride is not None else ""
        joins = "".join(f" {join}" for join in ride.joins(user_id)) if ride is not None else ""
        sql = _TOKEN_SQL[key] = (
            f"SELECT {user_columns}, t.{quote('id')} AS token_id, t.{quote('credentials')} AS token_credentials,"  # noqa: S608
            f" t.{quote('last_used_at')} < %s AS token_stale{extra}"
            f" FROM {quote(ApiToken._meta.db_table)} t JOIN {quote(User._meta.db_table)} u"
            f" ON u.{quote('id')} = t.{quote('user_id')}{joins}"
            f" WHERE t.{quote('key_hash')} = %s AND t.{quote('revoked_at')} IS NULL"
            f" AND u.{quote('is_active')} = %s AND t.{quote('last_used_at')} > %s"
        )
    return sql


def token_lookup(raw: str, ride: selectors.TokenRide | None = None) -> ApiToken | None:
    """The live token for a bearer secret, with its user, in one indexed query: not revoked,
    used within API_TOKEN_TTL_DAYS, its user active and its password unchanged since issue.
    The token comes with its id and credentials loaded (other fields load when read). With a
    `ride`, the same statement reads the ride's columns too: the token's `ride_values` (None
    without a ride)."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    now = timezone.now()
    ttl = timedelta(days=max(1, int(settings.API_TOKEN_TTL_DAYS)))
    # The thread's own connection, looked up once: every attribute read through the
    # django.db.connection proxy looks it up again in a thread-local (asgiref's Local, ~2 µs each),
    # and this function read four.
    conn = connections[DEFAULT_DB_ALIAS]
    adapt = conn.ops.adapt_datetimefield_value
    params = [adapt(now - timedelta(seconds=TOKEN_TOUCH_SECONDS)), _token_hash(raw), True, adapt(now - ttl)]
    with hot_cursor(conn) as cursor:
        cursor.execute(_token_sql(ride), params)
        row = cursor.fetchone()
    if row is None:
        return None
    # The user's columns converted as the ORM would (core.raw_rows: the converters are found once
    # per process; a RawQuerySet worked them out again per query, more than the rest cost).
    user = instance_from_row(User, row, DEFAULT_DB_ALIAS)
    width = len(User._meta.concrete_fields)
    token_id, token_credentials, token_stale = row[width : width + 3]
    if not hmac.compare_digest(token_credentials, user.credentials_stamp()):
        return None
    token = loaded_instance(ApiToken, DEFAULT_DB_ALIAS, _TOKEN_LOADED, (token_id, user.pk, token_credentials))
    # The relation's cache set directly: the descriptor's assignment asks the database routers
    # whether the two may be related (both rows were just read together, from one database).
    ApiToken.user.field.set_cached_value(token, user)
    token.ride_values = row[width + 3 :] if ride is not None else None  # type: ignore[attr-defined]
    # Sliding expiry without a write per request (which would also serialise SQLite).
    if token_stale:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def token_authenticate(raw: str) -> User | None:
    token = token_lookup(raw)
    return token.user if token is not None else None


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
    *,
    user: User,
    name: str | None = None,
    outlet_id: int | None = None,
    party_member: bool | None = None,
    language: str | None = None,
) -> User:
    """What a person may change about themselves (enterprise and community go through check-in),
    and the language the texts sent to them (SMS) are written in."""
    errors: list[FieldError] = []
    if language is not None:
        language = language.strip().lower()
        if language not in dict(settings.LANGUAGES):
            errors.append(
                FieldError(
                    "language",
                    _("不支持该语言，可选：%(choices)s。") % {"choices": ", ".join(dict(settings.LANGUAGES))},
                )
            )
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
        if language is not None:
            user_language_set(user=user, language=language)
        if profile is not None and (outlet is not None or party_member is not None):
            fields = ["updated_at"]
            if outlet is not None:
                profile.outlet = outlet
                fields.append("outlet")
            if party_member is not None:
                profile.party_member = party_member
                fields.append("party_member")
            profile.save(update_fields=fields)
            counted_rows_changed(Counted.WORKER_PROFILE, profile)
    return user
