"""Schemathesis over the whole OpenAPI description: nothing a client sends gets a 500, and every
answer is one the description documents (its status and its body).

In-process against the WSGI application (no server) and bounded: a few examples per operation,
valid and invalid, as a worker and as a city admin, with ids of real objects in the path, ids
Schemathesis makes up, and ids too large for the database. Every finding is collected, so one
run reports all of them. LITTLEBEE_SCHEMATHESIS_EXAMPLES sets the examples per operation.
"""

from __future__ import annotations

import logging
import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from littlebee.accounts.models import Role, User
from littlebee.accounts.services import token_issue
from littlebee.accounts.tests.factories import staff
from littlebee.appeals.tests.factories import appeal_city, file_appeal
from littlebee.hives.tests.event_factories import EventFactory
from littlebee.hives.tests.factories import HiveFactory
from littlebee.reports.services import report_categories_ensure
from littlebee.rewards.tests.factories import GiftFactory, give_points

pytestmark = pytest.mark.django_db

# Per operation and caller. 15 runs both callers in about a minute and a half on PostgreSQL.
MAX_EXAMPLES = int(os.environ.get("LITTLEBEE_SCHEMATHESIS_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# Beyond the database's integers (SQLite and PostgreSQL bigint): a query with one overflows.
HUGE_ID = 2**63


@dataclass
class City:
    worker: User
    city_admin: User
    path_values: dict[str, Any]


@pytest.fixture
def wsgi_app(settings: Any, tmp_path: Any) -> Iterator[WSGIHandler]:
    settings.MEDIA_ROOT = tmp_path / "media"
    # As Django's test client does: the test's transaction stays open across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # Thousands of 4xx answers are expected; a 500 is still logged (ERROR).
    quiet = [logging.getLogger(name) for name in ("django.request", "django.security.csrf")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.ERROR)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)


@pytest.fixture
def city() -> City:
    c = appeal_city()
    report_categories_ensure()
    appeal = file_appeal(c)
    hive: Any = HiveFactory(community=c.w.community, managing_unit=c.w.community_org)
    staff(hive.managing_unit, role=Role.KEEPER)
    event: Any = EventFactory(hive=hive, organiser=hive.managing_unit)
    gift: Any = GiftFactory()
    give_points(c.rider, 500)
    return City(
        worker=c.rider,
        city_admin=c.w.city_admin,
        path_values={
            "appeal_id": appeal.pk,
            "case_id": appeal.case.pk,
            "hive_id": hive.pk,
            "event_id": event.pk,
            "gift_id": gift.pk,
            "enterprise_id": c.eleme.pk,
            "profile_id": c.rider.worker_profile.pk,
        },
    )


def _bearer(user: User) -> dict[str, str]:
    _token, raw = token_issue(user=user, name="schemathesis")
    return {"Authorization": f"Bearer {raw}"}


def _strategies(operation: Any, path_values: dict[str, Any]) -> Any:
    parameters = list(operation.path_parameters)
    strategies = [operation.as_strategy(generation_mode=mode) for mode in GenerationMode]
    known = {p.name: path_values[p.name] for p in parameters if p.name in path_values}
    if known:
        strategies.append(operation.as_strategy(path_parameters=known))
    huge = {p.name: HUGE_ID for p in parameters if p.definition.get("schema", {}).get("type") == "integer"}
    if huge:
        strategies.append(operation.as_strategy(path_parameters=huge))
    return st.one_of(strategies)


def run_schemathesis(app: WSGIHandler, user: User, path_values: dict[str, Any]) -> tuple[dict[str, str], Counter]:
    """Failures by operation and kind (with a curl line to reproduce), and the statuses seen."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = _bearer(user)
    failures: dict[str, str] = {}
    statuses: Counter = Counter()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()

        @given(case=_strategies(operation, path_values))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any) -> None:
            # Logging out revokes the token it carries: that operation gets a token of its own.
            sent = _bearer(user) if case.operation.label == "DELETE /api/v1/auth/token" else headers
            response = case.call(headers=sent)
            statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=sent)
            except (Exception, BaseExceptionGroup) as exc:
                for failure in getattr(exc, "exceptions", [exc]):
                    title = getattr(failure, "title", type(failure).__name__)
                    failures.setdefault(f"{case.operation.label}: {title}", f"{failure}\n{case.as_curl_command()}")

        call()
    return failures, statuses


def _report(failures: dict[str, str], statuses: Counter) -> str:
    found = defaultdict(list)
    for key in failures:
        found[key.rsplit(": ", 1)[1]].append(key.rsplit(": ", 1)[0])
    summary = "; ".join(f"{kind}: {len(ops)}" for kind, ops in found.items())
    return f"{summary} (statuses seen {dict(statuses)})\n\n" + "\n\n".join(f"{k}\n{v}" for k, v in failures.items())


# The two runs over the whole API take a minute or more each pass, so they run once, in the
# PostgreSQL pass: that is the production database, and the one that turns what a client sends
# into errors SQLite lets through (text longer than its column, a NUL byte, an integer out of
# range), which is what a 500 hides behind.
@pytest.mark.postgres
def test_as_a_worker_no_server_error_and_no_schema_violation(wsgi_app: WSGIHandler, city: City) -> None:
    # when
    failures, statuses = run_schemathesis(wsgi_app, city.worker, city.path_values)

    # then
    assert not failures, _report(failures, statuses)


@pytest.mark.postgres
def test_as_a_city_admin_no_server_error_and_no_schema_violation(wsgi_app: WSGIHandler, city: City) -> None:
    # when
    failures, statuses = run_schemathesis(wsgi_app, city.city_admin, city.path_values)

    # then
    assert not failures, _report(failures, statuses)


# --- What the run found, one test each ------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", f"/reports/{HUGE_ID}", None),
        ("post", f"/reports/{HUGE_ID}/feedback", {"rating": 5, "comment": "", "resolved": True}),
        ("delete", f"/events/{HUGE_ID}/registrations/mine", None),
    ],
)
def test_an_id_too_large_for_the_database_is_404_not_500(api_as: Any, city: City, method: str, path: str, body: Any):
    # given
    client = api_as(city.worker)

    # when
    response = getattr(client, method)(path, body) if body else getattr(client, method)(path)

    # then
    assert response.status_code == 404, response.content[:300]
    assert response.json()["code"] == "not_found"


def test_outlets_of_a_non_numeric_enterprise_is_a_documented_400(api: Any, db: Any) -> None:
    # when
    response = api.get("/enterprises/abc/outlets")

    # then the answer is 400 and the description says so
    assert response.status_code == 400
    described = api.get("/openapi.json").json()["paths"]["/api/v1/enterprises/{enterprise_id}/outlets"]["get"]
    assert "400" in described["responses"]


@pytest.mark.parametrize("path", ["/api/v1/reports", "/api/v1/appeals"])
def test_the_submission_rate_limit_is_documented(api: Any, db: Any, path: str) -> None:
    # when
    described = api.get("/openapi.json").json()["paths"][path]["post"]

    # then the 429 a worker gets after too many submissions is in the description
    assert "429" in described["responses"]
