"""Writes of the Open311 server: partners, their API keys (issued hashed and shown once,
revoked, counted against a daily quota) and a request posted by a partner, filed as a report
through reports.services.report_submit (the same checks, photo handling and routing as a
worker's report from the app)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import EmploymentStatus, WorkerProfile
from littlebee.accounts.phones import normalise_phone
from littlebee.core.errors import FieldError, InvalidInput, NotFound, PermissionDenied, TooManyRequests
from littlebee.orgs.models import Organisation
from littlebee.reports import services as report_services
from littlebee.reports.models import LocationSource

from .models import LIST_DATATYPES, ApiKey, ApiKeyUsage, Datatype, Partner, PostedRequest, ServiceAttribute
from .selectors import place_named_in, service_attributes, service_offered

if TYPE_CHECKING:
    from littlebee.accounts.models import User

KEY_PREFIX = "o311_"
DEFAULT_DAILY_QUOTA = 1000
MAX_DAILY_QUOTA = 1_000_000
MAX_RATE_LIMIT = 100_000
# The lengths PostedRequest keeps of what a client says about the person and device.
FIELD_LIMITS = {"email": 254, "device_id": 100, "account_id": 100, "first_name": 50, "last_name": 50}


# --- Partners ---------------------------------------------------------------------------------
def partner_create(*, name: str, organisation: Organisation, actor: User | None) -> Partner:
    """A partner and the account its unattributed reports are filed under. That account has no
    password and a phone that is not a phone number ("P" and ten digits), so nobody signs in
    as it and no registration can take its number."""
    name = (name or "").strip()
    if not name or len(name) > 100 or not name.isprintable():
        raise InvalidInput.one("name", _("请填写合作方名称（100 字以内）。"))
    if Partner.objects.filter(name=name).exists():
        raise InvalidInput.one("name", _("已有同名的合作方。"))
    now = timezone.now()
    with transaction.atomic():
        users = get_user_model().objects
        for _attempt in range(5):
            phone = "P" + "".join(secrets.choice("0123456789") for _ in range(10))
            if not users.filter(phone=phone).exists():
                break
        user = users.create_user(phone=phone, name=name[:50])
        return Partner.objects.create(name=name, organisation=organisation, user=user, created_at=now)


# --- Keys -------------------------------------------------------------------------------------
def _key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_key_issue(
    *,
    partner: Partner,
    actor: User | None,
    daily_quota: int = DEFAULT_DAILY_QUOTA,
    rate_limit: int | None = None,
) -> tuple[ApiKey, str]:
    """A new key for the partner and its secret, which is not kept: show it once. `rate_limit`:
    the posts it may make within OPEN311_KEY_RATE_LIMIT_MINUTES (None: the setting's count)."""
    if not 1 <= daily_quota <= MAX_DAILY_QUOTA:
        raise InvalidInput.one("daily_quota", _("每日限额应在 1 到 1000000 之间。"))
    if rate_limit is not None and not 1 <= rate_limit <= MAX_RATE_LIMIT:
        raise InvalidInput.one("rate_limit", _("短时限额应在 1 到 100000 之间。"))
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        partner=partner,
        key_hash=_key_hash(raw),
        prefix=raw[:10],
        daily_quota=daily_quota,
        rate_limit=rate_limit,
        created_at=timezone.now(),
        created_by=actor,
    )
    return key, raw


def api_key_revoke(*, key_id: int, actor: User) -> ApiKey:
    """Revoke a key (from the next request on). Revoking a revoked key changes nothing."""
    key = ApiKey.objects.filter(pk=key_id).first()
    if key is None:
        raise NotFound()
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def _refused_key() -> PermissionDenied:
    return PermissionDenied(_("api_key 无效或已被吊销。"))


def api_key_check(raw: str) -> ApiKey:
    """The live key for a secret, with its partner; PermissionDenied (403) otherwise."""
    if not raw or len(raw) > 200 or not raw.startswith(KEY_PREFIX):
        raise _refused_key()
    digest = _key_hash(raw)
    key = ApiKey.objects.filter(key_hash=digest, revoked_at__isnull=True).select_related("partner").first()
    if key is None or not hmac.compare_digest(key.key_hash, digest):
        raise _refused_key()
    return key


def _quota_take(key: ApiKey, now: datetime) -> None:
    """Count one post against the key's quota for today, or refuse (429). In the caller's
    transaction: a post refused later gives its count back with the rollback."""
    day = timezone.localdate(now)
    try:
        with transaction.atomic():
            ApiKeyUsage.objects.get_or_create(key=key, day=day)
    except IntegrityError:
        pass  # created by a post at the same moment
    taken = ApiKeyUsage.objects.filter(key=key, day=day, count__lt=key.daily_quota).update(count=F("count") + 1)
    if not taken:
        raise TooManyRequests(
            _("该 api_key 今日的提交已达上限（%(n)d 条），请明天再试。") % {"n": key.daily_quota}, retry_after=3600
        )
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)


def _rate_take(key: ApiKey, now: datetime) -> None:
    """429 when the key already posted its rate limit (ApiKey.posts_per_window) within the last
    OPEN311_KEY_RATE_LIMIT_MINUTES: the partner's own limit, however many couriers it files for
    (report_submit's limit is one worker's). Counted with the key's row locked, in the caller's
    transaction, so two posts at once cannot both be the last one allowed."""
    limit = key.posts_per_window
    minutes = settings.OPEN311_KEY_RATE_LIMIT_MINUTES
    ApiKey.objects.select_for_update().filter(pk=key.pk).values_list("pk").first()
    recent = list(
        PostedRequest.objects.filter(key=key, created_at__gt=now - timedelta(minutes=minutes), created_at__lte=now)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(recent) >= limit:
        wait = (recent[limit - 1] + timedelta(minutes=minutes) - now).total_seconds()
        raise TooManyRequests(
            _("该 api_key 提交过于频繁：%(minutes)d 分钟内最多 %(count)d 条，请稍后再试。")
            % {"minutes": minutes, "count": limit},
            retry_after=max(1, math.ceil(wait)),
        )


# --- Posting a request ------------------------------------------------------------------------
@dataclass
class PostedFields:
    """A POST requests body as the spec names its fields (the view has read the form)."""

    service_code: str = ""
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    description: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    media_url: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)


def _float(value: str, name: str, errors: list[FieldError]) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not math.isfinite(number):
        errors.append(FieldError(name, _("%(name)s 应为数字。") % {"name": name}))
        return None
    return number


def public_http_url(url: str, errors: list[FieldError]) -> str:
    """An http(s) URL to a public host. It is never fetched here; a client reading it from us
    must not be pointed at a private address either."""
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        parts, host = None, ""
    if parts is None or parts.scheme not in ("http", "https") or not host or len(url) > 500:
        errors.append(FieldError("media_url", _("media_url 应为 http 或 https 地址。")))
        return ""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    private_name = host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan", ".home.arpa"))
    if private_name or (address is not None and not address.is_global):
        errors.append(FieldError("media_url", _("media_url 不能指向内部地址。")))
        return ""
    return url


def _attributes_check(
    attributes: list[ServiceAttribute], given: dict[str, list[str]], errors: list[FieldError]
) -> dict[str, Any]:
    """The attribute values a service definition accepts: required ones present, list values
    among its keys, numbers and datetimes readable. Unknown codes are refused too."""
    known = {a.code: a for a in attributes}
    for code in given:
        if code not in known:
            errors.append(FieldError(f"attribute[{code}]", _("没有这个属性。")))
    accepted: dict[str, Any] = {}
    for attribute in attributes:
        values = [v for v in given.get(attribute.code, []) if v.strip()]
        name = f"attribute[{attribute.code}]"
        if any(_has_control(v.replace("\n", "").replace("\r", "").replace("\t", "")) for v in values):
            # A NUL would reach the stored answers, which PostgreSQL cannot hold.
            errors.append(FieldError(name, _("%(name)s 过长或含有无效字符。") % {"name": name}))
            continue
        if not values:
            if attribute.required:
                errors.append(FieldError(name, _("此项必填。")))
            continue
        if attribute.datatype != Datatype.MULTI and len(values) > 1:
            errors.append(FieldError(name, _("此项只能有一个值。")))
            continue
        if attribute.datatype in LIST_DATATYPES:
            keys = attribute.value_keys()
            if any(v not in keys for v in values):
                errors.append(FieldError(name, _("请从给定的选项中选择。")))
                continue
            accepted[attribute.code] = values if attribute.datatype == Datatype.MULTI else values[0]
        elif attribute.datatype == Datatype.NUMBER:
            if _float(values[0], name, errors) is not None:
                accepted[attribute.code] = values[0]
        elif attribute.datatype == Datatype.DATETIME:
            if _datetime_or_none(values[0]) is None:
                errors.append(FieldError(name, _("日期时间格式无效。")))
            else:
                accepted[attribute.code] = values[0]
        elif len(values[0]) > 500:
            errors.append(FieldError(name, _("最多 500 字。")))
        else:
            accepted[attribute.code] = values[0]
    return accepted


def _has_control(text: str) -> bool:
    return any(unicodedata.category(c) == "Cc" for c in text)


def _datetime_or_none(value: str) -> datetime | None:
    try:
        return parse_datetime(value.strip())
    except ValueError:
        return None


def _attribute_lines(attributes: list[ServiceAttribute], accepted: dict[str, Any]) -> str:
    """The answers as lines under the description, so the handler reads them with it."""
    lines = []
    for attribute in attributes:
        if attribute.code not in accepted:
            continue
        value = accepted[attribute.code]
        chosen = value if isinstance(value, list) else [value]
        if attribute.datatype in LIST_DATATYPES:
            names = {str(v.get("key")): str(v.get("name", v.get("key"))) for v in attribute.values}
            chosen = [names.get(v, v) for v in chosen]
        lines.append(f"{attribute.description}：{'、'.join(chosen)}")
    return "\n".join(lines)


def _reporter_for(partner: Partner, phone: str) -> tuple[User, bool]:
    """The registered worker of the partner's enterprise with this phone, else the partner's
    own account; and whether it is the worker."""
    if phone:
        try:
            number = normalise_phone(phone)
        except InvalidInput:
            number = ""
        profile = (
            WorkerProfile.objects.filter(
                user__phone=number, user__is_active=True, enterprise_id=partner.organisation_id
            )
            .exclude(employment_status=EmploymentStatus.REJECTED)
            .select_related("user")
            .first()
            if number
            else None
        )
        if profile is not None:
            return profile.user, True
    return partner.user, False


def request_post(*, key: ApiKey, fields: PostedFields, media: list[Any] | None = None) -> PostedRequest:
    """A partner's request, filed as a report. Every field checked before anything is stored
    (InvalidInput listing each bad field, NotFound for a service not offered); the report then
    goes through reports.services.report_submit, and the key's rate limit and daily quota are
    counted in the same transaction (TooManyRequests beyond either). Nothing is stored when
    anything is refused."""
    now = timezone.now()
    errors: list[FieldError] = []
    if not fields.service_code:
        raise InvalidInput.one("service_code", _("请提供 service_code。"))
    category = service_offered(fields.service_code)
    attributes = service_attributes(category)
    accepted = _attributes_check(attributes, fields.attributes, errors)
    lat = _float(fields.lat, "lat", errors)
    lng = _float(fields.long, "long", errors)
    if (lat is None) != (lng is None) and not any(e.field in ("lat", "long") for e in errors):
        errors.append(FieldError("lat", _("lat 和 long 须同时提供。")))
    community_id: int | None = None
    source = LocationSource.DEVICE
    # A line break or tab from another system's form is a blank; any other control character
    # (NUL, which PostgreSQL cannot store) refuses the text before it reaches a query.
    address = " ".join(fields.address_string.split())
    description = fields.description.strip()
    for name, text, limit in (("address_string", address, 200), ("description", description, 2000)):
        if len(text) > limit or _has_control(text.replace("\n", "").replace("\r", "").replace("\t", "")):
            errors.append(FieldError(name, _("%(name)s 过长或含有无效字符。") % {"name": name}))
    if any(e.field == "address_string" for e in errors):
        address = ""
    if lat is None and lng is None and not any(e.field in ("lat", "long", "address_string") for e in errors):
        # No geocoder: the address must name a place this city knows. A station is placed at its
        # own point, a street at its centre (routed by the community there), a community at its
        # centre and routed to it; all marked approximate.
        place = place_named_in(address) if address else None
        if not address:
            errors.append(FieldError("lat", _("请提供 lat 和 long，或 address_string。")))
        elif place is None:
            errors.append(
                FieldError(
                    "address_string",
                    _("无法识别该地址：请在地址中写明所在的蜂巢驿站、社区或街道名称，或提供 lat 和 long。"),
                )
            )
        elif place.community_id is not None and place.kind == "community":
            community_id, source = place.community_id, LocationSource.COMMUNITY
        else:
            lat, lng, source = place.lat, place.lng, LocationSource.ADDRESS
    media_url = public_http_url(fields.media_url.strip(), errors)
    for name, limit in FIELD_LIMITS.items():
        value = getattr(fields, name)
        if len(value) > limit or not value.isprintable():
            errors.append(FieldError(name, _("%(name)s 过长或含有无效字符。") % {"name": name}))
    if errors:
        raise InvalidInput(errors)
    extra = _attribute_lines(attributes, accepted)
    if extra:
        description = f"{description}\n{extra}" if description else extra
    reporter, by_worker = _reporter_for(key.partner, fields.phone.strip())
    with transaction.atomic():
        _rate_take(key, now)
        _quota_take(key, now)
        try:
            report = report_services.report_submit(
                reporter=reporter,
                category_code=category.code,
                description=description,
                lat=lat,
                lng=lng,
                address=address[:200],
                photos=list(media or []),
                location_source=source,
                community_id=community_id,
                at=now,
                # The partner's own account files for many couriers: the key's limit holds it
                # (_rate_take), not one worker's; a courier named by phone keeps theirs.
                reporter_limits=by_worker,
            )
        except InvalidInput as exc:
            # The report's own field names, in the spec's words.
            renamed = {"category": "service_code", "lng": "long", "photos": "media", "address": "address_string"}
            raise InvalidInput([FieldError(renamed.get(e.field, e.field), e.detail) for e in exc.errors]) from exc
        return PostedRequest.objects.create(
            report=report,
            partner=key.partner,
            key=key,
            token=secrets.token_hex(16),
            attributed_to_worker=by_worker,
            device_id=fields.device_id,
            account_id=fields.account_id,
            email=fields.email,
            first_name=fields.first_name,
            last_name=fields.last_name,
            media_url=media_url,
            attributes=accepted,
            created_at=now,
        )
