from __future__ import annotations

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    # Behind the reverse proxy in production the first X-Forwarded-For hop is the client;
    # the proxy is trusted to overwrite the header rather than append to a forged one.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip()[:45]
    return str(request.META.get("REMOTE_ADDR", ""))[:45]
