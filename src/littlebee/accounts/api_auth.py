"""API authentication: a bearer token for mobile clients, the session (with CSRF) for pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from littlebee.core.connection_check import first_statement_checks

from .selectors import ME_RIDE, TokenRide
from .services import token_lookup


class BearerToken(HttpBearer):
    """The bearer token of a mobile client. With a `ride` (selectors.TokenRide), the lookup's
    statement also reads the ride's columns for the endpoint (request.api_token.ride_values):
    one class, so the OpenAPI security scheme stays the one "BearerToken"."""

    def __init__(self, ride: TokenRide | None = None) -> None:
        super().__init__()
        self.ride = ride

    def __call__(self, request: HttpRequest) -> Any:
        # ninja's HttpBearer.__call__, reading the one header from META: request.headers builds a
        # dict of every header first, a cost on every API call that nothing else on a hot path needs.
        auth_value = request.META.get("HTTP_AUTHORIZATION")
        if not auth_value:
            return None
        parts = auth_value.split(" ")
        if parts[0].lower() != self.openapi_scheme:
            return None
        return self.authenticate(request, " ".join(parts[1:]))

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # Every bearer request starts here: the lookup doubles as the connection's health check.
        found = first_statement_checks(lambda: token_lookup(token, self.ride))
        if found is None:
            return None
        request.user = found.user
        # The token the request came with: "change my password" keeps it and ends the others.
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


class SignedInSession(SessionAuth):
    """The session cookie of a signed-in page. CSRF is checked only when the session belongs to
    someone: an anonymous caller has nothing to forge and must hear 401 not_authenticated, not
    a CSRF 403 that reads as "logged in but not allowed"."""

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)


bearer_auth = BearerToken()
session_auth = SignedInSession()
api_auth = [bearer_auth, session_auth]
# GET /me: the account read with the token (selectors.ME_RIDE), the same callers let in.
me_auth = [BearerToken(ME_RIDE), session_auth]


def _anonymous(request: HttpRequest) -> bool:
    """Last of the optional chain: a caller with no credentials is let through as anonymous."""
    return True


# Public endpoints that answer more to a signed-in caller (their own status, their balance).
optional_auth = [bearer_auth, session_auth, _anonymous]
