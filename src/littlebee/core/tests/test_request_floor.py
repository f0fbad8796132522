"""The per-request floor: what every request pays before its view, made cheaper without changing
what any request answers. Each request below goes through the site's middleware and through
Django's stock one (LocaleMiddleware, FallbackStorage) and must come back the same: status,
headers, cookies and body; pages keep their CSRF check, session and security headers."""

from __future__ import annotations

import re
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.base import BaseStorage
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory, override_settings
from django.urls import include, path
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI

from littlebee.accounts.api_auth import bearer_auth
from littlebee.accounts.services import token_issue
from littlebee.accounts.tests.factories import PASSWORD, worker
from littlebee.api import api

pytestmark = pytest.mark.django_db

# The site's middleware and the Django classes each stands in for.
STOCK_CLASSES = {
    "littlebee.core.language.RequestLanguageMiddleware": "django.middleware.locale.LocaleMiddleware",
    "littlebee.core.browser_state.BrowserSessionMiddleware": "django.contrib.sessions.middleware.SessionMiddleware",
    "littlebee.core.browser_state.BrowserCsrfViewMiddleware": "django.middleware.csrf.CsrfViewMiddleware",
    "littlebee.core.browser_state.BrowserMessageMiddleware": "django.contrib.messages.middleware.MessageMiddleware",
}
STOCK_MIDDLEWARE = [STOCK_CLASSES.get(m, m) for m in settings.MIDDLEWARE]
STOCK_STORAGE = "django.contrib.messages.storage.fallback.FallbackStorage"


# A page that leaves a message and one that shows it (the site's own pages do both).
def _leave_message(request: HttpRequest) -> HttpResponse:
    messages.success(request, "已保存")
    return HttpResponseRedirect("/show/")


def _show_messages(request: HttpRequest) -> HttpResponse:
    return HttpResponse("|".join(str(m) for m in messages.get_messages(request)))


# API-side views (under the API's prefix) that use what a cookie-less call is given lazily.
@csrf_exempt
def _api_session_write(request: HttpRequest) -> HttpResponse:
    request.session["seen"] = 1
    return HttpResponse("ok")


@csrf_exempt
def _api_session_read(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(request.session.get("seen")))


@csrf_exempt
def _api_message(request: HttpRequest) -> HttpResponse:
    messages.info(request, "已读")
    return HttpResponse("ok")


@csrf_exempt
def _api_csrf_token(request: HttpRequest) -> HttpResponse:
    get_token(request)
    return HttpResponse("ok")


def _api_not_exempt(request: HttpRequest) -> HttpResponse:
    return HttpResponse("posted")


urlpatterns = [
    path("leave/", _leave_message),
    path("show/", _show_messages),
    path("api/v1/test-session-write", _api_session_write),
    path("api/v1/test-session-read", _api_session_read),
    path("api/v1/test-message", _api_message),
    path("api/v1/test-csrf-token", _api_csrf_token),
    path("api/v1/test-not-exempt", _api_not_exempt),
    path("", include("littlebee.urls")),
]


# A page's form carries a CSRF token masked afresh on every response.
CSRF_VALUE = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]+"')


def _answer(response: Any) -> tuple[Any, ...]:
    cookies = {name: (morsel.value != "", morsel["max-age"]) for name, morsel in response.cookies.items()}
    body = CSRF_VALUE.sub(rb'\1(masked)"', response.content)
    return (response.status_code, sorted(response.items()), cookies, body)


def _both_stacks(requests: Any) -> tuple[list[Any], list[Any]]:
    """`requests(client)` → a list of responses, through the site's stack and through Django's stock one
    (clients that check CSRF tokens, as browsers' requests are checked)."""
    ours = [_answer(r) for r in requests(Client(enforce_csrf_checks=True))]
    with override_settings(MIDDLEWARE=STOCK_MIDDLEWARE, MESSAGE_STORAGE=STOCK_STORAGE):
        stock = [_answer(r) for r in requests(Client(enforce_csrf_checks=True))]
    return ours, stock


def test_api_answers_are_those_of_djangos_stock_middleware() -> None:
    # given a worker with a token, and a signed-in page session of another
    member = worker()
    _token, raw = token_issue(user=member, name="test")
    other = worker()

    def requests(client: Client) -> list[Any]:
        bearer = {"Authorization": f"Bearer {raw}"}
        answers = [
            client.get("/api/v1/me", headers=bearer),
            client.get("/api/v1/me", headers={**bearer, "Accept-Language": "en"}),
            client.get("/api/v1/points", headers=bearer),
            client.get("/api/v1/me/notifications", headers=bearer),
            client.get("/api/v1/me", headers={"Authorization": "Bearer lb_not-a-token"}),
            client.get("/api/v1/me"),
            client.get("/api/v1/nothing-here", headers=bearer),
            client.get("/api/v1/report-categories", headers={"Accept-Language": "en"}),
        ]
        client.force_login(other)
        # the page session on the API, and a bad bearer token beside it (the session answers)
        answers += [
            client.get("/api/v1/me"),
            client.get("/api/v1/me", headers={"Authorization": "Bearer lb_not-a-token"}),
            client.post("/api/v1/me/notifications/read", {}, content_type="application/json"),
        ]
        return answers

    # when the same requests go through both stacks
    ours, stock = _both_stacks(requests)

    # then every answer is the same, headers included, and the API's carry the security headers
    assert ours == stock
    headers = dict(ours[0][1])
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "camera=(self)" in headers["Permissions-Policy"]
    assert (headers["Vary"], headers["Content-Language"]) == ("Accept-Language", "zh-hans")
    assert dict(ours[1][1])["Content-Language"] == "en"
    assert ours[0][0] == 200 and ours[4][0] == 401 and ours[8][0] == 200
    # a session-signed POST without its CSRF token is refused, as before
    assert ours[10][0] == 403


@override_settings(ROOT_URLCONF=__name__)
def test_pages_sessions_csrf_and_messages_are_those_of_djangos_stock_middleware() -> None:
    # given a worker who can sign in
    member = worker()

    def requests(client: Client) -> list[Any]:
        answers = [
            client.get("/login/"),
            client.get("/login/", headers={"Accept-Language": "en"}),
            client.get("/no-such-page/"),
            client.post("/login/", {"phone": member.phone, "password": PASSWORD}),
        ]
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        answers.append(client.get("/login/"))
        client.force_login(member)
        # a message left by one page is shown by the next, once
        answers += [client.get("/leave/"), client.get("/show/"), client.get("/show/")]
        return answers

    # when the same requests go through both stacks
    ours, stock = _both_stacks(requests)

    # then every answer is the same, CSRF cookie and refusal, session and message cookies included
    assert ours == stock
    assert [a[0] for a in ours] == [200, 200, 404, 403, 200, 302, 200, 200]
    assert ours[6][3] == b"\xe5\xb7\xb2\xe4\xbf\x9d\xe5\xad\x98" and ours[7][3] == b""
    assert "csrftoken" in ours[0][2]
    assert "frame-ancestors 'none'" in dict(ours[0][1])["Content-Security-Policy"]
    assert dict(ours[4][1])["Content-Language"] == "en"


def test_an_api_call_builds_no_message_storage_nor_reads_a_language_off_its_path() -> None:
    # given a worker with a token
    _token, raw = token_issue(user=worker(), name="test")

    # when the API is called, counting what the stock middleware would do on every request
    with (
        mock.patch.object(signing, "get_cookie_signer", wraps=signing.get_cookie_signer) as signer,
        mock.patch.object(
            translation, "get_language_from_path", wraps=translation.get_language_from_path
        ) as path_language,
    ):
        response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})

    # then the answer needed neither (no message is read or left; no URL carries a language)
    assert response.status_code == 200
    assert signer.call_count == 0
    assert path_language.call_count == 0


def test_the_bearer_check_reads_its_header_without_building_all_headers() -> None:
    # given a request with a token
    _token, raw = token_issue(user=worker(), name="test")
    request = RequestFactory().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")

    # when the bearer check runs
    user = bearer_auth(request)

    # then it found the user from the one header (request.headers, a dict of all, was not built)
    assert user is not None and user == request.user
    assert "headers" not in request.__dict__
    # and a header of another scheme, or none, is no bearer
    assert bearer_auth(RequestFactory().get("/", HTTP_AUTHORIZATION=f"Basic {raw}")) is None
    assert bearer_auth(RequestFactory().get("/", HTTP_AUTHORIZATION="")) is None
    assert bearer_auth(RequestFactory().get("/", HTTP_AUTHORIZATION=f"bearer {raw}")) is not None


def test_a_read_answering_its_own_response_builds_no_other_and_the_rest_answer_as_ninja_did(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a worker with a token, and a count of the responses built
    member = worker()
    _token, raw = token_issue(user=member, name="test")
    bearer = {"Authorization": f"Bearer {raw}"}
    built: list[str] = []
    init = HttpResponseBase.__init__

    def counted(self: HttpResponseBase, *args: Any, **kwargs: Any) -> None:
        built.append(type(self).__name__)
        init(self, *args, **kwargs)

    monkeypatch.setattr(HttpResponseBase, "__init__", counted)

    def requests(client: Client) -> list[Any]:
        return [
            client.get("/api/v1/me", headers=bearer),
            # answered from a dict, written into ninja's temporal response: status, headers, cookies
            client.post("/api/v1/me/notifications/read", {}, content_type="application/json", headers=bearer),
            client.post("/api/v1/me/notifications/read", {"ids": "x"}, content_type="application/json", headers=bearer),
            client.get("/api/v1/report-categories", headers={"Accept-Language": "en"}),
            client.get("/api/v1/me"),
            client.get("/api/v1/me/notifications", {"limit": "x"}, headers=bearer),
        ]

    # when GET /me answers (core.api_answers writes its own response)
    Client().get("/api/v1/me", headers=bearer)
    built.clear()
    Client().get("/api/v1/me", headers=bearer)

    # then that one response is all that was built
    assert len(built) == 1, built

    # and every other answer is what ninja's own temporal response gave
    ours = [_answer(r) for r in requests(Client())]
    with mock.patch.object(
        api, "create_temporal_response", lambda request: NinjaAPI.create_temporal_response(api, request)
    ):
        stock = [_answer(r) for r in requests(Client())]
    assert ours == stock
    assert [a[0] for a in ours] == [200, 200, 400, 200, 401, 400]


@override_settings(ROOT_URLCONF=__name__)
def test_a_cookieless_api_call_that_uses_a_session_message_or_csrf_token_answers_as_djangos_stack() -> None:
    # given API-side views that write a session, leave a message, ask for a CSRF token, or want
    # CSRF; the calls carry no cookie (core.browser_state builds the session and messages lazily)
    def requests(client: Client) -> list[Any]:
        answers = []
        for url in ("test-session-write", "test-session-read", "test-message", "test-csrf-token"):
            answers.append(Client(enforce_csrf_checks=True).get(f"/api/v1/{url}"))
        answers.append(Client(enforce_csrf_checks=True).post("/api/v1/test-not-exempt"))
        # and the session written by the first call is read back with its cookie
        client.get("/api/v1/test-session-write")
        answers.append(client.get("/api/v1/test-session-read"))
        return answers

    # when they go through both stacks
    ours, stock = _both_stacks(requests)

    # then every answer is the same: the session's and messages' cookies, Vary, the CSRF cookie
    # and the CSRF refusal of a view that is not exempt
    assert [a[0] for a in ours] == [200, 200, 200, 200, 403, 200]
    assert ours[-1][3] == b"1"
    assert "sessionid" in ours[0][2] and "messages" in ours[2][2] and "csrftoken" in ours[3][2]
    assert ours == stock

    # and so do they with the CSRF secret kept in the session (read, so "Vary: Cookie", on every call)
    with override_settings(CSRF_USE_SESSIONS=True):
        ours, stock = _both_stacks(requests)
    assert ours == stock
    assert [a[0] for a in ours] == [200, 200, 200, 200, 403, 200]


def test_a_cookieless_bearer_call_builds_no_session_store_nor_message_storage() -> None:
    # given a worker with a token
    _token, raw = token_issue(user=worker(), name="test")
    built: list[str] = []
    session_init = SessionBase.__init__
    storage_init = BaseStorage.__init__

    def session(self: Any, *args: Any, **kwargs: Any) -> None:
        built.append("session")
        session_init(self, *args, **kwargs)

    def storage(self: Any, *args: Any, **kwargs: Any) -> None:
        built.append("messages")
        storage_init(self, *args, **kwargs)

    # when the phone calls GET /me with its bearer token and no cookie
    with mock.patch.object(SessionBase, "__init__", session), mock.patch.object(BaseStorage, "__init__", storage):
        response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
        for_the_call = list(built)
        # (and a page still gets both)
        page = Client().get("/login/")

    # then neither a session store nor a message storage was built for the call, only for the page
    assert response.status_code == 200 and page.status_code == 200
    assert for_the_call == []
    assert {"session", "messages"} <= set(built)


def test_the_requested_language_is_worked_out_once_per_cookie_and_header() -> None:
    # given a phone with a token, and a count of Django's choices of a request's language
    from littlebee.core import language

    _token, raw = token_issue(user=worker(), name="test")
    bearer = {"Authorization": f"Bearer {raw}"}
    language._CHOSEN.clear()

    # when it calls three times without a language, then in English, then in English again
    with mock.patch.object(
        translation, "get_language_from_request", wraps=translation.get_language_from_request
    ) as chosen:
        answers = [Client().get("/api/v1/me", headers=bearer) for _ in range(3)]
        answers += [Client().get("/api/v1/me", headers={**bearer, "Accept-Language": "en"}) for _ in range(2)]

    # then each answers in its language, and Django chose once per distinct (cookie, header)
    assert [a["Content-Language"] for a in answers] == ["zh-hans"] * 3 + ["en"] * 2
    assert chosen.call_count == 2

    # and a changed default language is honoured at once
    with override_settings(LANGUAGE_CODE="en"):
        assert Client().get("/api/v1/me", headers=bearer)["Content-Language"] == "en"
    assert Client().get("/api/v1/me", headers=bearer)["Content-Language"] == "zh-hans"


def test_the_active_language_is_read_once_per_language_not_per_request() -> None:
    # given the language middleware and two requests in the default language
    from littlebee.core import language

    middleware = language.RequestLanguageMiddleware(lambda request: HttpResponse())
    language._ACTIVE_CODE.clear()
    requests = [RequestFactory().get("/api/v1/me") for _ in range(2)]

    # when both are prepared
    with mock.patch.object(translation, "get_language", wraps=translation.get_language) as read:
        for request in requests:
            middleware.process_request(request)

    # then each knows its language, read off the active translation for the first only
    assert [r.LANGUAGE_CODE for r in requests] == ["zh-hans", "zh-hans"]
    assert read.call_count == 1
    translation.activate(settings.LANGUAGE_CODE)
