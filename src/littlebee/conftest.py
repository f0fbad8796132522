"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from littlebee.notifications.sms import LocmemSmsBackend


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """A test database of this run's own on PostgreSQL, so concurrent runs on one server don't collide."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("postgresql"):
        database.setdefault("TEST", {})["NAME"] = f"test_{database['NAME']}_{os.getpid()}"
        # A throwaway database need not wait for the disk at each commit (12 ms a commit on this
        # kind of machine, 1 ms without): transactional tests commit every write and empty every
        # table after themselves. What other connections see is unchanged.
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


def pytest_collection_finish(session: pytest.Session) -> None:
    # ~3,000 tests that each build and drop thousands of ORM objects (core.collector).
    from littlebee.core.collector import collector_tune

    collector_tune()


@pytest.fixture(scope="session", autouse=True)
def _quick_flush() -> Iterator[None]:
    """Transactional tests empty only the tables they wrote to (core/tests/quick_flush.py)."""
    from django.test import TransactionTestCase

    from littlebee.core.tests.quick_flush import quick_fixture_teardown

    with pytest.MonkeyPatch.context() as patch:
        full = TransactionTestCase.__dict__["_fixture_teardown"]
        patch.setattr(TransactionTestCase, "_fixture_teardown", quick_fixture_teardown(full))
        yield


@pytest.fixture(scope="session", autouse=True)
def _celery_tasks_registered() -> None:
    """Every app's tasks imported up front, as a worker does at start. The Redis tests call
    `celery_app.close()`, which takes the app off Celery's list of live apps; a shared task whose
    module was first imported after that would never be registered with it, and queueing it
    would fail in whichever test came next."""
    from littlebee.celery import app as celery_app

    celery_app.autodiscover_tasks(force=True)


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A request through LocaleMiddleware leaves its language active on the thread; without
    this, a test asserting Chinese text fails whenever an English request ran before it on
    the same worker."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.deactivate()


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Uploaded files go to a temporary directory, not var/media."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture(scope="session", autouse=True)
def _test_settings() -> Iterator[None]:
    """The suite's settings, set once for the session: as a per-test `settings` fixture, its seven
    overrides and their undoing cost ~2 ms of every one of the ~3,000 tests. A test that changes
    one of them (through `settings`) gets it back as here afterwards."""
    from django.conf import settings
    from django.test import override_settings

    overrides = override_settings(
        SMS_BACKEND="littlebee.notifications.sms.LocmemSmsBackend",
        # Tests run periodic jobs themselves; a background thread would race their database.
        PERIODIC_JOBS_IN_PROCESS=False,
        # Report photos processed in the on_commit callback, not on a job thread the test can't see.
        REPORTS_PHOTO_INLINE=True,
        # The statistics' rollups are kept up only in the tests that read them (they turn this on
        # and compute inline): elsewhere a job thread would race the test's database.
        ANALYTICS_TRACK=False,
        # Case notices told after the answer are told right after commit, where the tests see them.
        CASES_NOTIFY_INLINE=True,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    )
    overrides.enable()
    yield
    overrides.disable()


@pytest.fixture
def sms_outbox() -> Iterator[list[Any]]:
    LocmemSmsBackend.outbox.clear()
    yield LocmemSmsBackend.outbox
    LocmemSmsBackend.outbox.clear()


class ApiClient:
    """Calls /api/v1/ with JSON and, when given, a bearer token."""

    def __init__(self, token: str | None = None, language: str = "zh-hans") -> None:
        self.client = Client()
        self.token = token
        self.language = language

    def _headers(self) -> dict[str, str]:
        headers = {"Accept-Language": self.language}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(f"/api/v1{path}", params or {}, headers=self._headers())

    def post(self, path: str, data: Any = None) -> Any:
        return self.client.post(f"/api/v1{path}", data or {}, content_type="application/json", headers=self._headers())

    def put(self, path: str, data: Any = None) -> Any:
        return self.client.put(f"/api/v1{path}", data or {}, content_type="application/json", headers=self._headers())

    def patch(self, path: str, data: Any = None) -> Any:
        return self.client.patch(f"/api/v1{path}", data or {}, content_type="application/json", headers=self._headers())

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/api/v1{path}", headers=self._headers())


@pytest.fixture
def api() -> ApiClient:
    return ApiClient()


@pytest.fixture
def api_as() -> Any:
    """api_as(user) → an ApiClient carrying a fresh token for that user."""
    from littlebee.accounts.services import token_issue

    def make(user: Any, language: str = "zh-hans") -> ApiClient:
        _token, raw = token_issue(user=user, name="test")
        return ApiClient(token=raw, language=language)

    return make


# --- Helpers the tests import (one copy, not one per module).
def client_for(user: Any) -> Client:
    """A Django test client signed in as `user`, for the pages (api_as is the API's counterpart)."""
    client = Client()
    client.force_login(user)
    return client


@contextmanager
def module_transaction(django_db_blocker: Any) -> Iterator[None]:
    """For a module-scoped fixture whose rows many tests read: the rows it writes inside this
    block (within `django_db_blocker.unblock()`) stand in a transaction rolled back after the
    module's last test, and each test's own transaction is a savepoint inside it, so a test's
    changes are undone as always. Built once per module (per xdist worker) instead of per test.
    The module must hold no test whose transactions commit (transaction=True, live_server), nor
    one that wants the database without these rows."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def orm_compiles_watched(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """From now on, the query of every SQL statement the ORM compiles (a read compiled once per
    process, core.compiled_select, compiles nothing the second time)."""
    from django.db.models.sql.compiler import SQLCompiler

    compiles: list[Any] = []
    as_sql = SQLCompiler.as_sql

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        compiles.append(self.query)
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    return compiles


def model_inits_watched(monkeypatch: pytest.MonkeyPatch) -> list[type[Any]]:
    """From now on, the model of every instance made through Model.__init__ (it walks every field
    and sends two signals; core.raw_rows makes loaded rows without it)."""
    from django.db.models import Model

    made: list[type[Any]] = []
    init = Model.__init__

    def counted(self: Model, *args: Any, **kwargs: Any) -> None:
        made.append(type(self))
        init(self, *args, **kwargs)

    monkeypatch.setattr(Model, "__init__", counted)
    return made


def log_in(page: Any, phone: str, next_url: str = "/", *, password: str | None = None) -> None:
    """In a browser: sign in on the login page's password form and wait until `next_url` is shown.
    The password is the factories' unless given (the demo city's accounts have their own)."""
    from littlebee.accounts.tests.factories import PASSWORD

    form = page.locator("#panel-password")
    page.goto(f"/login/?next={next_url}")
    form.get_by_label("手机号").fill(phone)
    form.get_by_label("密码").fill(PASSWORD if password is None else password)
    form.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{next_url}")


# --- Under `pytest -n N`: the demo city's tests all on one worker, so the city is built once.
# xdist's own `--dist loadgroup` cannot do it here: it names the group by rewriting
# `item._nodeid`, which pytest 9.2 no longer reads (a node's id is `item._id` now), so every
# test stays a group of its own. This scheduler groups by path instead and leaves the rest as
# `--dist load` does, one test at a time to whichever worker is free. xdist orders the work by
# size, biggest first, so the city's worker starts on it at once and the other takes the rest.
CITY_TESTS = "littlebee/demo/tests/"


def _work_unit(nodeid: str) -> str:
    return CITY_TESTS if CITY_TESTS in nodeid.split("::", 1)[0] else nodeid


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getoption("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class CityOnOneWorker(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _work_unit(nodeid)

    return CityOnOneWorker(config, log)


# --- Service-backed and browser tests: run where the service exists, skip with a reason elsewhere.
REQUIRE_SERVICES = bool(os.environ.get("LITTLEBEE_REQUIRE_SERVICES"))
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
BROWSER_ON_POSTGRES = bool(os.environ.get("LITTLEBEE_BROWSER_ON_POSTGRES"))
ONCE_ON_POSTGRES = bool(os.environ.get("LITTLEBEE_ONCE_ON_POSTGRES"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _unavailable(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (LITTLEBEE_REQUIRE_SERVICES is set, so this is a failure)")
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            # The same suite runs again on PostgreSQL (make test-postgres); these run there.
            pytest.skip("needs PostgreSQL: runs in the PostgreSQL pass of `make test` (DATABASE_URL)")
    if item.get_closest_marker("once") and not ONCE_ON_POSTGRES:
        from django.db import connection

        if connection.vendor == "postgresql":
            # Its own processes and settings, never this pass's database: the SQLite pass ran it.
            pytest.skip(
                "independent of the database: runs in the SQLite pass of `make test`"
                " (LITTLEBEE_ONCE_ON_POSTGRES=1 runs it here)"
            )
    if item.get_closest_marker("redis"):
        from littlebee.core.services_probe import redis_reachable

        if not redis_reachable(TEST_REDIS_URL):
            _unavailable(f"needs Redis at {TEST_REDIS_URL}, which does not answer")
    if item.get_closest_marker("browser"):
        from django.db import connection

        if connection.vendor == "postgresql" and not BROWSER_ON_POSTGRES:
            # A browser sees the same pages whichever database is behind them; the database's
            # own behaviour is tested without one, in the PostgreSQL pass.
            pytest.skip(
                "browser journey: runs in the SQLite pass of `make test` (LITTLEBEE_BROWSER_ON_POSTGRES=1 runs it here)"
            )
        if not os.path.exists(CHROMIUM):
            _unavailable(f"needs Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run
    # inside one unless told it is safe, which it is here (the loop is Playwright's, not ours).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


# LITTLEBEE_SCREENSHOTS: the folder for the browser journeys' screenshots, or "off" where nobody
# looks at them (.ci/run): a full-page phone screenshot at twice the pixels costs Chromium 0.1-0.5 s
# of CPU, and the journeys take 169 of them.
def screenshot_folder(setting: str) -> Path | None:
    """Where the screenshots go for a value of LITTLEBEE_SCREENSHOTS: None for "off"."""
    if setting == "off":
        return None
    return Path(setting) if setting else Path(__file__).resolve().parents[2] / "var" / "screenshots"


SCREENSHOT_DIR = screenshot_folder(os.environ.get("LITTLEBEE_SCREENSHOTS", ""))


@pytest.fixture
def new_phone_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """new_phone_page() → a fresh phone-sized page in Chinese (its own cookies), on the live server."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        context = browser.new_context(
            **{
                "viewport": {"width": 390, "height": 844},
                "device_scale_factor": 2,
                "is_mobile": True,
                "has_touch": True,
                "locale": "zh-CN",
                "base_url": live_server.url,
                **options,
            }
        )
        # Generous: a step waits only as long as it takes, and a shared CI machine at load 10+ once
        # took over 10 s to answer a report with a 1200x900 photo (the demo journey).
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def phone_page(new_phone_page: Any) -> Any:
    return new_phone_page()


@pytest.fixture
def screenshot() -> Any:
    """screenshot(page, name): keep a PNG of what a person saw, for review."""

    def take(page: Any, name: str) -> Path | None:
        if SCREENSHOT_DIR is None:
            return None
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
