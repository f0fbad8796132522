"""Earning rules: which rule prices an award, and who may set one.

The city sets a default per source (and report category); a city rule may allow districts to
override it up to `district_max_points` (the seed: "各区灵活设置积分权限"). A district rule wins
inside its district; a rule for the exact category wins over the source's catch-all.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import Role, User
from littlebee.accounts.selectors import is_city_admin, memberships_of
from littlebee.core.errors import FieldError, InvalidInput, PermissionDenied
from littlebee.orgs.models import OrgKind, Region, RegionLevel

from .models import EarningRule


def district_of(region: Region | None) -> Region | None:
    """The district a region lies in (itself if it is one), read from its materialised path."""
    if region is None:
        return None
    if region.level == RegionLevel.DISTRICT:
        return region
    codes = [code for code in region.path.split("/") if code]
    return Region.objects.filter(code__in=codes, level=RegionLevel.DISTRICT).first()


def worker_region(worker: User) -> Region | None:
    profile = getattr(worker, "worker_profile", None)
    return profile.community if profile is not None else None


def _active(on: datetime) -> Q:
    day = timezone.localdate(on)
    return (
        Q(is_active=True)
        & (Q(active_from__isnull=True) | Q(active_from__lte=day))
        & (Q(active_until__isnull=True) | Q(active_until__gte=day))
    )


def rule_for(*, source: str, category: str, region: Region | None, on: datetime) -> EarningRule | None:
    """The rule that prices an award of `source` (and category) at `region`, or None."""
    district = district_of(region)
    scope = Q(district__isnull=True) | (Q(district=district) if district is not None else Q(pk__in=[]))
    candidates = list(EarningRule.objects.filter(_active(on), scope, source=source, category__in=list({category, ""})))

    def pick(wanted: str) -> EarningRule | None:
        city = next((r for r in candidates if r.category == wanted and r.district_id is None), None)
        local = next((r for r in candidates if r.category == wanted and r.district_id is not None), None)
        cap = city.district_max_points if city is not None else None
        if local is not None and cap is not None and local.points_max <= cap:
            return local
        return city

    return pick(category) or (pick("") if category else None)


def points_for(rule: EarningRule, amount: int | None) -> int:
    """The points an award gives: the rule's fixed value, or the handler's pick within its range."""
    if not rule.is_ranged:
        if amount is not None and amount != rule.points_max:
            raise InvalidInput.one("points", _("该事项积分固定为 %(points)d 分。") % {"points": rule.points_max})
        return rule.points_max
    if amount is None or not rule.points_min <= amount <= rule.points_max:
        raise InvalidInput.one(
            "points",
            _("请在 %(low)d 到 %(high)d 分之间选择积分。") % {"low": rule.points_min, "high": rule.points_max},
        )
    return amount


def districts_administered_by(user: User) -> list[Region]:
    """Districts whose party organisation the user administers."""
    return [
        m.organisation.region
        for m in memberships_of(user)
        if m.role == Role.ADMIN
        and m.organisation.kind == OrgKind.PARTY_ORG
        and m.organisation.region.level == RegionLevel.DISTRICT
    ]


def rules_editable_by(user: User) -> Q:
    """City admins edit every rule; a district's admins that district's overrides."""
    if is_city_admin(user):
        return Q()
    districts = districts_administered_by(user)
    return Q(district__in=districts) if districts else Q(pk__in=[])


def rule_check(*, actor: User, rule: EarningRule) -> None:
    """Who may save this rule, and whether its values are allowed (InvalidInput, PermissionDenied)."""
    errors: list[FieldError] = []
    if rule.points_min > rule.points_max:
        errors.append(FieldError("points_min", _("最低积分不能高于最高积分。")))
    if rule.active_from and rule.active_until and rule.active_from > rule.active_until:
        errors.append(FieldError("active_until", _("截止日期不能早于生效日期。")))
    if rule.district_id is None:
        if not is_city_admin(actor):
            raise PermissionDenied(_("只有市级管理员可以设置全市积分规则。"))
    else:
        if not is_city_admin(actor) and rule.district_id not in {d.pk for d in districts_administered_by(actor)}:
            raise PermissionDenied(_("您只能设置本区的积分规则。"))
        if rule.district_max_points is not None:
            errors.append(FieldError("district_max_points", _("区级规则不能再向下授权。")))
        city = EarningRule.objects.filter(source=rule.source, category=rule.category, district__isnull=True).first()
        if city is None or city.district_max_points is None:
            errors.append(FieldError("district", _("全市规则不允许各区调整这项积分。")))
        elif rule.points_max > city.district_max_points:
            errors.append(
                FieldError(
                    "points_max",
                    _("本区最多可设 %(points)d 分。") % {"points": city.district_max_points},
                )
            )
    if errors:
        raise InvalidInput(errors)
