"""The signed-in user of a request, typed, for views and endpoints that require signing in."""

from __future__ import annotations

from django.http import HttpRequest

from .models import User


def request_user(request: HttpRequest) -> User:
    """`request.user` where login_required or the API's authentication has already run."""
    user = request.user
    assert isinstance(user, User)
    return user
