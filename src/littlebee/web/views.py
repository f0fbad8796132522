"""The pages that gather from several apps: the worker's home and the staff dashboard.

They live here, above every app, so that accounts (below points and cases) never has to name
the apps whose figures these pages show."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from littlebee.accounts import selectors
from littlebee.accounts.requests import request_user
from littlebee.accounts.selectors import StaffAccess
from littlebee.accounts.views import CHECKIN_QUEUE, EMPLOYMENT_QUEUE, staff_required
from littlebee.analytics.measures import Scope, overdue_now_total
from littlebee.cases.selectors import casework_counts, staff_org_ids
from littlebee.points.selectors import balance_of
from littlebee.volunteering.selectors import organiser_counts


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "accounts/landing.html")
    user = request_user(request)
    context = {
        "profile": selectors.worker_profile_of(user),
        "access": selectors.staff_access_of(user),
        # The ledger's cached balance.
        "points_balance": balance_of(user),
    }
    return render(request, "accounts/home.html", context)


@staff_required
@require_safe
def staff_dashboard(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    user = request_user(request)
    queues = []
    for queue in (CHECKIN_QUEUE, EMPLOYMENT_QUEUE):
        if queue.allowed(access):
            pending = queue.reviewable_by(user).filter(**{queue.status_field: "pending"}).count()
            queues.append({"queue": queue, "pending": pending})
    context: dict[str, Any] = {"access": access, "queues": queues}
    if access.handles_cases:
        context["casework"] = casework_counts(staff_org_ids(user))
    # Organisers of volunteer tasks: what waits for them (review, corrections) and today's tasks.
    context["volunteering"] = organiser_counts(user)
    if access.city_admin:
        # The whole city's overdue cases, by the same definition as the offices' table
        # (analytics.measures.overdue_now): the tile's own count is the admin's organisation's.
        context["city_overdue"] = overdue_now_total(Scope(everything=True))
    return render(request, "staff/dashboard.html", context)
