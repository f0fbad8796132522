"""What a report costs (issue 13 items 3 and 4): a bounded number of statements in the request,
and photos processed after the answer, never inside it, also without Redis."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import imagehash
import pytest
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from littlebee.accounts.tests.factories import worker
from littlebee.analytics import tracking
from littlebee.cases.models import Case, CaseEvent, CaseKind, CaseOrganisation, RoutingRule, RoutingTarget
from littlebee.cases.notify import case_event_notify
from littlebee.cases.tests.factories import World
from littlebee.core.background import jobs
from littlebee.core.counted import register_counted_listener, unregister_counted_listener
from littlebee.core.images import image_fit, image_open
from littlebee.hives.tests.photo_files import jpeg_bytes, upload
from littlebee.orgs.services import region_set_boundary
from littlebee.reports import services
from littlebee.reports.models import PhotoStatus, ReportCategory, ReportPhoto

# The statements one report with one photo costs inside the request, besides the token's lookup
# and its transaction's BEGIN/COMMIT: the community containing the point; the category with the
# deadline rule, routing rules and offices along the community's path (one statement,
# selectors.intake_context); the worker's row locked; their recent reports (rate limit and
# burst flag); the case, its holder, its timeline row, the report, the photos; the possible
# duplicates of the answer. The office's notices and the photo are written after the answer.
SUBMIT_STATEMENTS = 10
# A point no community boundary contains costs two reads more: the city's extent (is it in the
# city at all?) and the communities around it (the nearest centre).
SUBMIT_STATEMENTS_OUTSIDE_BOUNDARIES = SUBMIT_STATEMENTS + 2


def post(headers: dict[str, str], photos: list[Any], **fields: str) -> Any:
    data = {"category": "garbage", "lat": "30.55", "lng": "114.30", "photos": photos, **fields}
    return Client().post("/api/v1/reports", data, headers=headers)


def square(lat: float, lng: float, half: float = 0.01) -> dict[str, Any]:
    ring = [[lng - half, lat - half], [lng + half, lat - half], [lng + half, lat + half], [lng - half, lat + half]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


@pytest.fixture
def served(w: World, settings: Any) -> Iterator[World]:
    """The test city as `make run` serves it: photos and the office's notices after the answer
    (job threads), the communities with boundaries, as a real city's have.

    Without analytics' tracking of saved cases (analytics.tracking: after the commit it marks the
    case's days and offices stale, 3 statements, and with ANALYTICS_REFRESH_INLINE, the default
    but in production, computes those rollups again inside the request): that cost is analytics'
    own, to be budgeted there, not the intake's."""
    settings.REPORTS_PHOTO_INLINE = False
    settings.CASES_NOTIFY_INLINE = False
    region_set_boundary(region=w.community, boundary=square(30.55, 114.30))
    region_set_boundary(region=w.other_community, boundary=square(30.60, 114.35))
    unregister_counted_listener(tracking.LISTENER)
    yield w
    register_counted_listener(tracking.LISTENER, tracking.rows_track)


def statements_of(ctx: CaptureQueriesContext) -> list[str]:
    """The request's statements after the token's lookup, its transaction's BEGIN/COMMIT aside."""
    sql = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("BEGIN", "COMMIT"))]
    assert "accounts_apitoken" in sql[0]
    return sql[1:]


@pytest.mark.django_db(transaction=True)
def test_a_report_with_a_photo_costs_ten_statements(
    served: World, api_as: Any, sent: list[dict[str, Any]], media_root: Path
) -> None:
    # given a worker with a token
    client = api_as(worker())
    client.get("/me")  # the token's last-used touch happens once an hour at most
    headers = client._headers()

    # when they send a report with one photo
    with CaptureQueriesContext(connection) as ctx:
        response = post(headers, [upload(jpeg_bytes((400, 300)))])

    # then it is filed within the budget, neither the photo processed nor the office told in it
    assert response.status_code == 201, response.content
    statements = statements_of(ctx)
    assert len(statements) <= SUBMIT_STATEMENTS, "\n".join(statements)
    assert not any(sql.startswith("UPDATE") or "notifications_notification" in sql for sql in statements)
    assert not any("SAVEPOINT" in sql for sql in statements)
    # and the answer lists the photo as processing, the case with its office and deadline
    body = response.json()
    assert [p["status"] for p in body["photos"]] == ["processing"]
    assert body["photos"][0]["url"] is None
    assert body["assigned_to"] == {"id": served.community_org.pk, "name": served.community_org.name}
    assert body["community"] == {"id": served.community.pk, "name": served.community.name}
    assert body["deadline"] is not None
    # and once answered, the office's staff are told and the photo is processed
    assert jobs.wait(30)
    assert [m["user"] for m in sent] == [served.community_handler]
    assert ReportPhoto.objects.get(report_id=body["id"]).status == PhotoStatus.READY


@pytest.mark.django_db(transaction=True)
def test_a_point_outside_every_boundary_costs_two_reads_more(served: World, api_as: Any, media_root: Path) -> None:
    # given a worker, and a point in the city, south of the community, that no boundary contains
    client = api_as(worker())
    client.get("/me")

    # when they report there
    with CaptureQueriesContext(connection) as ctx:
        response = post(client._headers(), [upload(jpeg_bytes((40, 30)))], lat="30.535", lng="114.30")

    # then the nearest community's office has it, for two statements more
    assert response.status_code == 201, response.content
    assert response.json()["assigned_to"]["id"] == served.community_org.pk
    assert len(statements_of(ctx)) <= SUBMIT_STATEMENTS_OUTSIDE_BOUNDARIES, "\n".join(statements_of(ctx))
    assert jobs.wait(30)


# On PostgreSQL the case with its holder and first timeline row is one statement, and the report
# with its photo another (core.raw_insert.insert_chain): three round trips fewer.
SUBMIT_STATEMENTS_POSTGRESQL = SUBMIT_STATEMENTS - 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_report_with_a_photo_writes_its_rows_in_two_statements_on_postgresql(
    served: World, api_as: Any, sent: list[dict[str, Any]], media_root: Path
) -> None:
    # given a worker with a token
    client = api_as(worker())
    client.get("/me")
    headers = client._headers()

    # when they send a report with one photo
    with CaptureQueriesContext(connection) as ctx:
        response = post(headers, [upload(jpeg_bytes((400, 300)))])

    # then its case, holder, timeline row, report and photo are written by two statements
    assert response.status_code == 201, response.content
    statements = statements_of(ctx)
    writes = [sql for sql in statements if sql.startswith(("INSERT", "WITH"))]
    assert len(writes) == 2, "\n".join(writes)
    assert len(statements) <= SUBMIT_STATEMENTS_POSTGRESQL, "\n".join(statements)
    # and the rows are all there, the photo named by the report and the timeline's by the case
    report_id = response.json()["id"]
    case = Case.objects.get(pk=report_id)
    assert CaseOrganisation.objects.filter(case=case, organisation_id=case.organisation_id).count() == 1
    assert CaseEvent.objects.filter(case=case, action="open", to_org_id=case.organisation_id).count() == 1
    assert ReportPhoto.objects.filter(report_id=report_id).count() == 1  # its job may already have run


@pytest.mark.django_db(transaction=True)
def test_nine_photos_cost_no_more_statements_than_one(
    served: World, api_as: Any, settings: Any, media_root: Path
) -> None:
    # given a worker
    settings.UPLOAD_MAX_PIXELS_PER_REQUEST = 10_000_000
    client = api_as(worker())
    client.get("/me")

    # when they send a report with nine photos
    with CaptureQueriesContext(connection) as ctx:
        response = post(client._headers(), [upload(jpeg_bytes((40, 30))) for _ in range(9)])

    # then the nine are stored with one statement
    assert response.status_code == 201, response.content
    assert len(statements_of(ctx)) <= SUBMIT_STATEMENTS, "\n".join(statements_of(ctx))
    assert ReportPhoto.objects.filter(report_id=response.json()["id"]).count() == 9
    assert jobs.wait(30)


@pytest.mark.django_db(transaction=True)
def test_without_redis_the_photo_is_processed_after_the_answer_on_a_job_thread(
    w: World, api_as: Any, settings: Any, media_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the embedded default (Celery eager, no inline processing), and a processing step
    # that waits until the test has its answer
    settings.REPORTS_PHOTO_INLINE = False
    assert settings.CELERY_TASK_ALWAYS_EAGER
    answered = threading.Event()
    threads: list[str] = []
    process = services.report_photo_process

    def process_after_answer(*, photo_id: int, **known: Any) -> Any:
        threads.append(threading.current_thread().name)
        answered.wait(10)
        return process(photo_id=photo_id, **known)

    monkeypatch.setattr(services, "report_photo_process", process_after_answer)
    headers = api_as(worker())._headers()

    # when a worker sends a report with a photo
    response = post(headers, [upload(jpeg_bytes((400, 300), gps=True))])

    # then the answer comes at once, the photo still processing
    assert response.status_code == 201, response.content
    photo = ReportPhoto.objects.get(report_id=response.json()["id"])
    assert photo.status == PhotoStatus.PROCESSING
    assert response.json()["photos"] == [{"id": photo.pk, "url": None, "thumbnail": None, "status": "processing"}]

    # and once answered, a job thread of this process finishes it
    answered.set()
    assert jobs.wait(30)
    photo.refresh_from_db()
    assert photo.status == PhotoStatus.READY and photo.image and not photo.original
    assert threads and threads[0].startswith("littlebee-jobs")


def test_the_same_photo_waiting_is_not_queued_twice(settings: Any) -> None:
    # given every job thread held busy (one busy job each: with a free thread the photo would run
    # at once and the second submission be a fresh job), and a photo's job waiting behind them
    release = threading.Event()
    ran: list[int] = []
    for thread in range(settings.BACKGROUND_THREADS):
        assert jobs.submit(("busy", thread), release.wait, 10)
    assert jobs.submit(("photo", 1), ran.append, 1)

    # when the sweep queues the same photo again while it waits
    again = jobs.submit(("photo", 1), ran.append, 1)

    # then the second is dropped and the photo runs once
    release.set()
    assert jobs.wait(30)
    assert again is False and ran == [1]


def camera_like(size: tuple[int, int] = (4000, 3000)) -> bytes:
    small = Image.effect_noise((size[0] // 50, size[1] // 50), 60).convert("RGB")
    out = BytesIO()
    small.resize(size, Image.Resampling.BICUBIC).save(out, "JPEG", quality=90)
    return out.getvalue()


def test_a_12_megapixel_jpeg_is_decoded_at_half_scale_and_checked_at_an_eighth() -> None:
    # given a phone camera's 4000×3000 JPEG
    content = camera_like()

    # when it is opened for storing, and for the request's check
    stored = image_open(content)
    checked = image_open(content, target_side=0)

    # then the DCT does the shrinking: 2000×1500 (not the full 12 MP), and 500×375 for the check
    assert stored.size == (2000, 1500)
    assert checked.size == (500, 375)
    # and nothing larger than 2048 px is kept
    assert max(image_fit(stored).size) == 2000


def test_the_hash_from_memory_matches_the_hash_of_the_stored_jpeg() -> None:
    # given a photo processed as the task does
    fitted = image_fit(image_open(camera_like((3000, 2000))))
    out = BytesIO()
    fitted.save(out, "JPEG", quality=85)

    # when hashed from memory and from the stored file
    in_memory = imagehash.phash(fitted)
    from_file = imagehash.phash(Image.open(BytesIO(out.getvalue())))

    # then the two are within a bit or two (far below the near-duplicate threshold)
    assert in_memory - from_file <= 2


# Processing a photo (after the answer): the photo with its report and case; the photo marked
# ready with its original's name cleared; the same bytes in another report, the same perceptual
# hash and the recent hashes near it (on PostgreSQL one statement, flags._matches_sql). Its flags
# (if any) are one INSERT more. Nothing is read again.
PROCESS_STATEMENTS = 5


def process_statements() -> int:
    return 3 if connection.vendor == "postgresql" else PROCESS_STATEMENTS


@pytest.mark.django_db
def test_a_photo_matching_nothing_is_marked_ready_and_compared_in_few_statements(
    w: World, media_root: Path, django_assert_num_queries: Any
) -> None:
    # given a report whose photo matches no other, not processed yet (no commit in this test)
    report = services.report_submit(
        reporter=worker(), category_code="garbage", description="", lat=30.55, lng=114.30, photos=[upload(jpeg_bytes())]
    )
    photo = ReportPhoto.objects.get(report=report)
    original = media_root / photo.original.name
    assert original.exists()

    # when it is processed
    with django_assert_num_queries(process_statements()) as captured:
        services.report_photo_process(photo_id=photo.pk)

    # then one UPDATE marks it ready and clears its original's name (two before, and three
    # reads where PostgreSQL now makes one), the file is gone, and nothing was flagged
    updates = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1 and '"original" = ' in updates[0], updates
    stored = ReportPhoto.objects.get(pk=photo.pk)
    assert (stored.status, stored.original.name, bool(stored.image)) == (PhotoStatus.READY, "", True)
    assert not original.exists()
    assert not report.flags.exists()


@pytest.mark.django_db
def test_processing_a_photo_reads_nothing_twice(w: World, media_root: Path, django_assert_max_num_queries: Any) -> None:
    # given two reports sent with the same photo, neither processed yet (no commit in this test)
    content = jpeg_bytes((400, 300))
    reports = [
        services.report_submit(
            reporter=worker(), category_code="garbage", description="", lat=30.55, lng=114.30, photos=[upload(content)]
        )
        for _ in range(2)
    ]
    first, second = (ReportPhoto.objects.get(report=r) for r in reports)
    services.report_photo_process(photo_id=first.pk)

    # when the second is processed
    with django_assert_max_num_queries(PROCESS_STATEMENTS + 1):  # + its flag
        photo = services.report_photo_process(photo_id=second.pk)

    # then it is ready, its original gone, and flagged as the first one's photo
    assert photo is not None
    assert (photo.status, bool(photo.image), bool(photo.thumbnail), photo.original.name) == (
        PhotoStatus.READY,
        True,
        True,
        "",
    )
    stored = ReportPhoto.objects.get(pk=second.pk)
    assert (stored.status, stored.image.name, stored.phash, stored.original.name) == (
        PhotoStatus.READY,
        photo.image.name,
        photo.phash,
        "",
    )
    assert list(reports[1].flags.values_list("kind", "other_report_id")) == [("photo_reused", reports[0].pk)]


@pytest.fixture
def job_statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements run on the job threads (core.background) from here on: every thread's
    cursor is recorded, and those of the jobs' threads kept."""
    recorded: list[str] = []
    execute = CursorWrapper._execute  # type: ignore[attr-defined]  # Django's one way to every statement

    def recording(self: Any, sql: str, params: Any, *ignored: Any) -> Any:
        if threading.current_thread().name.startswith("littlebee-jobs"):
            recorded.append(sql)
        return execute(self, sql, params, *ignored)

    monkeypatch.setattr(CursorWrapper, "_execute", recording)
    return recorded


def _selects_from(statements: list[str], table: str) -> list[str]:
    return [sql for sql in statements if sql.startswith("SELECT") and f'FROM "{table}"' in sql]


@pytest.mark.django_db(transaction=True)
def test_the_offices_notice_after_the_answer_reads_neither_the_step_nor_the_report_again(
    served: World, api_as: Any, sent: list[dict[str, Any]], job_statements: list[str], media_root: Path
) -> None:
    # given a worker with a token
    client = api_as(worker())
    client.get("/me")

    # when they send a report without a photo, and the jobs after the answer have run
    response = post(client._headers(), [])
    assert response.status_code == 201, response.content
    assert jobs.wait(30)

    # then the office's staff were told by a job that read only who they are (the timeline row,
    # its case and the report are the ones the request wrote, in memory)
    assert [m["user"] for m in sent] == [served.community_handler]
    assert _selects_from(job_statements, "cases_caseevent") == []
    assert _selects_from(job_statements, "cases_case") == []
    assert _selects_from(job_statements, "reports_report") == []
    # and told exactly what the task reading the row again by id tells them
    told_after_answer = list(sent)
    sent.clear()
    event = CaseEvent.objects.get(case_id=response.json()["id"])
    assert case_event_notify(event.pk) == 1
    assert sent == told_after_answer


@pytest.mark.django_db(transaction=True)
def test_the_photo_processed_after_the_answer_is_not_read_again(
    served: World, api_as: Any, job_statements: list[str], media_root: Path
) -> None:
    # given a report already filed with a photo, processed
    client = api_as(worker())
    client.get("/me")
    content = jpeg_bytes((400, 300), gps=True)
    first = post(client._headers(), [upload(content)])
    assert first.status_code == 201, first.content
    assert jobs.wait(30)
    job_statements.clear()

    # when another report is sent with the same photo, and the jobs after the answer have run
    response = post(api_as(worker())._headers(), [upload(content)])
    assert response.status_code == 201, response.content
    assert jobs.wait(30)

    # then the photo's job read neither it, its report nor its case again (the request wrote them)
    assert [sql for sql in job_statements if sql.startswith("SELECT") and '"cases_case"' in sql] == []
    assert _selects_from(job_statements, "reports_report") == []
    # and the photo is ready, stored, its original gone, its EXIF read, flagged as the first's
    # photo and as taken far from the report's point (the test photo's GPS is elsewhere)
    photo = ReportPhoto.objects.get(report_id=response.json()["id"])
    assert (photo.status, bool(photo.image), bool(photo.thumbnail), photo.original.name) == (
        PhotoStatus.READY,
        True,
        True,
        "",
    )
    assert photo.exif_lat is not None and photo.phash and photo.content_sha256
    assert sorted(photo.report.flags.values_list("kind", "other_report_id"), key=str) == [
        ("photo_far", None),
        ("photo_reused", first.json()["id"]),
    ]


# --- The intake's configuration kept in memory (reports.intake_version) ---------------------------
def configuration_reads(statements: list[str]) -> list[str]:
    """The statements reading the category, its rules and offices (selectors.intake_context)."""
    return [sql for sql in statements if "cases_routingrule" in sql or "cases_deadlinerule" in sql]


@pytest.mark.django_db(transaction=True)
def test_a_second_report_of_the_same_category_and_community_reads_no_configuration(
    served: World, api_as: Any, media_root: Path
) -> None:
    # given a worker who has sent one report
    client = api_as(worker())
    client.get("/me")
    headers = client._headers()
    assert post(headers, [upload(jpeg_bytes((40, 30)))]).status_code == 201

    # when they send another of the same category in the same community
    with CaptureQueriesContext(connection) as ctx:
        response = post(headers, [upload(jpeg_bytes((40, 30)))], lat="30.551", lng="114.301")

    # then the category, its deadline rule, routing rules and offices are not read again: one
    # statement fewer, and the same office, community and deadline
    assert response.status_code == 201, response.content
    statements = statements_of(ctx)
    assert configuration_reads(statements) == []
    assert len(statements) <= SUBMIT_STATEMENTS - 1, "\n".join(statements)
    body = response.json()
    assert body["assigned_to"]["id"] == served.community_org.pk
    assert body["community"]["id"] == served.community.pk
    assert body["deadline"] is not None
    assert jobs.wait(30)


@pytest.mark.django_db(transaction=True)
def test_a_category_switched_off_meanwhile_is_refused_at_once(served: World, api_as: Any, media_root: Path) -> None:
    # given a report of garbage filed, its configuration kept
    client = api_as(worker())
    headers = client._headers()
    assert post(headers, []).status_code == 201

    # when the category is switched off by a bulk update (no model signal) and another is sent
    ReportCategory.objects.filter(code="garbage").update(is_active=False)
    response = post(headers, [])

    # then it is refused on its category, nothing filed
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "category"
    assert jobs.wait(30)


@pytest.mark.django_db(transaction=True)
def test_a_routing_rule_or_office_changed_meanwhile_routes_the_next_report(
    served: World, api_as: Any, media_root: Path
) -> None:
    # given a report of garbage routed to the community's office, its configuration kept
    client = api_as(worker())
    headers = client._headers()
    assert post(headers, []).json()["assigned_to"]["id"] == served.community_org.pk

    # when a rule now sends garbage to the street's office
    RoutingRule.objects.create(
        kind=CaseKind.REPORT,
        category="garbage",
        region=None,
        target=RoutingTarget.ORGANISATION,
        organisation=served.street_org,
        priority=1,
    )
    # then the next report goes there
    assert post(headers, []).json()["assigned_to"]["id"] == served.street_org.pk

    # and when that office is switched off and the rule too, the community's office has it again
    RoutingRule.objects.filter(organisation=served.street_org).update(is_active=False)
    assert post(headers, []).json()["assigned_to"]["id"] == served.community_org.pk
    assert jobs.wait(30)


@pytest.mark.django_db(transaction=True)
def test_the_kept_configuration_is_shared_read_only(served: World, media_root: Path) -> None:
    # given the intake's configuration read once for garbage in the community
    first = services.report_validate(category_code="garbage", description="", lat=30.55, lng=114.30)

    # when another report of the same is checked, and one of another category
    again = services.report_validate(category_code="garbage", description="", lat=30.551, lng=114.301)
    other = services.report_validate(category_code="flooding", description="", lat=30.551, lng=114.301)

    # then the first two share what was read, the third has its own category
    assert again.category is first.category and again.routing is first.routing
    assert other.category.code == "flooding"


# --- The report's files (core.new_files) ----------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_a_reports_three_files_are_stored_without_djangos_name_search(
    served: World, api_as: Any, media_root: Path, monkeypatch: Any
) -> None:
    # given Django's search for a free file name watched
    searched: list[str] = []
    monkeypatch.setattr(
        FileSystemStorage, "get_available_name", lambda _self, name, max_length=None: searched.append(name)
    )
    client = api_as(worker())

    # when a report with a photo is filed and its photo processed
    response = post(client._headers(), [upload(jpeg_bytes((400, 300)))])
    assert response.status_code == 201, response.content
    assert jobs.wait(30)

    # then its original, photo and thumbnail were stored under their uuid names without a search
    # (a uuid4 is not taken: Django's lstat and name checks cost ~1 ms of CPU per file)
    assert searched == []
    photo = ReportPhoto.objects.get(report_id=response.json()["id"])
    assert photo.status == PhotoStatus.READY
    assert (media_root / photo.image.name).is_file() and (media_root / photo.thumbnail.name).is_file()


# --- The photo's perceptual hash (core.images.image_phash) --------------------------------------
@pytest.mark.django_db
def test_a_processed_photo_is_hashed_after_a_box_reduction(w: World, media_root: Path, monkeypatch: Any) -> None:
    # given a report's photo waiting, and Pillow's resizes watched
    report = services.report_submit(
        reporter=worker(),
        category_code="garbage",
        description="",
        lat=30.55,
        lng=114.30,
        photos=[upload(jpeg_bytes((640, 480)))],
    )
    resizes: list[tuple[tuple[int, int], Any]] = []
    resize = Image.Image.resize

    def watched(self: Image.Image, size: Any, *args: Any, **kwargs: Any) -> Image.Image:
        resizes.append((tuple(size), kwargs.get("reducing_gap")))
        return resize(self, size, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "resize", watched)

    # when it is processed
    processed = services.report_photo_process(photo_id=ReportPhoto.objects.get(report=report).pk)

    # then its 32×32 resampling for the hash reduced first (LANCZOS over the whole 480 px
    # thumbnail was ~0.6 ms of CPU per photo), and the hash is imagehash's within two bits
    assert processed is not None and len(processed.phash) == 16
    assert ((32, 32), 2.0) in resizes
    thumbnail = Image.open(processed.thumbnail.path)
    assert imagehash.hex_to_hash(processed.phash) - imagehash.phash(thumbnail) <= 2
