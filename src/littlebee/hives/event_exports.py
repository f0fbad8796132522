"""An event's attendance list as CSV (UTF-8 with BOM, so Excel opens Chinese) and as Excel."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from littlebee.accounts.models import User
from littlebee.accounts.phones import mask_phone

from .models import Event
from .selectors import events as event_selectors

# A cell starting with one of these is a formula to a spreadsheet: a worker's name must never be.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AttendanceRow:
    registration_id: int
    name: str
    phone: str
    worker_type: str
    enterprise: str
    status: str
    status_label: str
    registered_at: datetime
    checked_in_at: datetime | None


def _local(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def attendance_rows(event: Event, viewer: User) -> list[AttendanceRow]:
    """Staff of the organiser or host station see full phone numbers; anyone else allowed here
    (a city admin looking in) sees them masked."""
    full_phone = event_selectors.is_event_organiser_staff(viewer, event)
    rows = []
    for reg in event_selectors.attendance_list(event):
        profile = getattr(reg.worker, "worker_profile", None)
        rows.append(
            AttendanceRow(
                registration_id=reg.pk,
                name=reg.worker.name,
                phone=reg.worker.phone if full_phone else mask_phone(reg.worker.phone),
                worker_type=profile.get_worker_type_display() if profile else "",
                enterprise=(profile.enterprise.short_name or profile.enterprise.name)
                if profile and profile.enterprise
                else "",
                status=reg.status,
                status_label=str(reg.get_status_display()),
                registered_at=reg.created_at,
                checked_in_at=reg.checked_in_at,
            )
        )
    return rows


def _header() -> list[str]:
    return [_("姓名"), _("手机号"), _("从业类型"), _("所属企业"), _("状态"), _("报名时间"), _("签到时间")]


def _safe(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def _cells(row: AttendanceRow) -> list[str]:
    return [
        _safe(row.name),
        row.phone,
        row.worker_type,
        _safe(row.enterprise),
        row.status_label,
        _local(row.registered_at),
        _local(row.checked_in_at),
    ]


def attendance_csv(rows: list[AttendanceRow]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_header())
    for row in rows:
        writer.writerow(_cells(row))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def attendance_xlsx(rows: list[AttendanceRow]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("签到名单")
    sheet.append(_header())
    for row in rows:
        sheet.append(_cells(row))
    for column, width in zip("ABCDEFG", (14, 14, 12, 16, 10, 18, 18), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_filename(event: Event, ext: str) -> str:
    return f"event-{event.pk}-attendance.{ext}"
