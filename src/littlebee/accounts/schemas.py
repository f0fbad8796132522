from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema

# ErrorOut and FieldErrorOut re-exported: the apps' routers import the error body from here.
from littlebee.core.api_schemas import ErrorOut as ErrorOut
from littlebee.core.api_schemas import FieldErrorOut as FieldErrorOut
from littlebee.core.api_schemas import Ref


class CommunityRef(Ref):
    full_name: str


class OrganisationRef(Ref):
    kind: str


class RoleOut(Schema):
    organisation: OrganisationRef
    role: str


class MeOut(Schema):
    id: int
    phone: str
    name: str
    worker_type: str | None
    enterprise: Ref | None
    outlet: Ref | None
    community: CommunityRef | None
    verified: bool
    checkin_status: str | None
    employment_status: str | None
    party_member: bool
    points_balance: int
    title: str | None
    # The volunteer star title (一星志愿者…五星志愿者) of the certified hours, null under 100
    # hours and for staff: volunteering adds it (accounts.hooks.me_columns).
    volunteer_title: str | None = None
    roles: list[RoleOut]
    # The language texts sent to the person (SMS) are written in: the one they chose, else the
    # city's. Signing in remembers the request's Accept-Language; PATCH /me changes it.
    language: str


class RegisterIn(Schema):
    phone: str
    # From POST /auth/sms-code with purpose=register; missing or wrong is 400 invalid_code.
    code: str = ""
    password: str
    name: str
    worker_type: str
    enterprise: int | None = None
    community: int | None = None
    outlet: int | None = None
    party_member: bool = False


class RegisterOut(Schema):
    user: MeOut
    token: str


class SmsCodeIn(Schema):
    phone: str
    purpose: Literal["login", "register", "password_reset"] = "login"


class SmsCodeOut(Schema):
    detail: str
    resend_after: int


class TokenIn(Schema):
    phone: str
    password: str | None = None
    code: str | None = None


class TokenOut(Schema):
    token: str


class PasswordResetIn(Schema):
    phone: str
    code: str
    new_password: str


class PasswordChangeIn(Schema):
    old_password: str
    new_password: str


class DetailOut(Schema):
    detail: str


class RevokedAllOut(Schema):
    revoked: int


class MeUpdateIn(Schema):
    name: str | None = None
    outlet: int | None = None
    party_member: bool | None = None
    # One of the site's languages ("zh-hans", "en"): what texts sent to the person are written in.
    language: str | None = None


class DecisionIn(Schema):
    note: str = ""


class ResubmitIn(Schema):
    community: int


class ProfileEventOut(Schema):
    at: datetime
    action: str
    action_label: str
    actor_role: str
    organisation: str | None
    note: str


class WorkerOut(Schema):
    id: int
    name: str
    phone: str
    worker_type: str
    worker_type_label: str
    enterprise: Ref | None
    outlet: Ref | None
    community: CommunityRef
    party_member: bool
    checkin_status: str
    employment_status: str
    registered_at: datetime


class WorkerList(Schema):
    count: int
    items: list[WorkerOut]
