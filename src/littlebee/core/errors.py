"""Domain errors: raised by services and selectors, turned into API answers and form errors.

Each error carries a stable machine code (the API's `code`), an HTTP status and a translated
human sentence; validation errors also carry per-field messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
