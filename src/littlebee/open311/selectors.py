"""Reads of the Open311 server: the services offered (public categories only), their
definitions, the public view of requests, and the partners' keys for the staff page.

What anyone may read is what the public map shows (reports.selectors.reports_public_map): a
public category, a case that is not confidential, open or resolved (never rejected or merged),
the point rounded to MAP_DECIMALS, and no word about who reported it. A report without a real
point (placed at a community's centre, or where an address named) has no lat/long: the spec
lets a request be located by its address, here its community's name.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Length, Replace
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from littlebee.cases.models import OPEN_STATUSES, CaseAction, CaseEvent, CaseStatus
from littlebee.core.errors import InvalidInput, NotFound
from littlebee.core.texts import in_language
from littlebee.hives.models import Hive
from littlebee.orgs.models import Region, RegionLevel
from littlebee.reports.models import APPROXIMATE_SOURCES, Report, ReportCategory, ReportPhoto, Sensitivity
from littlebee.reports.selectors import MAP_DECIMALS, public_status

from .models import ApiKey, Partner, PostedRequest, ServiceAttribute

# GeoReport v2: without dates, the last 90 days; never more than 1000 requests an answer.
DEFAULT_DAYS = 90
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
PUBLIC_CASE_STATUSES = sorted(OPEN_STATUSES | {CaseStatus.RESOLVED, CaseStatus.CLOSED})
SPEC_STATUSES = {"open": sorted(OPEN_STATUSES), "closed": [CaseStatus.RESOLVED, CaseStatus.CLOSED]}


# --- Services -----------------------------------------------------------------------------------
def services_offered() -> list[ReportCategory]:
    """Active public categories, each with its Open311 attributes prefetched: internal and
    confidential categories are never offered. Two queries."""
    return list(
        ReportCategory.objects.filter(is_active=True, sensitivity=Sensitivity.PUBLIC)
        .order_by("order", "code")
        .prefetch_related(Prefetch("open311_attributes", queryset=ServiceAttribute.objects.order_by("order", "code")))
    )


def service_offered(code: str) -> ReportCategory:
    """One offered service with its attributes; NotFound for any other code (an internal or
    confidential category is answered as if it did not exist)."""
    category = next((c for c in services_offered() if c.code == code), None)
    if category is None:
        raise NotFound(_("没有这项服务。"))
    return category


def service_attributes(category: ReportCategory) -> list[ServiceAttribute]:
    return list(category.open311_attributes.all())


# --- Requests -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PublicRequest:
    """A report as anyone may read it through Open311."""

    id: int
    status: str  # "open" / "closed"
    status_notes: str
    service_code: str
    service_name: str
    agency_responsible: str
    requested_at: datetime
    updated_at: datetime
    expected_at: datetime | None
    address: str  # the community's name: as coarse as the point
    lat: float
    lng: float
    media_url: str  # a path on this site, or the partner's URL as sent
    # The point is a community's centre or a place an address named (reports' APPROXIMATE_SOURCES),
    # not where the problem is: answered by its community's name alone, without lat/long.
    approximate: bool = False


@dataclass(frozen=True)
class RequestFilter:
    ids: tuple[int, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: tuple[str, ...] = ()  # "open", "closed"
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


def _public_rows() -> QuerySet[Report]:
    return Report.objects.filter(
        category__sensitivity=Sensitivity.PUBLIC,
        category__is_active=True,
        case__confidential=False,
        case__status__in=PUBLIC_CASE_STATUSES,
        case__lat__isnull=False,
        case__lng__isnull=False,
    )


_COLUMNS = (
    "case_id",
    "category__code",
    "category__name",
    "category__name_en",
    "case__status",
    "case__created_at",
    "case__updated_at",
    "case__resolve_due_at",
    "case__lat",
    "case__lng",
    "case__region__name",
    "case__organisation__name",
    "open311__media_url",
    "location_source",
)


def requests_public(f: RequestFilter) -> list[PublicRequest]:
    """The requests a filter selects, newest first, one page. With ids, only those ids (the
    spec: they override every other filter). Three queries: the page, the answers' notes and
    the photos."""
    rows = _public_rows()
    if f.ids:
        rows = rows.filter(pk__in=f.ids)
    else:
        end = f.end or timezone.now()
        start = f.start or end - timedelta(days=DEFAULT_DAYS)
        if start > end:
            raise InvalidInput.one("start_date", _("start_date 不能晚于 end_date。"))
        rows = rows.filter(case__created_at__gte=start, case__created_at__lte=end)
        if f.service_codes:
            rows = rows.filter(category__code__in=f.service_codes)
        if f.statuses:
            rows = rows.filter(case__status__in=[s for status in f.statuses for s in SPEC_STATUSES[status]])
    offset = (f.page - 1) * f.page_size
    values = list(rows.order_by("-case__created_at", "-case").values_list(*_COLUMNS)[offset : offset + f.page_size])
    return _public_requests(values)


def request_public(request_id: int) -> PublicRequest:
    found = _public_requests(list(_public_rows().filter(pk=request_id).values_list(*_COLUMNS)))
    if not found:
        raise NotFound(_("找不到该请求，或它不公开。"))
    return found[0]


def _public_requests(values: list[tuple[Any, ...]]) -> list[PublicRequest]:
    ids = [row[0] for row in values]
    notes = _resolution_notes(ids)
    photos = _first_photos(ids)
    found = []
    for (
        pk,
        code,
        name,
        name_en,
        case_status,
        created,
        updated,
        due,
        lat,
        lng,
        area,
        org,
        media_url,
        source,
    ) in values:
        spec_status = "open" if public_status(case_status) == "open" else "closed"
        found.append(
            PublicRequest(
                id=pk,
                status=spec_status,
                status_notes=notes.get(pk, "") if spec_status == "closed" else "",
                service_code=code,
                service_name=in_language(name, name_en),
                agency_responsible=org or "",
                requested_at=created,
                updated_at=updated,
                expected_at=due if spec_status == "open" else None,
                address=area or "",
                lat=round(lat, MAP_DECIMALS),
                lng=round(lng, MAP_DECIMALS),
                media_url=photos.get(pk) or media_url or "",
                approximate=source in APPROXIMATE_SOURCES,
            )
        )
    return found


def _resolution_notes(case_ids: list[int]) -> dict[int, str]:
    """The public outcome: the note of each case's latest answer (the resolve step), in the
    reader's language. What passed between the office and the reporter is never read."""
    if not case_ids:
        return {}
    notes: dict[int, str] = {}
    events = CaseEvent.objects.filter(case_id__in=case_ids, action=CaseAction.RESOLVE).order_by("at", "id")
    for event in events.only("case_id", "note", "data"):
        notes[event.case_id] = event.shown_note  # the latest wins
    return notes


def _first_photos(report_ids: list[int]) -> dict[int, str]:
    """Each report's first ready photo, as a path on this site (the photo view serves photos
    of public reports to anyone)."""
    if not report_ids:
        return {}
    photos: dict[int, str] = {}
    rows = ReportPhoto.objects.filter(report_id__in=report_ids).order_by("id")
    for photo in rows.only("id", "report_id", "image", "status"):
        if photo.report_id not in photos and photo.image_url:
            photos[photo.report_id] = photo.image_url
    return photos


def request_of_token(token: str) -> PostedRequest:
    posted = PostedRequest.objects.filter(token=token).only("report_id", "token").first()
    if posted is None:
        raise NotFound(_("找不到该令牌。"))
    return posted


# --- Where an address names ------------------------------------------------------------------
# A station's address must be at least this long to be matched inside a longer text, or to
# contain the text sent ("中山路" alone names no place; "中山路100号" does).
MIN_ADDRESS_MATCH = 6


@dataclass(frozen=True)
class NamedPlace:
    """A place an address_string names, found without a geocoder: a station (its own point), a
    community or a street (its centre). `community_id` routes it when known (a community)."""

    kind: str  # "station" / "community" / "street"
    name: str
    lat: float
    lng: float
    community_id: int | None = None


def _squeezed(text: str) -> str:
    """The text without blanks and with full-width digits and letters made half-width, as
    addresses are compared: "中山路 100 号" and "中山路１００号" are the same."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _unblanked(field: str) -> Any:
    return Replace(Replace(F(field), Value(" "), Value("")), Value("\u3000"), Value(""))


def place_named_in(address: str) -> NamedPlace | None:
    """The most precise known place the address names, with no outside geocoder: an active
    station whose name or address it contains (or whose address contains it), else the community
    whose name it contains, else the street (街道). The longest name wins within a kind. At most
    three queries; None when it names none of them (a district alone is not a place to send)."""
    text = _squeezed(address)[:200]
    if len(text) < 2:
        return None
    station_match = Q(text__contains=F("name_squeezed"), name_length__gte=2) | Q(
        address_length__gte=MIN_ADDRESS_MATCH, text__contains=F("address_squeezed")
    )
    if len(text) >= MIN_ADDRESS_MATCH:
        station_match |= Q(address_squeezed__contains=text)
    station = (
        Hive.objects.filter(is_active=True)
        .alias(
            text=Value(text),
            name_squeezed=_unblanked("name"),
            name_length=Length("name"),
            address_squeezed=_unblanked("address"),
            address_length=Length("address"),
        )
        .filter(station_match)
        .order_by(Length("name").desc(), "id")
        .values_list("name", "lat", "lng", "community_id")
        .first()
    )
    if station is not None:
        name, lat, lng, community_id = station
        return NamedPlace("station", name, lat, lng, community_id)
    for level in (RegionLevel.COMMUNITY, RegionLevel.STREET):
        region = (
            Region.objects.filter(level=level)
            .alias(text=Value(text), name_squeezed=_unblanked("name"), name_length=Length("name"))
            .filter(text__contains=F("name_squeezed"), name_length__gte=2)
            .order_by(Length("name").desc(), "id")
            .values_list("pk", "name", "lat", "lng")
            .first()
        )
        if region is not None:
            pk, name, lat, lng = region
            return NamedPlace(level, name, lat, lng, pk if level == RegionLevel.COMMUNITY else None)
    return None


# --- Partners and keys ------------------------------------------------------------------------
def partners_with_keys() -> list[Partner]:
    """Every partner with its organisation and keys (newest first), for the city admin's page."""
    return list(
        Partner.objects.select_related("organisation")
        .prefetch_related(Prefetch("keys", queryset=ApiKey.objects.order_by("-created_at", "-id")))
        .order_by("name")
    )


def partner_named(name: str) -> Partner | None:
    return Partner.objects.filter(name=name).select_related("organisation").first()
