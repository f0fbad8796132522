from __future__ import annotations

import ipaddress

from django.http import HttpRequest


def _valid_ip(value: str) -> str:
    # An IPv6 zone ("%eth0") is free text and says nothing about the client: drop it.
    value = value.strip().split("%", 1)[0]
    try:
        return str(ipaddress.ip_address(value))[:45]
    except ValueError:
        return ""


def client_ip(request: HttpRequest) -> str:
    """The client's IP address, or "" when the request carries nothing that parses as one.

    Only well-formed addresses come back: the value is stored and used as a rate-limit key, so
    a forged header must not smuggle arbitrary text (or NUL bytes) into the database.
    """
    # Behind the reverse proxy in production the first X-Forwarded-For hop is the client;
    # the proxy is trusted to overwrite the header rather than append to a forged one.
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if forwarded:
        ip = _valid_ip(forwarded.split(",")[0])
        if ip:
            return ip
    return _valid_ip(str(request.META.get("REMOTE_ADDR", "")))
