"""Domain errors: raised by services and selectors, turned into API answers and form errors.

Each error carries a stable machine code (the API's `code`), an HTTP status and a translated
human sentence; validation errors also carry per-field messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass
class FieldError:
    field: str
    detail: str | Promise


@dataclass
class DomainError(Exception):
    code: str
    detail: str | Promise
    status: int = 400
    errors: list[FieldError] = field(default_factory=list)
    # More of the answer's body, beside code and detail (JSON-ready): what a client needs to act
    # on the refusal, such as the learning item a task requires and where to take it.
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


class InvalidInput(DomainError):
    def __init__(self, errors: list[FieldError], detail: str | Promise | None = None) -> None:
        super().__init__(
            code="invalid_input",
            detail=detail or (errors[0].detail if len(errors) == 1 else _("请检查填写的内容。")),
            status=400,
            errors=errors,
        )

    @classmethod
    def one(cls, field_name: str, detail: str | Promise) -> InvalidInput:
        return cls([FieldError(field_name, detail)])

    @classmethod
    def from_django(cls, exc: ValidationError) -> InvalidInput:
        """A model's full_clean() failure as field errors ("__all__" for constraints across fields)."""
        if hasattr(exc, "error_dict"):
            errors = [FieldError(name, message) for name, messages in exc.message_dict.items() for message in messages]
        else:
            errors = [FieldError(NON_FIELD_ERRORS, message) for message in exc.messages]
        return cls(errors or [FieldError(NON_FIELD_ERRORS, _("请检查填写的内容。"))])


class NotFound(DomainError):
    def __init__(self, detail: str | Promise | None = None) -> None:
        super().__init__(code="not_found", detail=detail or _("找不到该内容，或您无权查看。"), status=404)


class Conflict(DomainError):
    def __init__(self, code: str, detail: str | Promise) -> None:
        super().__init__(code=code, detail=detail, status=409)


class TooManyRequests(DomainError):
    def __init__(self, detail: str | Promise, retry_after: int | None = None) -> None:
        super().__init__(code="too_many_requests", detail=detail, status=429)
        self.retry_after = retry_after


class PermissionDenied(DomainError):
    def __init__(self, detail: str | Promise | None = None) -> None:
        super().__init__(code="permission_denied", detail=detail or _("您没有执行此操作的权限。"), status=403)


class PayloadTooLarge(DomainError):
    """An upload bigger than the service accepts (HTTP 413; the API's code `too_large`)."""

    def __init__(self, detail: str | Promise | None = None) -> None:
        super().__init__(code="too_large", detail=detail or _("上传的内容过大。"), status=413)


class UnsupportedMediaType(DomainError):
    """A body in a form the call does not read (HTTP 415): JSON sent to an upload, which takes
    multipart/form-data. Answered rather than read as a form with every field missing."""

    def __init__(self, detail: str | Promise | None = None) -> None:
        super().__init__(
            code="unsupported_media_type",
            detail=detail or _("此接口只接受 multipart/form-data 表单（可带照片），请勿以 JSON 发送。"),
            status=415,
        )


# --- The catalogue of codes -------------------------------------------------------------------
@dataclass(frozen=True)
class ErrorCode:
    """A machine code the API may answer with, its usual HTTP status, and what it means (English:
    the API's documentation, not a message shown to people; `detail` is that)."""

    code: str
    status: int
    meaning: str


# Every code an error may carry, in one place: the API's OpenAPI description lists them
# (littlebee.api), and a test (core/tests/test_error_codes.py) fails when code anywhere raises a
# code missing here. Add a code here before raising it.
ERROR_CODES: tuple[ErrorCode, ...] = (
    ErrorCode("bad_request", 400, "The request could not be read (a malformed body or query)."),
    ErrorCode("invalid_input", 400, "A field is missing or wrong; `errors` lists a message per field."),
    ErrorCode("invalid_code", 400, "A texted code, or an event's check-in code, is wrong or has expired."),
    ErrorCode("invalid_token", 400, "A station's visit QR code is not valid (or no longer)."),
    ErrorCode("invalid_member_code", 400, "The worker's member code shown at a station is not valid."),
    ErrorCode("not_authenticated", 401, "Sign in first (a token, or a session)."),
    ErrorCode("invalid_credentials", 401, "The phone number and password (or code) do not match."),
    ErrorCode("permission_denied", 403, "Signed in, but not allowed to do this."),
    ErrorCode("not_a_worker", 403, "Only a registered worker may do this (a station visit)."),
    ErrorCode("not_found", 404, "No such thing, or the caller may not see it."),
    ErrorCode("method_not_allowed", 405, "The path does not take this HTTP method."),
    ErrorCode("conflict", 409, "The request conflicts with the current state."),
    ErrorCode("invalid_transition", 409, "The object's status does not allow this action now (a case, a voucher…)."),
    ErrorCode("invalid_merge", 409, "A case may only be merged into an open case of the same kind."),
    ErrorCode("nowhere_to_return", 409, "The case already sits with the office that sorts cases: forward it instead."),
    ErrorCode("already_held", 409, "The supervising organisation already holds the case."),
    ErrorCode("already_registered", 409, "The phone number (or the worker, for an event) is already registered."),
    ErrorCode("not_registered", 409, "The worker is not registered for the event."),
    ErrorCode("registration_closed", 409, "The event no longer takes registrations."),
    ErrorCode("waitlisted", 409, "A registration on the waiting list cannot check in."),
    ErrorCode("event_cancelled", 409, "The event was cancelled."),
    ErrorCode("checkin_closed", 409, "The event's check-in is not open."),
    ErrorCode("visit_window_closed", 409, "The visit is too long ago to record the service used."),
    ErrorCode("not_checked_in", 409, "The worker has not checked in with the community yet."),
    ErrorCode("insufficient_points", 409, "The worker's balance does not cover the points asked."),
    ErrorCode("out_of_stock", 409, "The gift is out of stock."),
    ErrorCode("limit_reached", 409, "A limit is reached (redemptions of a gift, a station's photos or items)."),
    ErrorCode("gift_inactive", 409, "The gift is no longer offered."),
    ErrorCode("already_fulfilled", 409, "The voucher was already handed out."),
    ErrorCode("voucher_expired", 409, "The voucher has expired."),
    ErrorCode("voucher_cancelled", 409, "The voucher was cancelled."),
    ErrorCode("already_granted", 409, "The honorary title is already held."),
    ErrorCode("already_reversed", 409, "The ledger entry was already reversed."),
    ErrorCode("duplicate", 409, "The same points spending was already recorded (its idempotency key)."),
    ErrorCode("duplicate_rule", 409, "An earning rule for the same scope exists."),
    ErrorCode("account_closed", 409, "The account has been closed."),
    ErrorCode("already_claimed", 409, "The worker already claimed the volunteer task."),
    ErrorCode("full_waitlist", 409, "The task's places and its waiting list are full."),
    ErrorCode("overlapping_claim", 409, "The worker holds a claim on another task at the same time."),
    ErrorCode(
        "claiming_paused",
        409,
        "Repeated no-shows pause the worker's claiming for a while (the detail says until when).",
    ),
    ErrorCode("team_only", 409, "Only members of the task's team may claim it."),
    ErrorCode("party_members_only", 409, "Only party members may claim the task."),
    ErrorCode(
        "learning_required",
        409,
        "The task requires a learning item the worker has not passed; `item` names it (id, title, url).",
    ),
    ErrorCode(
        "presence_too_short", 409, "Presence under the credited share of the task window: give minutes or decline."
    ),
    ErrorCode("already_requested", 409, "A correction of the service record is already waiting for an answer."),
    ErrorCode("no_service_records", 409, "No certified volunteer service in the period asked."),
    ErrorCode("over_max_points", 409, "The task's points exceed what the district lets the organisation give a task."),
    ErrorCode("over_budget", 409, "The task's points (points × slots) exceed the organisation's monthly budget."),
    ErrorCode("too_far", 400, "The position is outside the task's check-in radius."),
    ErrorCode("too_fast", 409, "A learning item was finished before its minimum time; `detail` says how long is left."),
    ErrorCode("already_credited", 409, "The learning session (or the item, for this worker) was credited already."),
    ErrorCode("too_large", 413, "An upload or body is bigger than accepted."),
    ErrorCode("unsupported_media_type", 415, "The call takes multipart/form-data, not JSON."),
    ErrorCode("too_many_requests", 429, "Too many requests or submissions; see Retry-After."),
    ErrorCode("server_error", 500, "Something failed on the server; nothing was changed by this request."),
    ErrorCode("code_exhausted", 503, "No free voucher code could be drawn; try again."),
    ErrorCode("no_receiving_office", 503, "No organisation can receive the case yet (routing has no target)."),
)


def error_codes_markdown() -> str:
    """The catalogue as a Markdown table, for the API's OpenAPI description."""
    rows = [f"| `{e.code}` | {e.status} | {e.meaning} |" for e in ERROR_CODES]
    return "\n".join(["| code | status | meaning |", "|---|---|---|", *rows])
