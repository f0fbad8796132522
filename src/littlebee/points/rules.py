"""Earning rules: which rule prices an award, and who may set one.

The city sets a default per source (and report category); a city rule may allow districts to
override it up to `district_max_points` (the seed: "各区灵活设置积分权限"). A district rule wins
inside its district; a rule for the exact category wins over the source's catch-all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import User
from littlebee.accounts.selectors import StaffAccess, administers_district, staff_access_of
from littlebee.core.errors import FieldError, InvalidInput, NotFound, PermissionDenied
from littlebee.orgs.models import Region, RegionLevel

from .models import EarningRule

# The report categories' names by code, in the reader's language, for naming a rule ("随手拍 ·
# 道路破损"): the reports app, above this one, names its reader when it starts (reports/apps.py).
_category_names: list[Callable[[], dict[str, str]]] = []


def category_names_reader_set(reader: Callable[[], dict[str, str]]) -> None:
    _category_names[:] = [reader]


def category_names() -> dict[str, str]:
    """Category names by code (one query), or none when no app has named its reader."""
    return _category_names[0]() if _category_names else {}


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


# --- Who may set which rule: the one rule ----------------------------------------------------
@dataclass(frozen=True)
class RuleEditor:
    """Which earning rules a person may set: a city admin every rule (the city's included); an
    admin of a district's party organisation (accounts.selectors.administers_district) that
    district's overrides; anyone else none. The rules pages, the admin and the service all ask it."""

    city: bool
    districts: tuple[Region, ...]

    @property
    def edits_any(self) -> bool:
        return self.city or bool(self.districts)

    def covers(self, district_id: int | None) -> bool:
        """May set a rule of this district (None: a city rule)."""
        if self.city:
            return True
        return district_id is not None and district_id in {d.pk for d in self.districts}

    def rules(self) -> QuerySet[EarningRule]:
        """The rules this person may edit."""
        if self.city:
            return EarningRule.objects.all()
        return EarningRule.objects.filter(district__in=[d.pk for d in self.districts])


def rule_editor_of(access: StaffAccess) -> RuleEditor:
    """The rule from the memberships already read for the console (no query of its own)."""
    return RuleEditor(
        city=access.city_admin,
        districts=tuple(m.organisation.region for m in access.memberships if administers_district(m)),
    )


def rule_editor(user: User) -> RuleEditor:
    return rule_editor_of(staff_access_of(user))


def rule_editor_required(access: StaffAccess) -> RuleEditor:
    """The editor for the rules pages; PermissionDenied (403) for someone who may set none."""
    editor = rule_editor_of(access)
    if not editor.edits_any:
        raise PermissionDenied(_("积分规则由市级管理员和区党组织管理员设置。"))
    return editor


def earning_rule_editable(editor: RuleEditor, rule_id: int) -> EarningRule:
    """A rule the editor may change; NotFound (404) for one they may not, as for none."""
    rule = editor.rules().filter(pk=rule_id).select_related("district").first()
    if rule is None:
        raise NotFound(_("找不到该积分规则，或您无权修改。"))
    return rule


def rule_check(*, actor: User, rule: EarningRule) -> None:
    """Who may save this rule, and whether its values are allowed (InvalidInput, PermissionDenied)."""
    errors: list[FieldError] = []
    if rule.points_min > rule.points_max:
        errors.append(FieldError("points_min", _("最低积分不能高于最高积分。")))
    if rule.active_from and rule.active_until and rule.active_from > rule.active_until:
        errors.append(FieldError("active_until", _("截止日期不能早于生效日期。")))
    editor = rule_editor(actor)
    if rule.district_id is None:
        if not editor.covers(None):
            raise PermissionDenied(_("只有市级管理员可以设置全市积分规则。"))
    else:
        if not editor.covers(rule.district_id):
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
