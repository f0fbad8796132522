"""API authentication: a bearer token for mobile clients, the session (with CSRF) for pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from littlebee.accounts.services import token_authenticate

        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


bearer_auth = BearerToken()
api_auth = [bearer_auth, django_auth]


def _anonymous(request: HttpRequest) -> bool:
    """Last of the optional chain: a caller with no credentials is let through as anonymous."""
    return True


# Public endpoints that answer more to a signed-in caller (their own status, their balance).
optional_auth = [bearer_auth, django_auth, _anonymous]
