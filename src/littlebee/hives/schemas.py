from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from ninja import Schema
from pydantic import ConfigDict

# For a field named `date` with a default: inside such a class, `date` is the default, not the type.
OptionalDate = date | None


class ServiceOut(Schema):
    code: str
    name: str
    is_base: bool


class UnitOut(Schema):
    id: int
    name: str


class HiveListItem(Schema):
    id: int
    name: str
    address: str
    lat: float
    lng: float
    distance_m: int
    open_now: bool
    closes_at: datetime | None
    opens_at: datetime | None
    opening_hours: dict[str, Any]
    services: list[ServiceOut]
    demonstration: bool
    managing_unit: UnitOut
    contact_phone: str


class HiveList(Schema):
    count: int
    items: list[HiveListItem]


class ExceptionOut(Schema):
    date: date
    closed: bool
    opens: time | None
    closes: time | None
    note: str


class AnnualItemOut(Schema):
    id: int
    title: str
    description: str
    date: date | None
    frequency: str


class AnnualItemCreatedOut(AnnualItemOut):
    year: int


class AnnualItemIn(Schema):
    """One item of a year's 年度服务项目清单: a date within the year, or a frequency, or both."""

    model_config = ConfigDict(extra="forbid")

    year: int
    title: str
    description: str = ""
    date: OptionalDate = None
    frequency: str = ""


class HivePhotoOut(Schema):
    id: int
    url: str
    caption: str


class EventRef(Schema):
    id: int
    title: str
    starts_at: datetime
    capacity: int
    registered_count: int
    waitlisted_count: int


class HiveDetailOut(Schema):
    id: int
    name: str
    address: str
    lat: float
    lng: float
    community: UnitOut
    managing_unit: UnitOut
    responsible_person: str
    contact_phone: str
    description: str
    demonstration: bool
    time_zone: str
    open_now: bool
    closes_at: datetime | None
    opens_at: datetime | None
    opening_hours: dict[str, Any]
    exceptions: list[ExceptionOut]
    services: list[ServiceOut]
    annual_items: list[AnnualItemOut]
    photos: list[HivePhotoOut]
    events: list[EventRef]


class HiveUpdateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    address: str | None = None
    lat: float | None = None
    lng: float | None = None
    responsible_person: str | None = None
    contact_phone: str | None = None
    description: str | None = None
    services: list[str] | None = None
    demonstration: bool | None = None
    is_active: bool | None = None
    time_zone: str | None = None


class HoursIn(Schema):
    """The weekly schedule: each day a list of [opens, closes] ("HH:MM"; closes <= opens runs past midnight)."""

    model_config = ConfigDict(extra="forbid")

    always_open: Any = False
    mon: Any = None
    tue: Any = None
    wed: Any = None
    thu: Any = None
    fri: Any = None
    sat: Any = None
    sun: Any = None


class HoursOut(Schema):
    opening_hours: dict[str, Any]


class ExceptionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    date: date
    closed: bool = True
    opens: time | None = None
    closes: time | None = None
    note: str = ""
