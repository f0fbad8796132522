"""Benchmark of report_photo_process on a phone camera's photo: a 12-megapixel (4000×3000) JPEG
with EXIF GPS and capture time, processed K times.

    .venv/bin/python bench/photo_processing.py               # SQLite in a temporary directory
    .venv/bin/python bench/photo_processing.py --runs 20 --postgres postgres://postgres@127.0.0.1:5432/postgres

One report with the photo is submitted (processing deferred), then the photo is processed
`--runs` times: before each run its original is stored again and it is marked processing, so
every run does the whole job (read EXIF, decode, orient, resize to ≤2048 px, re-encode without
metadata, thumbnail, sha256 and perceptual hash, store, delete the original). Prints median,
p95 and max seconds per photo and the process's peak resident memory.

The same photo is then run through plain Pillow in the same process, interleaved with the
pipeline so that both see the same machine: open, draft to 2048 px, load, resize to at most
2048 px, save as JPEG at quality 85 (no EXIF, thumbnail, hash or storage). The ratio
pipeline / plain Pillow (p50) is what issue 13 item 4 budgets: at most 1.0.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import statistics
import sys
import time as clock
from concurrent.futures import ProcessPoolExecutor
from io import BytesIO
from typing import Any

from throwaway_db import throwaway_database

WIDTH, HEIGHT = 4000, 3000


def camera_jpeg(width: int = WIDTH, height: int = HEIGHT, *, seed: int = 12) -> bytes:
    """A photo-like JPEG (smooth light, sensor noise, some edges) with the EXIF a phone writes:
    make and model, capture time, orientation and a GPS point in Wuhan."""
    from PIL import ExifTags, Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    small = Image.new("RGB", (64, 48))
    small.putdata([(rng.randrange(60, 200), rng.randrange(60, 200), rng.randrange(60, 200)) for _ in range(64 * 48)])
    image = small.resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(400):  # street furniture: edges the encoder has to keep
        x, y = rng.randrange(width), rng.randrange(height)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.rectangle((x, y, x + rng.randrange(20, 300), y + rng.randrange(20, 300)), outline=colour, width=6)
    noise = Image.effect_noise((width, height), 28).convert("RGB")
    image = Image.blend(image, noise, 0.18).filter(ImageFilter.SMOOTH)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Xiaomi"
    exif[ExifTags.Base.Model] = "Redmi Note 12"
    exif[ExifTags.Base.Orientation] = 1
    exif[ExifTags.Base.DateTime] = "2026:03:10 09:41:07"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2026:03:10 09:41:07"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (30.0, 32.0, 51.6),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (114.0, 18.0, 27.0),
        }
    )
    out = BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def plain_pillow(content: bytes) -> bytes:
    """The baseline: what bare Pillow does to store a photo at most 2048 px on a side."""
    from PIL import Image

    with Image.open(BytesIO(content)) as image:
        image.draft("RGB", (2048, 2048))
        image.load()
        image.thumbnail((2048, 2048))
        out = BytesIO()
        image.save(out, "JPEG", quality=85)
    return out.getvalue()


def populate_city() -> tuple[Any, Any]:
    """A community with its party organisation, the report catalogue, and a checked-in worker."""
    from littlebee.accounts.models import User, WorkerProfile, WorkerType
    from littlebee.orgs.models import Organisation, OrgKind, Region, RegionLevel
    from littlebee.reports.services import report_categories_ensure

    city = Region.objects.create(code="B0", name="基准市", level=RegionLevel.CITY, path="B0/", lat=30.55, lng=114.3)
    district = Region.objects.create(
        code="B01", name="基准区", level=RegionLevel.DISTRICT, parent=city, path="B0/B01/", lat=30.55, lng=114.3
    )
    street = Region.objects.create(
        code="B011",
        name="基准街道",
        level=RegionLevel.STREET,
        parent=district,
        path="B0/B01/B011/",
        lat=30.55,
        lng=114.3,
    )
    community = Region.objects.create(
        code="B0111",
        name="基准社区",
        level=RegionLevel.COMMUNITY,
        parent=street,
        path="B0/B01/B011/B0111/",
        lat=30.55,
        lng=114.3,
    )
    for code, region in (("bench-city", city), ("bench-district", district), ("bench-street", street)):
        Organisation.objects.create(code=code, name=f"{region.name}党组织", kind=OrgKind.PARTY_ORG, region=region)
    Organisation.objects.create(code="bench-community", name="基准社区党委", kind=OrgKind.PARTY_ORG, region=community)
    report_categories_ensure()
    reporter = User.objects.create_user(phone="13700000000", password=None, name="基准小哥")
    WorkerProfile.objects.create(user=reporter, worker_type=WorkerType.COURIER, community=community)
    return community, reporter


def defer_photo_processing() -> None:
    """Submissions store the original and stop there: the background task is not run."""
    from littlebee.reports import services

    services._queue_processing = lambda photo_id: None  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="PostgreSQL server URL; a throwaway database is made there")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    label, cleanup = throwaway_database(args.postgres)
    try:
        from django.core.files.base import ContentFile
        from django.core.files.uploadedfile import SimpleUploadedFile

        from littlebee.reports.models import PhotoStatus, ReportPhoto
        from littlebee.reports.services import report_photo_process, report_submit

        defer_photo_processing()
        _community, reporter = populate_city()
        made = clock.perf_counter()
        # Drawn in another process, so that the peak memory below is the processing's own.
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            content = pool.submit(camera_jpeg).result()
        made = clock.perf_counter() - made
        report = report_submit(
            reporter=reporter,
            category_code="road_damage",
            description="路面塌陷",
            lat=30.55,
            lng=114.3,
            photos=[SimpleUploadedFile("IMG_0001.jpg", content, content_type="image/jpeg")],
        )
        photo = ReportPhoto.objects.get(report=report)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(
            f"report_photo_process on {label}: {WIDTH}×{HEIGHT} JPEG, {len(content) / 1e6:.1f} MB, "
            f"EXIF GPS + time, {args.runs} runs (made in {made:.1f} s)"
        )
        seconds = []
        baseline = []
        for run in range(args.runs):
            started = clock.perf_counter()
            plain_pillow(content)
            baseline.append(clock.perf_counter() - started)
            if run:
                photo.original.save(f"again-{run}.bin", ContentFile(content), save=False)
                photo.status = PhotoStatus.PROCESSING
                photo.save(update_fields=["original", "status"])
            started = clock.perf_counter()
            done = report_photo_process(photo_id=photo.pk)
            seconds.append(clock.perf_counter() - started)
            if done is None or done.status != PhotoStatus.READY:
                print(f"  run {run}: the photo was not processed ({done and done.status})")
                sys.exit(1)
        photo.refresh_from_db()
        seconds.sort()
        baseline.sort()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"  seconds p50        {statistics.median(seconds):>8.3f}")
        print(f"  seconds p95        {seconds[max(0, int(len(seconds) * 0.95) - 1)]:>8.2f}")
        print(f"  seconds max        {seconds[-1]:>8.2f}")
        print(f"  photos/s, 1 core   {1 / statistics.median(seconds):>8.2f}")
        print(f"  plain Pillow p50   {statistics.median(baseline):>8.3f}  (draft 2048, resize, JPEG q85)")
        print(f"  ratio pipeline/plain Pillow (p50)  {statistics.median(seconds) / statistics.median(baseline):.2f}×")
        print(f"  peak RSS MB        {rss_after / 1024:>8.0f}  (before processing {rss_before / 1024:.0f})")
        print(f"  stored image KB    {photo.image.size / 1024:>8.0f}  thumbnail {photo.thumbnail.size / 1024:.0f} KB")
        print(f"  EXIF point read    {photo.exif_lat:.5f}, {photo.exif_lng:.5f} at {photo.exif_taken_at}")
    finally:
        cleanup()


if __name__ == "__main__":
    main()
