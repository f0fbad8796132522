"""reports.models.photo_urls: a photo's URLs as reverse() gives them, reversed once per variant
and script prefix rather than for every photo of a list (GET /reports?mine=true names two a photo)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix

from littlebee.reports import models
from littlebee.reports.models import PhotoStatus, photo_urls


@pytest.fixture
def counted_reverse(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    calls: list[Any] = []

    def counting(*args: Any, **kwargs: Any) -> str:
        calls.append(args)
        return reverse(*args, **kwargs)

    monkeypatch.setattr(models, "reverse", counting)
    monkeypatch.setattr(models, "_PHOTO_URL_PARTS", {})
    return calls


@pytest.mark.parametrize(("report_id", "photo_id"), [(1, 2), (41, 7_919_130_002), (123456, 9)])
def test_the_urls_are_what_reverse_gives(counted_reverse: list[Any], report_id: int, photo_id: int) -> None:
    # given / when
    image, thumbnail = photo_urls(report_id, photo_id, PhotoStatus.READY, "a.jpg", "a-t.jpg")

    # then
    assert image == reverse("report-photo-file", args=[report_id, photo_id, "image"])
    assert thumbnail == reverse("report-photo-file", args=[report_id, photo_id, "thumb"])


def test_a_list_of_photos_reverses_each_variant_once(counted_reverse: list[Any]) -> None:
    # given / when a page's worth of photos
    urls = [
        photo_urls(report, photo, PhotoStatus.READY, "a.jpg", "a-t.jpg") for report in range(1, 6) for photo in (1, 2)
    ]

    # then
    assert len(counted_reverse) == 2
    assert urls[-1] == (
        reverse("report-photo-file", args=[5, 2, "image"]),
        reverse("report-photo-file", args=[5, 2, "thumb"]),
    )


def test_a_script_prefix_is_followed(counted_reverse: list[Any]) -> None:
    # given the site served under a prefix, after a URL was made without it
    photo_urls(3, 4, PhotoStatus.READY, "a.jpg", "")
    set_script_prefix("/littlebee/")
    try:
        # when
        image, thumbnail = photo_urls(3, 4, PhotoStatus.READY, "a.jpg", "")
        expected = reverse("report-photo-file", args=[3, 4, "image"])
    finally:
        clear_script_prefix()

    # then
    assert expected.startswith("/littlebee/")
    assert image == thumbnail == expected


def test_not_ready_or_without_files_has_no_urls(counted_reverse: list[Any]) -> None:
    assert photo_urls(1, 2, PhotoStatus.PROCESSING, "a.jpg", "a-t.jpg") == ("", "")
    assert photo_urls(1, 2, PhotoStatus.READY, "", "") == ("", "")
    assert counted_reverse == []


def test_a_list_asks_what_the_urls_depend_on_once(counted_reverse: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # given the parts asked once for a page, and the script prefix's look-ups counted from then on
    parts = models.photo_url_parts()
    asked: list[int] = []
    real = models.get_script_prefix

    def counting() -> str:
        asked.append(1)
        return real()

    monkeypatch.setattr(models, "get_script_prefix", counting)

    # when a page's photos are named with them
    urls = [photo_urls(report, 1, PhotoStatus.READY, "a.jpg", "a-t.jpg", parts) for report in range(1, 11)]

    # then nothing more is asked, and the URLs are reverse()'s
    assert asked == []
    assert urls[3] == (
        reverse("report-photo-file", args=[4, 1, "image"]),
        reverse("report-photo-file", args=[4, 1, "thumb"]),
    )
