"""The baseline of the A/B harness: a bare Django project in one file (settings, URLs, views), the
least a correct server can do for each kind of request the product answers. bench/ab/run.py serves
it with the same gunicorn settings as the product, on its own PostgreSQL database whose tables
baseline_db.py creates.

    GET  /read                     one indexed SELECT: the caller by the hash of its bearer token
    POST /upload                   multipart: the caller, one small file stored, one row inserted
    POST /redeem/<gift_id>         the caller, then in one transaction: the conditional stock
                                   UPDATE, the voucher INSERT, the ledger INSERT

Every endpoint authenticates the way the product does (Authorization: Bearer, SHA-256 of the
token looked up through a unique index) and answers JSON; a missing or unknown token is a 401.

Environment: AB_BASELINE_DATABASE_URL (postgres://user@host:port/name), AB_BASELINE_MEDIA_DIR.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import uuid
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings


def _database(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        # The product's settings for a DATABASE_URL: persistent connections, checked before reuse,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        # and, as the product's, parameters bound and statements prepared by the server.
        "OPTIONS": {"server_side_binding": True, "prepare_threshold": 2},
    }


settings.configure(
    DEBUG=False,
    SECRET_KEY=secrets.token_urlsafe(50),
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[],
    MIDDLEWARE=[],
    DATABASES={"default": _database(os.environ["AB_BASELINE_DATABASE_URL"])},
    USE_TZ=True,
    TIME_ZONE="Asia/Shanghai",
    DATA_UPLOAD_MAX_MEMORY_SIZE=10 * 1024 * 1024,
    MEDIA_ROOT=os.environ["AB_BASELINE_MEDIA_DIR"],
    STORAGES={"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}},
    LOGGING_CONFIG=None,
)

from django.core.files.storage import default_storage  # noqa: E402  (needs the settings above)
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.http import require_GET, require_POST  # noqa: E402


def _worker(request: HttpRequest) -> tuple[int, str, int] | None:
    """The caller: (id, name, points) by the SHA-256 of its bearer token, or None."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    key_hash = hashlib.sha256(header[7:].encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, name, points FROM ab_worker WHERE token_hash = %s", [key_hash])
        return cursor.fetchone()


def _unauthorised() -> JsonResponse:
    return JsonResponse({"code": "not_authenticated", "detail": "请先登录。"}, status=401)


@require_GET
def read(request: HttpRequest) -> JsonResponse:
    worker = _worker(request)
    if worker is None:
        return _unauthorised()
    return JsonResponse({"id": worker[0], "name": worker[1], "points_balance": worker[2]})


@require_POST
def upload(request: HttpRequest) -> JsonResponse:
    worker = _worker(request)
    if worker is None:
        return _unauthorised()
    photo = request.FILES.get("photos")
    try:
        lat, lng = float(request.POST.get("lat", "")), float(request.POST.get("lng", ""))
    except ValueError:
        lat = lng = float("nan")
    if photo is None or lat != lat or lng != lng:
        return JsonResponse({"code": "invalid_input", "detail": "请检查填写的内容。"}, status=400)
    name = default_storage.save(f"uploads/{uuid.uuid4().hex}.jpg", photo)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ab_upload (worker_id, category, lat, lng, photo, created_at)"
            " VALUES (%s, %s, %s, %s, %s, now()) RETURNING id",
            [worker[0], request.POST.get("category", "")[:40], lat, lng, name],
        )
        (upload_id,) = cursor.fetchone()
    return JsonResponse({"id": upload_id, "status": "submitted"}, status=201)


@require_POST
def redeem(request: HttpRequest, gift_id: int) -> JsonResponse:
    worker = _worker(request)
    if worker is None:
        return _unauthorised()
    code = secrets.token_hex(6).upper()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ab_gift SET stock = stock - 1 WHERE id = %s AND stock > 0 RETURNING points_cost", [gift_id]
        )
        row = cursor.fetchone()
        if row is None:
            return JsonResponse({"code": "out_of_stock", "detail": "这份礼品已经兑完了。"}, status=409)
        cursor.execute(
            "INSERT INTO ab_voucher (gift_id, worker_id, code, status, created_at)"
            " VALUES (%s, %s, %s, 'reserved', now()) RETURNING id",
            [gift_id, worker[0], code],
        )
        (voucher_id,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO ab_ledger (worker_id, amount, voucher_id, created_at) VALUES (%s, %s, %s, now())",
            [worker[0], -row[0], voucher_id],
        )
    return JsonResponse({"voucher_code": code, "status": "reserved"}, status=201)


urlpatterns = [
    path("read", read),
    path("upload", upload),
    path("redeem/<int:gift_id>", redeem),
]

application = get_wsgi_application()
