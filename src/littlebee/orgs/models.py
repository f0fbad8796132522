"""Regions (city > district > street > community) and the organisations that act in them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from littlebee.core.models import TimeStampedModel


class RegionLevel(models.TextChoices):
    CITY = "city", _("市")
    DISTRICT = "district", _("区")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")


LEVEL_DEPTH = {RegionLevel.CITY: 0, RegionLevel.DISTRICT: 1, RegionLevel.STREET: 2, RegionLevel.COMMUNITY: 3}


class Region(TimeStampedModel):
    code = models.CharField(_("区划代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of codes ("4201/420106/…/") so a whole subtree is one indexed prefix query.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    lat = models.FloatField(_("中心纬度"))
    lng = models.FloatField(_("中心经度"))
    boundary = models.JSONField(_("边界 (GeoJSON)"), null=True, blank=True)
    # Bounding box of the boundary: an indexed pre-filter before the exact polygon test.
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    min_lng = models.FloatField(null=True, blank=True, editable=False)
    max_lng = models.FloatField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["level", "min_lat", "max_lat"], name="region_bbox_idx"),
            models.Index(fields=["parent", "name"], name="region_parent_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level=RegionLevel.CITY) | Q(parent__isnull=False),
                name="region_parent_required_below_city",
            ),
            models.CheckConstraint(
                condition=Q(lat__gte=-90, lat__lte=90, lng__gte=-180, lng__lte=180),
                name="region_centroid_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def full_name(self) -> str:
        """Name with its ancestors below the city, e.g. 武昌区 黄鹤楼街道 西厂口社区."""
        names = []
        region: Region | None = self
        while region is not None and region.level != RegionLevel.CITY:
            names.append(region.name)
            region = region.parent
        return " ".join(reversed(names))


class OrgKind(models.TextChoices):
    PARTY_ORG = "party_org", _("党组织")
    DEPARTMENT = "department", _("职能部门")
    INDUSTRY_COMMITTEE = "industry_committee", _("行业党委")
    ENTERPRISE = "enterprise", _("企业")
    ENTERPRISE_PARTY_ORG = "enterprise_party_org", _("企业党组织")
    REGULATOR = "regulator", _("行业主管部门")
    ALLIANCE_UNIT = "alliance_unit", _("暖新联盟单位")


class Industry(models.TextChoices):
    EXPRESS = "express", _("快递")
    FOOD_DELIVERY = "food_delivery", _("外卖")
    RIDE_HAILING = "ride_hailing", _("网约车")


class DepartmentType(models.TextChoices):
    TRAFFIC_POLICE = "traffic_police", _("交警")
    URBAN_MANAGEMENT = "urban_management", _("城管")
    PUBLIC_SECURITY = "public_security", _("公安")
    MARKET_REGULATION = "market_regulation", _("市场监管")
    TRANSPORT = "transport", _("交通运输")
    HUMAN_RESOURCES = "human_resources", _("人社")
    EMERGENCY = "emergency", _("应急管理")
    WATER = "water", _("水务")
    HOUSING = "housing", _("住房")
    POSTAL = "postal", _("邮政管理")
    COMMERCE = "commerce", _("商务")


class Organisation(TimeStampedModel):
    code = models.SlugField(_("编码"), max_length=64, unique=True)
    kind = models.CharField(_("类型"), max_length=32, choices=OrgKind.choices, db_index=True)
    name = models.CharField(_("名称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=60, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("所属/服务区域"), on_delete=models.PROTECT, related_name="organisations"
    )
    # The escalation chain: a case this organisation does not handle in time goes to its parent.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    industry = models.CharField(_("行业"), max_length=32, choices=Industry.choices, blank=True)
    department_type = models.CharField(_("部门类别"), max_length=32, choices=DepartmentType.choices, blank=True)
    # For an enterprise party organisation: the enterprise it belongs to.
    enterprise = models.ForeignKey(
        "self",
        verbose_name=_("所属企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_orgs",
        limit_choices_to={"kind": OrgKind.ENTERPRISE},
    )
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["kind", "name"]
        indexes = [models.Index(fields=["kind", "industry"], name="org_kind_industry_idx")]
        constraints = [
            # One party organisation per region: it is the region's receiving office.
            models.UniqueConstraint(
                fields=["region"], condition=Q(kind="party_org"), name="org_one_party_org_per_region"
            ),
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(kind="enterprise_party_org"),
                name="org_one_party_org_per_enterprise",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["enterprise", "enterprise_party_org", "industry_committee"]) | ~Q(industry=""),
                name="org_industry_required",
            ),
            models.CheckConstraint(
                condition=~Q(kind="department") | ~Q(department_type=""), name="org_department_type_required"
            ),
            models.CheckConstraint(
                condition=~Q(kind="enterprise_party_org") | Q(enterprise__isnull=False),
                name="org_enterprise_party_org_has_enterprise",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class Outlet(TimeStampedModel):
    """A branch or delivery outlet of an enterprise (e.g. 顺丰 东西湖汉西分部 > 东吴网点)."""

    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("企业"),
        on_delete=models.CASCADE,
        related_name="outlets",
        limit_choices_to={"kind": OrgKind.ENTERPRISE},
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级网点"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    name = models.CharField(_("名称"), max_length=200)
    region = models.ForeignKey(
        Region,
        verbose_name=_("所在区域"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outlets",
    )
    address = models.CharField(_("地址"), max_length=255, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("网点")
        verbose_name_plural = _("网点")
        ordering = ["enterprise", "name"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "parent", "name"], name="outlet_unique_name"),
        ]

    def __str__(self) -> str:
        if self.parent_id is not None and self.parent is not None:
            return f"{self.parent.name} {self.name}"
        return self.name
