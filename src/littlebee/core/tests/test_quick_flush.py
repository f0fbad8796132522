"""The transactional tests' teardown (quick_flush.py): it empties what the test wrote, keeps the
content types and permissions, and leaves the rest to Django's full flush."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from littlebee.accounts.tests.factories import worker
from littlebee.core.tests import quick_flush
from littlebee.points.models import Badge, PointsAccount

pytestmark = pytest.mark.django_db(transaction=True)


class _Test:
    """What the teardown reads of a TransactionTestCase."""

    def __init__(self, *, available_apps: list[str] | None = None, serialized_rollback: bool = False) -> None:
        self.available_apps = available_apps
        self.serialized_rollback = serialized_rollback

    def _databases_names(self, include_mirrors: bool = True) -> list[str]:
        return ["default"]


def _full_flush_recorded(calls: list[Any]) -> Any:
    return lambda test: calls.append(test)


def _rows() -> dict[str, int]:
    return {
        "badges": Badge.objects.count(),
        "accounts": PointsAccount.objects.count(),
        "content types": ContentType.objects.count(),
        "permissions": Permission.objects.count(),
    }


def test_what_a_test_wrote_is_deleted_and_the_content_types_stay() -> None:
    # given rows in related tables, and content types and permissions as a full flush left them
    rider = worker()
    PointsAccount.objects.get_or_create(worker=rider)
    Badge.objects.create(code="b", name="徽章")
    quick_flush._kept_after_full_flush["default"] = quick_flush._kept_state("default")
    kept = (ContentType.objects.count(), Permission.objects.count())
    calls: list[Any] = []

    # when the test is torn down
    quick_flush.quick_fixture_teardown(_full_flush_recorded(calls))(_Test())

    # then every row it wrote is gone, without Django's full flush, and post_migrate's rows stay
    assert calls == []
    assert _rows() == {"badges": 0, "accounts": 0, "content types": kept[0], "permissions": kept[1]}
    assert not type(rider).objects.exists()


def test_changed_content_types_and_django_variants_get_the_full_flush() -> None:
    # given content types as the last full flush left them
    quick_flush._kept_after_full_flush["default"] = quick_flush._kept_state("default")
    calls: list[Any] = []
    teardown = quick_flush.quick_fixture_teardown(_full_flush_recorded(calls))

    # when a test asked for Django's variants, or changed the content types
    teardown(_Test(available_apps=["littlebee.points"]))
    teardown(_Test(serialized_rollback=True))
    ContentType.objects.create(app_label="elsewhere", model="thing")
    teardown(_Test())

    # then each got the full flush (recorded here; the real one runs after this test)
    assert len(calls) == 3
