"""core.error_pages: a NotFound or PermissionDenied that leaves a page view becomes the 404 or 403
page (not a 500), and every other exception is left to Django."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from littlebee.core.error_pages import DomainErrorPagesMiddleware
from littlebee.core.errors import Conflict, NotFound, PermissionDenied


def _middleware() -> DomainErrorPagesMiddleware:
    return DomainErrorPagesMiddleware(lambda request: HttpResponse("ok"))


def _request() -> HttpRequest:
    return RequestFactory().get("/somewhere/")


def test_a_not_found_becomes_the_404_page() -> None:
    # given a view that raised NotFound
    exc = NotFound()

    # when the middleware sees it
    response = _middleware().process_exception(_request(), exc)

    # then the answer is Django's 404 page
    assert response is not None
    assert response.status_code == 404


def test_a_permission_denied_becomes_the_403_page() -> None:
    # given a view that raised the domain's PermissionDenied
    exc = PermissionDenied()

    # when the middleware sees it
    response = _middleware().process_exception(_request(), exc)

    # then the answer is Django's 403 page
    assert response is not None
    assert response.status_code == 403


def test_other_domain_errors_are_left_to_the_view_or_django() -> None:
    # given a conflict no view handled (a bug: it should have been a message or form error)
    exc = Conflict("already_done", "done")

    # when the middleware sees it
    response = _middleware().process_exception(_request(), exc)

    # then it does not hide it
    assert response is None


@pytest.mark.django_db
def test_a_station_that_does_not_exist_answers_the_404_page_through_the_whole_stack(client: Client) -> None:
    # given no station 999999
    # when someone opens its page (the view lets the selector's NotFound go)
    response = client.get("/hives/999999/")

    # then the 404 page, rendered by the site's 404 template
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
