"""Personal-data rights over the API (API.md, accounts):

GET    /me/export   200 JSON of everything held about the caller (selectors.personal_data_of)
DELETE /me          {password} → 202; the account is closed as the privacy page says
                    (services.account_close); 400 wrong password, nothing changed; 429 after
                    too many wrong ones

DELETE /me shares its path with accounts' GET and PATCH /me. Ninja gives each router its own
URL pattern per path, and Django answers a path from the first pattern that matches it, so a
DELETE declared on this app's router would never be reached (accounts' pattern answers 405).
The operation therefore joins the accounts router; its code stays here, above the apps whose
data it erases (accounts may not import them).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from littlebee.accounts.api import router as accounts_router
from littlebee.accounts.requests import request_user
from littlebee.accounts.schemas import ErrorOut
from littlebee.core.requests import client_ip

from . import selectors, services

router = Router(tags=["privacy"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}


class CloseIn(Schema):
    password: str = Field(..., max_length=128)


class ClosedOut(Schema):
    detail: str


@router.get("/me/export", response={200: dict[str, Any], **ERRORS})
def me_export(request: HttpRequest) -> dict[str, Any]:
    """Everything held about the caller: profile, check-ins, reports, appeals, case actions,
    points, vouchers, station visits, event registrations, notifications, tokens, sign-ins,
    learning sessions, and volunteering (claims, service records, corrections, certificates,
    team memberships)."""
    return selectors.personal_data_of(request_user(request))


def me_close(request: HttpRequest, payload: CloseIn) -> Status[dict[str, str]]:
    """Close the caller's account, confirmed by the password."""
    services.account_close(user=request_user(request), password=payload.password, ip=client_ip(request))
    return Status(202, {"detail": _("账号已注销，个人信息已删除或匿名化。")})


# See the module's docstring: the same path as GET /me must live on the same router.
accounts_router.add_api_operation(
    "/me",
    ["DELETE"],
    me_close,
    response={202: ClosedOut, **ERRORS},
    tags=["privacy"],
    summary="Close my account",
)
