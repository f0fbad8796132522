"""Writes for 蜂巢 stations: the service catalogue, station details, hours, exceptions, annual items, photos."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import date, time
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import User
from littlebee.core.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied
from littlebee.core.geo import valid_lat_lng
from littlebee.orgs.models import Organisation, Region, RegionLevel

from .. import hours, photo_images, selectors
from ..models import AnnualServiceItem, Hive, HivePhoto, OpeningException, OpeningInterval, Service

# code, name, icon, base
CATALOGUE = (
    ("shelter", "避暑取暖", "Shelter from heat and cold", "sun-snow", True),
    ("rest_charging", "休息充电", "Rest and phone charging", "battery-charging", True),
    ("water_meals", "饮水就餐", "Drinking water and meals", "cup", True),
    ("reading", "阅读学习", "Reading and study", "book", True),
    ("emergency_repair", "应急维修", "Emergency repair", "tools", True),
    ("child_care", "儿童托管", "Child care", "child", False),
    ("clinic", "健康诊所", "Health clinic", "heart-pulse", False),
    ("discounts", "周边优惠", "Nearby discounts", "ticket", False),
    ("canteen", "爱心食堂", "Community canteen", "bowl", False),
)
# Mainland mobile, landline with area code (extension allowed), or a 400/800 service number.
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|[48]00-?\d{3}-?\d{4})$")
KEEPER_FIELDS = frozenset(
    {"name", "address", "lat", "lng", "responsible_person", "contact_phone", "description", "services"}
)
ADMIN_FIELDS = KEEPER_FIELDS | {"demonstration", "is_active", "time_zone"}
_TEXT_LIMITS = {"name": 120, "address": 255, "responsible_person": 50, "description": 2000}
MAX_PHOTOS = 9
CAPTION_MAX = 120
ANNUAL_TITLE_MAX = 120
ANNUAL_DESCRIPTION_MAX = 255
ANNUAL_FREQUENCY_MAX = 60
MAX_ANNUAL_ITEMS_PER_YEAR = 50


def service_catalogue_ensure() -> list[Service]:
    """The base catalogue, created or left as it is (names edited in the admin are kept). Idempotent."""
    services = []
    for order, (code, name, name_en, icon, is_base) in enumerate(CATALOGUE):
        service, _created = Service.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "icon": icon, "is_base": is_base, "order": order}
        )
        services.append(service)
    return services


def _services_from_codes(codes: Any) -> list[Service]:
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise InvalidInput.one("services", _("服务项目应为编码列表。"))
    found = {s.code: s for s in Service.objects.filter(code__in=codes)}
    unknown = sorted(set(codes) - set(found))
    if unknown:
        raise InvalidInput.one("services", _("未知的服务项目：%(codes)s") % {"codes": "、".join(unknown)})
    return [found[c] for c in dict.fromkeys(codes)]


def _validate_fields(fields: dict[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    for name, limit in _TEXT_LIMITS.items():
        if name in fields:
            value = fields[name]
            if not isinstance(value, str) or len(value) > limit or "\x00" in value:
                errors.append(FieldError(name, _("内容过长或格式不正确。")))
            elif name in ("name", "address") and not value.strip():
                errors.append(FieldError(name, _("此项为必填项。")))
    if "lat" in fields or "lng" in fields:
        lat, lng = fields.get("lat"), fields.get("lng")
        if not (isinstance(lat, int | float) and isinstance(lng, int | float) and valid_lat_lng(lat, lng)):
            errors.append(FieldError("lat", _("坐标无效：纬度应在 -90 到 90 之间，经度在 -180 到 180 之间。")))
    if "contact_phone" in fields:
        phone = fields["contact_phone"]
        if not isinstance(phone, str) or (phone and not PHONE_RE.match(phone)):
            errors.append(FieldError("contact_phone", _("请输入有效的电话号码，如 13800000000 或 027-88886666。")))
    for flag in ("demonstration", "is_active"):
        if flag in fields and not isinstance(fields[flag], bool):
            errors.append(FieldError(flag, _("请输入 true 或 false。")))
    zone_name = fields.get("time_zone")
    if "time_zone" in fields and not (isinstance(zone_name, str) and hours.valid_time_zone(zone_name)):
        errors.append(FieldError("time_zone", _("未知的时区。")))
    return errors


@transaction.atomic
def hive_create(
    *,
    actor: User,
    name: str,
    address: str,
    lat: float,
    lng: float,
    community: Region,
    managing_unit: Organisation,
    services: Sequence[str] = (),
    **fields: Any,
) -> Hive:
    """A new station; only an administrator of the community's region (or a city admin) may add one."""
    data = {"name": name, "address": address, "lat": lat, "lng": lng, **fields}
    unknown = set(fields) - ADMIN_FIELDS
    errors = [FieldError(f, _("该项的值无效。")) for f in sorted(unknown)] + _validate_fields(data)
    if community.level != RegionLevel.COMMUNITY:
        errors.append(FieldError("community", _("请选择一个社区。")))
    if errors:
        raise InvalidInput(errors)
    probe = Hive(community=community)
    if not selectors.hive_administered_by(actor, probe):
        raise PermissionDenied()
    service_rows = _services_from_codes(list(services)) if services else service_catalogue_ensure()[:5]
    hive = Hive.objects.create(community=community, managing_unit=managing_unit, **data)
    hive.services.set(service_rows)
    return hive


def hive_editable_fields(*, actor: User, hive: Hive) -> frozenset[str]:
    """The fields hive_update accepts from this actor for this station (a form shows only these)."""
    return ADMIN_FIELDS if selectors.hive_administered_by(actor, hive) else KEEPER_FIELDS


@transaction.atomic
def hive_update(*, hive_id: int, actor: User, **fields: Any) -> Hive:
    """Change a station's details. Keepers edit their own station's details; admins also its flags."""
    hive = selectors.hive_managed(actor, hive_id)
    allowed = hive_editable_fields(actor=actor, hive=hive)
    refused = set(fields) - allowed
    if refused & ADMIN_FIELDS:
        raise PermissionDenied(_("只有管理员可以修改示范驿站、启用状态和时区。"))
    if refused:
        raise InvalidInput([FieldError(f, _("该项的值无效。")) for f in sorted(refused)])
    if ("lat" in fields) != ("lng" in fields):
        fields.setdefault("lat", hive.lat)
        fields.setdefault("lng", hive.lng)
    errors = _validate_fields(fields)
    if errors:
        raise InvalidInput(errors)
    services = _services_from_codes(fields.pop("services")) if "services" in fields else None
    for name, value in fields.items():
        setattr(hive, name, value.strip() if isinstance(value, str) and name != "description" else value)
    if fields:
        hive.save(update_fields=[*fields, "updated_at"])
    if services is not None:
        hive.services.set(services)
    return hive


@transaction.atomic
def hive_set_schedule(*, hive_id: int, actor: User, schedule: Any) -> Hive:
    """Replace the weekly schedule (and the 24-hour flag) with a validated structured schedule."""
    hive = selectors.hive_managed(actor, hive_id)
    parsed = hours.schedule_parse(schedule)
    hive = Hive.objects.select_for_update().get(pk=hive.pk)
    OpeningInterval.objects.filter(hive=hive).delete()
    OpeningInterval.objects.bulk_create(
        OpeningInterval(hive=hive, weekday=i.weekday, opens=i.opens, closes=i.closes) for i in parsed.intervals
    )
    if hive.always_open != parsed.always_open:
        hive.always_open = parsed.always_open
        hive.save(update_fields=["always_open", "updated_at"])
    return hive


@transaction.atomic
def hive_add_exception(
    *,
    hive_id: int,
    actor: User,
    on: date,
    closed: bool = True,
    opens: time | None = None,
    closes: time | None = None,
    note: str = "",
    today: date | None = None,
) -> OpeningException:
    """Close a station for a day, or give it special hours that day. One exception per day: a new one replaces it."""
    hive = selectors.hive_managed(actor, hive_id)
    errors: list[FieldError] = []
    if today is not None and on < today:
        errors.append(FieldError("date", _("不能为过去的日期设置例外。")))
    if not closed:
        if opens is None:
            errors.append(FieldError("opens", _("此项为必填项。")))
        if closes is None:
            errors.append(FieldError("closes", _("此项为必填项。")))
        if opens is not None and opens == closes:
            errors.append(FieldError("closes", _("开门和关门时间不能相同（全天开放请选择 24 小时）。")))
    if len(note) > 120 or "\x00" in note:
        errors.append(FieldError("note", _("内容过长或格式不正确。")))
    if errors:
        raise InvalidInput(errors)
    exception, _created = OpeningException.objects.update_or_create(
        hive=hive,
        date=on,
        defaults={
            "closed": closed,
            "opens": None if closed else opens,
            "closes": None if closed else closes,
            "note": note.strip(),
        },
    )
    return exception


@transaction.atomic
def hive_remove_exception(*, hive_id: int, actor: User, exception_id: int) -> OpeningException:
    """Remove one dated exception: the weekly schedule applies again that day. NotFound if the actor
    does not manage the station or the exception is not the station's. Returns the removed row."""
    hive = selectors.hive_managed(actor, hive_id)
    exception = OpeningException.objects.select_for_update().filter(hive=hive, pk=exception_id).first()
    if exception is None:
        raise NotFound()
    exception.delete()
    return exception


def _text_error(value: Any, limit: int) -> bool:
    return not isinstance(value, str) or len(value) > limit or "\x00" in value


def _annual_item_errors(
    prefix: str, *, year: int, title: Any, description: Any, on: Any, frequency: Any
) -> list[FieldError]:
    """What is wrong with one item of a year's 年度服务项目清单 (fields named `prefix` + name)."""
    errors: list[FieldError] = []
    if _text_error(title, ANNUAL_TITLE_MAX):
        errors.append(FieldError(f"{prefix}title", _("项目名称不能超过 120 个字。")))
    elif not title.strip():
        errors.append(FieldError(f"{prefix}title", _("此项为必填项。")))
    if _text_error(description, ANNUAL_DESCRIPTION_MAX):
        errors.append(FieldError(f"{prefix}description", _("说明不能超过 255 个字。")))
    if _text_error(frequency, ANNUAL_FREQUENCY_MAX):
        errors.append(FieldError(f"{prefix}frequency", _("频次不能超过 60 个字。")))
    if on is not None and (not isinstance(on, date) or on.year != year):
        errors.append(FieldError(f"{prefix}date", _("日期应在该年度内。")))
    elif on is None and isinstance(frequency, str) and not frequency.strip():
        errors.append(FieldError(f"{prefix}frequency", _("请填写日期或频次。")))
    return errors


@transaction.atomic
def annual_items_set(
    *, hive_id: int, actor: User, year: int, items: Sequence[dict[str, Any]]
) -> list[AnnualServiceItem]:
    """Replace a year's 年度服务项目清单 with `items` ({title, description?, date?, frequency?}), in order."""
    hive = selectors.hive_managed(actor, hive_id)
    errors: list[FieldError] = []
    if not 2000 <= year <= 2100:
        errors.append(FieldError("year", _("年度无效。")))
    rows = []
    for index, item in enumerate(items):
        title, description = item.get("title", ""), item.get("description", "")
        item_date, frequency = item.get("date"), item.get("frequency", "")
        errors.extend(
            _annual_item_errors(
                f"items.{index}.", year=year, title=title, description=description, on=item_date, frequency=frequency
            )
        )
        rows.append(
            AnnualServiceItem(
                hive=hive,
                year=year,
                title=str(title).strip(),
                description=str(description).strip(),
                date=item_date,
                frequency=str(frequency).strip(),
                order=index,
            )
        )
    if errors:
        raise InvalidInput(errors)
    AnnualServiceItem.objects.filter(hive=hive, year=year).delete()
    return AnnualServiceItem.objects.bulk_create(rows)


def annual_years(today: date) -> tuple[int, int, int]:
    """The years a station's keepers may edit the list of: last year, this year and next year."""
    return today.year - 1, today.year, today.year + 1


@transaction.atomic
def hive_add_annual_item(
    *,
    hive_id: int,
    actor: User,
    year: int,
    title: str,
    description: str = "",
    on: date | None = None,
    frequency: str = "",
    today: date | None = None,
) -> AnnualServiceItem:
    """Add one item to a year's 年度服务项目清单, after the year's other items. The year is last,
    this or next year (by the station's own calendar, or `today`); the item has a date within
    that year, or a frequency ("每月一次"), or both. NotFound if the actor does not manage the station."""
    hive = selectors.hive_managed(actor, hive_id)
    today = today or timezone.localtime(timezone.now(), hours.zone(hive.time_zone)).date()
    errors: list[FieldError] = []
    first, _this, last = annual_years(today)
    if not isinstance(year, int) or isinstance(year, bool) or not first <= year <= last:
        errors.append(FieldError("year", _("年度应为 %(first)d 至 %(last)d 年之间。") % {"first": first, "last": last}))
    else:
        errors.extend(
            _annual_item_errors("", year=year, title=title, description=description, on=on, frequency=frequency)
        )
    if errors:
        raise InvalidInput(errors)
    # The station's row lock keeps the order and the count right when two keepers add at once.
    Hive.objects.select_for_update().filter(pk=hive.pk).first()
    items = AnnualServiceItem.objects.filter(hive=hive, year=year)
    if items.count() >= MAX_ANNUAL_ITEMS_PER_YEAR:
        raise Conflict(
            "limit_reached",
            _("每个年度最多 %(max)d 个服务项目，请先删除不再提供的项目。") % {"max": MAX_ANNUAL_ITEMS_PER_YEAR},
        )
    last_order = items.aggregate(last=Max("order"))["last"]
    return AnnualServiceItem.objects.create(
        hive=hive,
        year=year,
        title=title.strip(),
        description=description.strip(),
        date=on,
        frequency=frequency.strip(),
        order=0 if last_order is None else last_order + 1,
    )


@transaction.atomic
def hive_remove_annual_item(*, hive_id: int, item_id: int, actor: User) -> AnnualServiceItem:
    """Remove one item of the station's 年度服务项目清单. NotFound if the actor does not manage the
    station or the item is not the station's. Returns the removed row."""
    hive = selectors.hive_managed(actor, hive_id)
    item = AnnualServiceItem.objects.select_for_update().filter(hive=hive, pk=item_id).first()
    if item is None:
        raise NotFound()
    item.delete()
    return item


def _photo_limit_reached() -> Conflict:
    return Conflict("limit_reached", _("每个驿站最多 %(max)d 张照片，请先删除一张再上传。") % {"max": MAX_PHOTOS})


def hive_add_photo(*, hive_id: int, actor: User, upload: IO[bytes] | Any | None, caption: str = "") -> HivePhoto:
    """Add a photo to a station, after its others; at most MAX_PHOTOS a station.

    The upload must be a JPEG, PNG or WebP image (by its content) of at most 10 MB and 40 Mpx;
    what is stored is a re-encoding without metadata (photo_images.photo_prepare), under a random
    name. InvalidInput (field "photo" or "caption"), PayloadTooLarge (413), Conflict
    `limit_reached`, or NotFound if the actor does not manage the station."""
    hive = selectors.hive_managed(actor, hive_id)
    if upload is None:
        raise InvalidInput.one("photo", _("请选择一张照片。"))
    if _text_error(caption, CAPTION_MAX):
        raise InvalidInput.one("caption", _("照片说明不能超过 120 个字。"))
    if HivePhoto.objects.filter(hive=hive).count() >= MAX_PHOTOS:
        raise _photo_limit_reached()
    # Decoding and re-encoding take a moment: done before the transaction, holding no lock.
    prepared = photo_images.photo_prepare(upload)
    with transaction.atomic():
        Hive.objects.select_for_update().filter(pk=hive.pk).first()
        photos = HivePhoto.objects.filter(hive=hive)
        if photos.count() >= MAX_PHOTOS:
            raise _photo_limit_reached()
        last_order = photos.aggregate(last=Max("order"))["last"]
        photo = HivePhoto(hive=hive, caption=caption.strip(), order=0 if last_order is None else last_order + 1)
        photo.image.save(f"{uuid.uuid4().hex}.{prepared.extension}", ContentFile(prepared.content), save=False)
        try:
            photo.save()
        except Exception:
            photo.image.delete(save=False)
            raise
    return photo


@transaction.atomic
def hive_remove_photo(*, hive_id: int, photo_id: int, actor: User) -> HivePhoto:
    """Remove one of a station's photos; its file is deleted once the removal is committed.
    NotFound if the actor does not manage the station or the photo is not the station's."""
    hive = selectors.hive_managed(actor, hive_id)
    photo = HivePhoto.objects.select_for_update().filter(hive=hive, pk=photo_id).first()
    if photo is None:
        raise NotFound()
    name, storage = photo.image.name, photo.image.storage
    photo.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
    return photo
