"""Issue 11 items 6 and 7 for appeals: attachments reach only those who may see the appeal; a
worker's burst of appeals is refused with 429; a request's images share one pixel budget; a
refused request stores nothing."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from littlebee.accounts.tests.factories import worker
from littlebee.appeals.models import Appeal, AppealAttachment
from littlebee.appeals.services import appeal_orphan_files_delete
from littlebee.appeals.tests.factories import AppealCity, file_appeal
from littlebee.cases.models import Case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sent")]


def png(size: tuple[int, int] = (80, 60)) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    out = BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "PNG")
    return SimpleUploadedFile("a.png", out.getvalue(), content_type="image/png")


def form(c: AppealCity, **extra: Any) -> dict[str, Any]:
    return {
        "type": "rights",
        "involves": "enterprise",
        "enterprise": str(c.eleme.pk),
        "subject": "超时罚款过高",
        "description": "恶劣天气下超时也被罚款。",
        **extra,
    }


def stored(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- Attachments ----------------------------------------------------------------------------------
def test_an_attachment_reaches_only_those_who_may_see_the_appeal(c: AppealCity, api_as: Any) -> None:
    # given the rider's appeal against 饿了么 with a picture
    appeal = file_appeal(c, attachments=[png()])
    attachment = appeal.attachments.get()
    assert attachment.url == f"/files/appeals/{appeal.pk}/attachments/{attachment.pk}/file"

    def status(user: Any | None, url: str) -> int:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client.get(url).status_code

    # then the rider and the handling party organisation get it
    for viewer in (c.rider, c.eleme_handler):
        assert status(viewer, attachment.url) == 200
        assert status(viewer, attachment.thumbnail_url) == 200
    # and a passer-by, another worker, another enterprise's handler do not
    for onlooker in (None, c.other_rider, worker(), c.meituan_handler):
        assert status(onlooker, attachment.url) == 404
    # and never under /media/, even for the rider
    client = Client()
    client.force_login(c.rider)
    assert client.get(f"/media/{attachment.file.name}").status_code == 404
    # and the API answers with the authorised URL
    body = api_as(c.rider).get(f"/appeals/{appeal.pk}").json()
    assert body["attachments"][0]["url"].endswith(attachment.url)


def test_files_of_a_rolled_back_filing_are_deleted_after_the_grace_period(c: AppealCity, media_root: Path) -> None:
    # given an appeal's attachment, and a file with no row (its filing rolled back)
    appeal = file_appeal(c, attachments=[png()])
    kept = appeal.attachments.get()
    folder = media_root / Path(kept.file.name).parent
    orphan = folder / "orphan.jpg"
    orphan.write_bytes(b"\xff\xd8 jpeg")

    # when the sweep runs before the grace period is over, then it keeps the file
    assert appeal_orphan_files_delete() == 0 and orphan.exists()

    # when it runs after the grace period
    deleted = appeal_orphan_files_delete(at=timezone.now() + timedelta(hours=2))

    # then the orphan is gone and the attachment's files are not
    assert deleted == 1 and not orphan.exists()
    assert (media_root / kept.file.name).exists() and (media_root / kept.thumbnail.name).exists()


# --- Limits -----------------------------------------------------------------------------------------
def test_a_burst_of_appeals_is_refused_with_429_and_retry_after(
    c: AppealCity, api_as: Any, settings: Any, media_root: Path
) -> None:
    # given a limit of 3 appeals in 10 minutes, and 3 just filed by the rider
    settings.APPEALS_RATE_LIMIT_COUNT = 3
    settings.APPEALS_RATE_LIMIT_MINUTES = 10
    client = api_as(c.rider, language="en")
    for _ in range(3):
        response = Client().post("/api/v1/appeals", form(c), headers=client._headers())
        assert response.status_code == 201, response.content
    files_before = stored(media_root)

    # when the rider sends a fourth, with a picture
    response = Client().post("/api/v1/appeals", form(c, attachments=[png()]), headers=client._headers())

    # then it is refused, says when to come back, and stores nothing
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "too_many_requests" and body["detail"]
    assert 1 <= int(response["Retry-After"]) <= 600
    assert Appeal.objects.filter(case__reporter=c.rider).count() == 3
    assert stored(media_root) == files_before
    # and another worker is not held back by the rider's burst
    other = api_as(c.other_rider)
    assert Client().post("/api/v1/appeals", form(c), headers=other._headers()).status_code == 201


def test_the_limit_counts_only_the_window(c: AppealCity, settings: Any) -> None:
    # given 2 appeals 11 minutes ago with a limit of 2 in 10 minutes
    settings.APPEALS_RATE_LIMIT_COUNT = 2
    now = timezone.now()
    for _ in range(2):
        file_appeal(c, at=now - timedelta(minutes=11))

    # then a new one now is accepted
    assert file_appeal(c, at=now).pk
    assert Case.objects.filter(reporter=c.rider).count() == 3


def test_the_pixel_budget_covers_all_images_of_one_appeal(
    c: AppealCity, api_as: Any, settings: Any, media_root: Path
) -> None:
    # given a budget of 10,000 pixels per request
    settings.UPLOAD_MAX_PIXELS_PER_REQUEST = 10_000

    # when the rider sends two images of 6,000 pixels each (each fine alone)
    client = api_as(c.rider)
    response = Client().post(
        "/api/v1/appeals", form(c, attachments=[png((100, 60)), png((100, 60))]), headers=client._headers()
    )

    # then the appeal is refused on the attachments field and nothing is stored
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "attachments"
    assert not Appeal.objects.exists() and not AppealAttachment.objects.exists()
    assert stored(media_root) == []
    # and one of them alone is accepted
    ok = Client().post("/api/v1/appeals", form(c, attachments=[png((100, 60))]), headers=client._headers())
    assert ok.status_code == 201
