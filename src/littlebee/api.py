"""The REST API v1: one NinjaAPI, one router per app, errors as API.md describes."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.openapi.views import openapi_view

from littlebee.accounts.api_auth import api_auth
from littlebee.core import api_query_cache
from littlebee.core.api_parser import StrictJsonParser
from littlebee.core.errors import DomainError, TooManyRequests, error_codes_markdown

# Django's own logger for failed requests, so a 500 of the API is reported like any other.
logger = logging.getLogger("django.request")


class _TemporalResponse(HttpResponse):
    """ninja's temporal response (the one a view's answer is written into, headers and cookies
    set on it included), built on its first use. ninja makes one for every call before the view
    runs; a hot read answers its own HttpResponse (core.api_answers) and never touches it, so
    building it (headers, content type, an empty body: some 15 µs) was waste on every such call.
    Any read of an instance attribute or any assignment builds it first, as ninja built it."""

    def __init__(self, content_type: str) -> None:
        self.__dict__["_lazy_content_type"] = content_type

    def _build(self) -> None:
        content_type = self.__dict__.pop("_lazy_content_type", None)
        if content_type is not None:
            HttpResponse.__init__(self, "", content_type=content_type)

    def __getattr__(self, name: str) -> Any:
        # Only for attributes not found: before the build, every instance attribute.
        if "_lazy_content_type" in self.__dict__:
            self._build()
            return getattr(self, name)
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._build()
        super().__setattr__(name, value)


class LittleBeeApi(NinjaAPI):
    def create_temporal_response(self, request: HttpRequest) -> HttpResponse:
        return _TemporalResponse(self.get_content_type())


# An endpoint's query parameters validated once per query string (core.api_query_cache).
api_query_cache.install()

api = LittleBeeApi(
    title="Little Bee API",
    version="1",
    description=(
        "小蜜蜂 REST API v1.\n\n"
        "Errors answer `{code, detail[, errors]}`: `code` is one of the machine codes below, `detail` a "
        "sentence in the request's language, `errors` a list of `{field, detail}` for `invalid_input`.\n\n"
        + error_codes_markdown()
    ),
    urls_namespace="api-v1",
    docs_url=None,
    auth=api_auth,
    parser=StrictJsonParser(),
)


def api_docs(request: HttpRequest) -> HttpResponse:
    """OpenAPI docs served at /api/docs, outside the versioned prefix."""
    return openapi_view(request, api=api)


def _error(request: HttpRequest, status: int, code: str, detail: Any, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"code": code, "detail": str(detail), **extra}, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    extra: dict[str, Any] = dict(exc.extra)
    if exc.errors:
        extra["errors"] = [{"field": e.field, "detail": str(e.detail)} for e in exc.errors]
    response = _error(request, exc.status, exc.code, exc.detail, **extra)
    if isinstance(exc, TooManyRequests) and exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response


_PYDANTIC_MESSAGES = {
    "missing": _lazy("此项为必填项。"),
    "int_parsing": _lazy("请输入整数。"),
    "int_type": _lazy("请输入整数。"),
    "float_parsing": _lazy("请输入数字。"),
    "float_type": _lazy("请输入数字。"),
    "bool_parsing": _lazy("请输入 true 或 false。"),
    "bool_type": _lazy("请输入 true 或 false。"),
    "string_type": _lazy("请输入文字。"),
    "string_too_long": _lazy("内容过长。"),
    "json_invalid": _lazy("请求体不是有效的 JSON。"),
    "model_attributes_type": _lazy("请求体格式不正确。"),
    "dict_type": _lazy("请求体格式不正确。"),
    "null_character": _lazy("不能包含空字符。"),
    "enum": _lazy("请从给定的选项中选择。"),
    "literal_error": _lazy("请从给定的选项中选择。"),
}


def _pydantic_message(error_type: str) -> str:
    return str(_PYDANTIC_MESSAGES.get(error_type, _lazy("该项的值无效。")))


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for err in exc.errors:
        loc = [
            str(part) for part in err.get("loc", ()) if part not in ("body", "payload", "query", "path", "form", "data")
        ]
        errors.append({"field": ".".join(loc) or "body", "detail": _pydantic_message(str(err.get("type", "")))})
    detail = errors[0]["detail"] if len(errors) == 1 else _("请检查填写的内容。")
    return _error(request, 400, "invalid_input", detail, errors=errors)


@api.exception_handler(AuthenticationError)
def on_not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "not_authenticated", _("请先登录。"))


@api.exception_handler(AuthorizationError)
def on_not_allowed(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return _error(request, 403, "permission_denied", _("您没有执行此操作的权限。"))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("找不到该内容，或您无权查看。"))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {
        400: "bad_request",
        401: "not_authenticated",
        403: "permission_denied",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "too_large",
        429: "too_many_requests",
    }
    # Ninja's own messages (e.g. an unparsable body) are English; answer in the request's language.
    details = {
        400: _("请求格式不正确。"),
        401: _("请先登录。"),
        403: _("您没有执行此操作的权限。"),
        404: _("找不到该内容，或您无权查看。"),
        405: _("不支持该请求方法。"),
        413: _("上传的内容过大。"),
        429: _("请求过于频繁，请稍后再试。"),
    }
    return _error(
        request, exc.status_code, codes.get(exc.status_code, "error"), details.get(exc.status_code, exc.message)
    )


@api.exception_handler(Exception)
def on_server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Anything no other handler answers: logged with its traceback (as Django logs a 500), and
    answered as JSON in the error format, never Django's HTML error page. Django's own request
    errors keep the status Django would give them: a body over DATA_UPLOAD_MAX_MEMORY_SIZE is
    413, other suspicious requests 400, PermissionDenied 403."""
    if isinstance(exc, RequestDataTooBig):
        return _error(request, 413, "too_large", _("上传的内容过大。"))
    if isinstance(exc, SuspiciousOperation):
        return _error(request, 400, "bad_request", _("请求格式不正确。"))
    if isinstance(exc, PermissionDenied):
        return on_not_allowed(request, AuthorizationError())
    logger.error(
        "Internal Server Error: %s",
        request.path,
        exc_info=(type(exc), exc, exc.__traceback__),
        extra={"status_code": 500, "request": request},
    )
    return _error(request, 500, "server_error", _("服务器出错了，请稍后再试。"))


def _register_routers() -> None:
    from littlebee.accounts.api import router as accounts_router
    from littlebee.hives.api import router as hives_router
    from littlebee.orgs.api import router as orgs_router

    api.add_router("", accounts_router)
    api.add_router("", orgs_router)
    # The map's box query before the station routes, so "/hives/map" is never read as a station id.
    api.add_router("", "littlebee.hives.api_map.router")
    api.add_router("", hives_router)
    api.add_router("", "littlebee.hives.api_events.router")
    api.add_router("", "littlebee.hives.api_visits.router")
    api.add_router("", "littlebee.rewards.api.router")
    api.add_router("", "littlebee.points.api.router")
    api.add_router("", "littlebee.cases.api.router")
    api.add_router("", "littlebee.reports.api.router")
    api.add_router("", "littlebee.appeals.api.router")
    api.add_router("", "littlebee.volunteering.api.router")
    api.add_router("", "littlebee.notifications.api.router")
    api.add_router("", "littlebee.learning.api.router")
    api.add_router("", "littlebee.analytics.api.router")
    # Personal-data rights: GET /me/export here; DELETE /me joins the accounts router (see its module).
    api.add_router("", "littlebee.privacy.api.router")


_register_routers()
