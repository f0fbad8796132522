"""An unexpected error in the API answers JSON in the error format, never Django's HTML page, and
is logged with its traceback (issue 11 item 6)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client

from littlebee.reports import selectors as report_selectors

pytestmark = pytest.mark.django_db


def test_an_unexpected_error_answers_json_500_and_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, settings: Any
) -> None:
    # given an endpoint whose read fails unexpectedly (a database or code fault)
    def broken() -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(report_selectors, "report_categories_active", broken)
    settings.DEBUG = False

    # when a client calls it
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = Client(raise_request_exception=False).get(
            "/api/v1/report-categories", headers={"Accept-Language": "zh-hans"}
        )

    # then it answers 500 as JSON in the error format, without the fault's text
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "server_error" and body["detail"]
    assert "database" not in body["detail"]
    # and the fault is logged with its traceback
    record = next(r for r in caplog.records if r.name == "django.request" and r.levelno == logging.ERROR)
    assert record.exc_info is not None and "RuntimeError" in caplog.text
