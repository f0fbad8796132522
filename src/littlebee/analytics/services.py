"""The statistics' writes: the scorecard's weights, and exports (exports.py builds the files)."""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from littlebee.accounts.models import User
from littlebee.core.background import background_run
from littlebee.core.digits import is_number
from littlebee.core.errors import InvalidInput, PermissionDenied

from .exports import Table, export_table
from .measures import SCORE_PARTS
from .models import Export, ExportFormat, ExportKind, ExportStatus, ScoreWeight
from .selectors import stats_scope_of

logger = logging.getLogger(__name__)

MAX_WEIGHT = 100


@transaction.atomic
def score_weights_set(*, weights: dict[str, str], actor: User) -> dict[str, int]:
    """The city's weights of the scorecard's parts (whole numbers 0–100, not all zero); other keys
    of `weights` are ignored. All or nothing: one bad value changes none."""
    parsed: dict[str, int] = {}
    for part in SCORE_PARTS:
        raw = str(weights.get(part.code, "")).strip()
        if not is_number(raw) or int(raw) > MAX_WEIGHT:
            raise InvalidInput.one(part.code, _("权重应为 0 到 100 之间的整数。"))
        parsed[part.code] = int(raw)
    if not any(parsed.values()):
        raise InvalidInput.one(SCORE_PARTS[0].code, _("至少一项权重应大于 0。"))
    for code, weight in parsed.items():
        ScoreWeight.objects.update_or_create(part=code, defaults={"weight": weight})
    return parsed


# --- Exports ----------------------------------------------------------------------------------
PROGRESS_EVERY = 500


def export_request(*, user: User, kind: str, fmt: str, params: dict[str, Any]) -> Export:
    """Ask for an export: the row is written now and the file built in the background (a Celery
    worker; without Redis this process's job threads, or right after the commit when
    ANALYTICS_EXPORT_INLINE). The scope is the requester's at build time."""
    if kind not in ExportKind.values:
        raise InvalidInput.one("kind", _("不支持的导出内容。"))
    if fmt not in ExportFormat.values:
        raise InvalidInput.one("format", _("不支持的文件格式。"))
    if stats_scope_of(user) is None:
        raise PermissionDenied(_("统计数据仅向工作人员开放。"))
    now = timezone.now()
    export = Export.objects.create(
        requested_by=user,
        kind=kind,
        format=fmt,
        params=params,
        created_at=now,
        expires_at=now + timedelta(days=settings.ANALYTICS_EXPORT_DAYS),
    )
    transaction.on_commit(lambda: _queue(export.pk))
    return export


def _queue(export_id: int) -> None:
    from .tasks import analytics_build_export

    if getattr(settings, "ANALYTICS_EXPORT_INLINE", False):
        export_build(export_id=export_id)
    elif settings.CELERY_TASK_ALWAYS_EAGER:
        background_run(("analytics.export", export_id), export_build_quietly, export_id)
    else:
        analytics_build_export.delay(export_id)


def export_build_quietly(export_id: int) -> None:
    export_build(export_id=export_id)


def _write_csv(table: Table, export: Export) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.header)
    for n, row in enumerate(table.rows, start=1):
        writer.writerow(row)
        if n % PROGRESS_EVERY == 0:
            Export.objects.filter(pk=export.pk).update(rows_done=n)
    # A byte-order mark, so that Excel opens the Chinese text as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _write_xlsx(table: Table, export: Export) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(ExportKind(export.kind).label)[:31])
    sheet.append(table.header)
    for n, row in enumerate(table.rows, start=1):
        sheet.append(row)
        if n % PROGRESS_EVERY == 0:
            Export.objects.filter(pk=export.pk).update(rows_done=n)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_build(*, export_id: int) -> Export | None:
    """Build an export's file, once: a queued export is claimed by a conditional update, so a job
    queued twice builds it once. Progress is counted in rows as they are written."""
    claimed = Export.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(status=ExportStatus.RUNNING)
    if not claimed:
        return None
    export = Export.objects.select_related("requested_by").get(pk=export_id)
    try:
        scope = stats_scope_of(export.requested_by)
        if scope is None:
            raise PermissionDenied(_("统计数据仅向工作人员开放。"))
        table = export_table(export.kind, scope, export.params)
        Export.objects.filter(pk=export.pk).update(rows_total=table.total)
        data = _write_xlsx(table, export) if export.format == ExportFormat.XLSX else _write_csv(table, export)
        stamp = timezone.localtime(export.created_at).strftime("%Y%m%d-%H%M")
        export.file.save(f"{export.kind}-{stamp}-{export.pk}.{export.format}", ContentFile(data), save=False)
        export.status, export.finished_at, export.rows_done = ExportStatus.DONE, timezone.now(), table.total
        export.rows_total = table.total
        export.save(update_fields=["file", "status", "finished_at", "rows_done", "rows_total"])
    except Exception as exc:
        logger.exception("export %s failed", export_id)
        Export.objects.filter(pk=export_id).update(
            status=ExportStatus.FAILED, error=str(exc)[:255], finished_at=timezone.now()
        )
    return Export.objects.get(pk=export_id)


def exports_expire(*, now: datetime | None = None) -> int:
    """Delete the files and rows of exports past their download week; returns how many."""
    now = now or timezone.now()
    done = 0
    for export in Export.objects.filter(expires_at__lte=now).iterator():
        if export.file:
            export.file.delete(save=False)
        export.delete()
        done += 1
    return done
