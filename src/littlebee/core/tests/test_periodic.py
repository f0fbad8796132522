"""The embedded mode's scheduler: due jobs run once per slot, whoever checks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from celery.schedules import crontab, schedule
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from littlebee.core.models import PeriodicJobRun
from littlebee.core.periodic import periodic_jobs_run_due

pytestmark = pytest.mark.django_db

PING = {"task": "littlebee.core.ping", "args": ("tick",)}


def test_a_job_runs_when_first_seen_then_only_when_due_again(settings: Any) -> None:
    # given one job every ten minutes
    settings.CELERY_BEAT_SCHEDULE = {"ping": {**PING, "schedule": schedule(timedelta(minutes=10))}}

    # when the scheduler checks now, again at once, and once the last run is eleven minutes old
    first = periodic_jobs_run_due()
    soon = periodic_jobs_run_due()
    PeriodicJobRun.objects.filter(name="ping").update(last_run_at=timezone.now() - timedelta(minutes=11))
    later = periodic_jobs_run_due()

    # then it ran at the first and the last check only
    assert (first, soon, later) == (["ping"], [], ["ping"])


def test_a_missed_nightly_job_runs_at_the_next_check(settings: Any) -> None:
    # given a nightly job last run two days ago
    settings.CELERY_BEAT_SCHEDULE = {"nightly": {**PING, "schedule": crontab(hour=2, minute=10)}}
    PeriodicJobRun.objects.create(name="nightly", last_run_at=timezone.now() - timedelta(days=2))

    # when the scheduler checks, then it runs once
    assert periodic_jobs_run_due() == ["nightly"]
    assert periodic_jobs_run_due() == []


def test_two_processes_claiming_the_same_slot_run_it_once(settings: Any) -> None:
    # given a due job whose run another process claimed a moment ago
    settings.CELERY_BEAT_SCHEDULE = {"ping": {**PING, "schedule": schedule(timedelta(minutes=10))}}
    run = PeriodicJobRun.objects.create(name="ping", last_run_at=timezone.now() - timedelta(hours=1))
    PeriodicJobRun.objects.filter(pk=run.pk).update(last_run_at=timezone.now())

    # when this process checks with its stale view, then it does not run the job again
    assert periodic_jobs_run_due() == []


def test_the_command_reports_what_ran(settings: Any, capsys: Any) -> None:
    settings.CELERY_BEAT_SCHEDULE = {"ping": {**PING, "schedule": schedule(timedelta(minutes=10))}}
    call_command("run_periodic_jobs")
    call_command("run_periodic_jobs")
    assert capsys.readouterr().out.splitlines() == ["ping", "Nothing was due."]


def test_the_middleware_leaves_requests_alone_when_switched_off(settings: Any) -> None:
    settings.PERIODIC_JOBS_IN_PROCESS = False
    settings.CELERY_BEAT_SCHEDULE = {"ping": {**PING, "schedule": schedule(timedelta(minutes=10))}}
    assert Client().get("/login/").status_code == 200
    assert not PeriodicJobRun.objects.exists()
