"""随手拍 intake: report categories, reports (each one a cases.Case of kind "report") and their photos.

The case carries status, the organisation holding it, the handler and the timeline, and also
where and when the problem was reported (lat, lng, the community as its region, urgent,
created_at): those are read from `report.case`, never copied here. The report carries the rest
of what the worker sent. Points for a category are the points app's EarningRule for source
"report" and the category's code, not a column here.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from littlebee.cases.models import Case
from littlebee.core.texts import in_language


class Sensitivity(models.TextChoices):
    PUBLIC = "public", _("公开")  # may appear on the public map
    INTERNAL = "internal", _("内部")  # staff only
    CONFIDENTIAL = "confidential", _("保密")  # only the receiving office (and the reporter)


class ReportCategory(models.Model):
    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    # The English name (core.texts): blank shows the Chinese one under English too.
    name_en = models.CharField(_("英文名称"), max_length=60, blank=True)
    sensitivity = models.CharField(
        _("敏感程度"), max_length=16, choices=Sensitivity.choices, default=Sensitivity.PUBLIC
    )
    icon = models.CharField(_("图标"), max_length=40, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("随手拍类别")
        verbose_name_plural = _("随手拍类别")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(sensitivity__in=Sensitivity.values), name="reportcategory_sensitivity"),
        ]

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        """The name in the reader's language."""
        return in_language(self.name, self.name_en)


class LocationSource(models.TextChoices):
    DEVICE = "device", _("手机定位")
    PHOTO = "photo", _("照片位置")
    MAP = "map", _("地图选点")
    # Neither the phone, the map nor the photo gave a point: the worker chose the street and
    # community, and the point is that community's centre. Approximate; routed by the community.
    COMMUNITY = "community", _("所选社区（大致位置）")
    # Only an address came (an Open311 partner's address_string), naming a known place: a
    # station, a community or a street. The point is that place's; approximate too.
    ADDRESS = "address", _("按地址估算（大致位置）")


# Where the point is not where the problem is: the public map and Open311 do not show it as one.
APPROXIMATE_SOURCES = (LocationSource.COMMUNITY, LocationSource.ADDRESS)
# What a client may say of a point it sends itself; the others are the server's to derive.
CLIENT_SOURCES = (LocationSource.DEVICE, LocationSource.MAP, LocationSource.PHOTO)


class Report(models.Model):
    # The report's id is its case's id.
    case = models.OneToOneField(Case, primary_key=True, on_delete=models.CASCADE, related_name="report")
    category = models.ForeignKey(ReportCategory, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("描述"), blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    # Where the point came from: a point read from the photo is not checked against that photo.
    location_source = models.CharField(
        _("位置来源"), max_length=12, choices=LocationSource.choices, default=LocationSource.DEVICE
    )

    class Meta:
        verbose_name = _("随手拍")
        verbose_name_plural = _("随手拍")
        # The report's id is its case's, given in submission order; lists that show dates order
        # by case__created_at themselves.
        ordering = ["-case"]
        constraints = [
            models.CheckConstraint(
                condition=Q(location_source__in=LocationSource.values), name="report_location_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category_id}"

    @property
    def location_approximate(self) -> bool:
        """The point is a chosen community's centre, or the place an address named, not where
        the problem is."""
        return self.location_source in APPROXIMATE_SOURCES


class PhotoStatus(models.TextChoices):
    PROCESSING = "processing", _("处理中")
    READY = "ready", _("已就绪")
    FAILED = "failed", _("处理失败")


class ReportPhoto(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    # The upload as sent, kept only until processed (it may carry the worker's location). Never
    # served: /media/ serves only public folders (core.views.media_serve).
    original = models.FileField(upload_to="reports/originals/%Y/%m/", blank=True)
    image = models.FileField(upload_to="reports/photos/%Y/%m/", blank=True)
    thumbnail = models.FileField(upload_to="reports/thumbs/%Y/%m/", blank=True)
    status = models.CharField(max_length=16, choices=PhotoStatus.choices, default=PhotoStatus.PROCESSING)
    # Indexed with the time (Meta.indexes), not alone: the flags look for the oldest other photo
    # with the same bytes or hash.
    content_sha256 = models.CharField(max_length=64, blank=True)
    phash = models.CharField(max_length=16, blank=True)
    exif_lat = models.FloatField(null=True, blank=True)
    exif_lng = models.FloatField(null=True, blank=True)
    exif_taken_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    # When processing was last handed to the queue, and how many times: a photo still processing
    # long after is queued again by the sweep (services.report_photos_sweep), up to a limit.
    queued_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("随手拍照片")
        verbose_name_plural = _("随手拍照片")
        ordering = ["id"]
        indexes = [
            # The near-duplicate scan reads the most recent photos (flags.py).
            models.Index(fields=["-created_at"], name="reportphoto_recent_idx"),
            # The oldest other photo with the same bytes, or the same perceptual hash (flags.py),
            # read in the order of the index and stopping at the first: with the value alone
            # indexed, every photo carrying it was fetched and sorted for each processed photo (a
            # picture sent again and again: 6 ms of PostgreSQL per photo at 4,900 copies).
            models.Index(fields=["content_sha256", "created_at", "id"], name="reportphoto_sha256_idx"),
            models.Index(fields=["phash", "created_at", "id"], name="reportphoto_phash_idx"),
            # The sweep's rows: photos still holding their original (processing, or left over).
            models.Index(fields=["status", "queued_at"], condition=~Q(original=""), name="reportphoto_original_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PhotoStatus.values), name="reportphoto_status_valid"),
        ]

    def __str__(self) -> str:
        return f"photo {self.pk} of report {self.report_id}"

    # Served through an authorised view (views_files.py), never at its /media/ path: a photo of a
    # confidential report must reach only the people who may see the report.
    @property
    def image_url(self) -> str:
        return photo_urls(self.report_id, self.pk, self.status, self.image.name, self.thumbnail.name)[0]

    @property
    def thumbnail_url(self) -> str:
        return photo_urls(self.report_id, self.pk, self.status, self.image.name, self.thumbnail.name)[1]


def photo_urls(
    report_id: int,
    photo_id: int,
    status: str,
    image: str | None,
    thumbnail: str | None,
    parts: PhotoUrlParts | None = None,
) -> tuple[str, str]:
    """A photo's (image, thumbnail) URLs from its columns ("" while it is not ready): the one rule
    for ReportPhoto.image_url and thumbnail_url and for lists that read the columns only. Without
    a thumbnail of its own, the thumbnail is the image. A list gives `parts` (photo_url_parts(),
    asked once for its photos)."""
    if status != PhotoStatus.READY or not (image or thumbnail):
        return "", ""
    if parts is None:
        parts = photo_url_parts()
    url = _photo_url(parts, report_id, photo_id, "image") if image else ""
    return url, _photo_url(parts, report_id, photo_id, "thumb") if thumbnail else url


# reverse() walks the resolver for every URL (40-300 us under load): a worker's list of reports
# (GET /reports?mine=true) names two per photo, dozens per page. Each variant's URL is reversed
# once per script prefix, URL conf and language (what reverse() reads besides its arguments) with
# stand-in ids, and a URL is the ids put in the stand-ins' places: the text reverse() gives.
_STAND_IN_REPORT, _STAND_IN_PHOTO = 7_919_130_001, 7_919_130_002
_VARIANTS = ("image", "thumb")
PhotoUrlParts = dict[str, tuple[str, str, str] | None]
_PHOTO_URL_PARTS: dict[tuple[str, Any, str | None], PhotoUrlParts] = {}


def photo_url_parts() -> PhotoUrlParts:
    """What photo_urls makes the URLs of, for the current script prefix, URL conf and language."""
    key = (get_script_prefix(), get_urlconf(), get_language())
    parts = _PHOTO_URL_PARTS.get(key)
    if parts is None:
        parts = _PHOTO_URL_PARTS[key] = {variant: _around_stand_ins(variant) for variant in _VARIANTS}
    return parts


def _photo_url(parts: PhotoUrlParts, report_id: int, photo_id: int, variant: str) -> str:
    around = parts[variant]
    if around is None or type(report_id) is not int or type(photo_id) is not int or report_id < 0 or photo_id < 0:
        return reverse("report-photo-file", args=[report_id, photo_id, variant])
    head, middle, tail = around
    return f"{head}{report_id}{middle}{photo_id}{tail}"


def _around_stand_ins(variant: str) -> tuple[str, str, str] | None:
    """The variant's reversed URL around the two stand-in ids; None where they do not appear once
    each, in order (reverse() is then asked every time)."""
    url = reverse("report-photo-file", args=[_STAND_IN_REPORT, _STAND_IN_PHOTO, variant])
    report, photo = str(_STAND_IN_REPORT), str(_STAND_IN_PHOTO)
    if url.count(report) != 1 or url.count(photo) != 1:
        return None
    head, _, rest = url.partition(report)
    middle, found, tail = rest.partition(photo)
    return (head, middle, tail) if found else None


class FlagKind(models.TextChoices):
    PHOTO_REUSED = "photo_reused", _("照片与其他反映重复")
    PHOTO_SIMILAR = "photo_similar", _("照片与其他反映高度相似")
    PHOTO_OLD = "photo_old", _("照片拍摄时间与提交时间相差较大")
    PHOTO_FAR = "photo_far", _("照片拍摄地点与反映地点相距较远")
    BURST = "burst", _("短时间内多次提交")


class ReportFlag(models.Model):
    """A reason for the handler to look twice at a report. Flags inform; they never award or take
    points, and never change the case's state on their own."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(_("类型"), max_length=16, choices=FlagKind.choices)
    photo = models.ForeignKey(ReportPhoto, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    other_report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The Chinese text as computed; detail_text rebuilds it from `data` in the reader's language.
    detail = models.CharField(_("说明"), max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("随手拍疑点")
        verbose_name_plural = _("随手拍疑点")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=FlagKind.values), name="reportflag_kind_valid"),
            # A report-level flag (burst) has no photo: NULLs are distinct, so it needs its own rule.
            models.UniqueConstraint(
                fields=["report", "kind", "photo"], condition=Q(photo__isnull=False), name="reportflag_one_per_photo"
            ),
            models.UniqueConstraint(
                fields=["report", "kind"], condition=Q(photo__isnull=True), name="reportflag_one_per_report"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on report {self.report_id}"

    @property
    def label(self) -> str:
        return str(self.get_kind_display())

    @property
    def detail_text(self) -> str:
        """The detail in the active language, e.g. "相距 3.2 公里" / "3.2 km apart"."""
        from .flags import flag_detail_text

        return flag_detail_text(self.kind, self.data) or self.detail
