from __future__ import annotations

import ipaddress

from django.conf import settings
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

    X-Forwarded-For is the client's word until a proxy we run vouches for it: every proxy
    appends the address it saw to the right, so only the rightmost TRUSTED_PROXY_COUNT entries
    were written by our own proxies, and the Nth from the right is the client as our outermost
    proxy saw it. Anything to the left of that is whatever the client chose to send. With no
    trusted proxy (the default, gunicorn serving directly) the header is ignored, so a forged
    one cannot dodge the per-address limits on login, codes and sign-up.

    Only well-formed addresses come back: the value is stored and used as a rate-limit key, so
    a forged header must not smuggle arbitrary text (or NUL bytes) into the database.
    """
    remote = _valid_ip(str(request.META.get("REMOTE_ADDR", "")))
    hops = max(0, int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0))
    if hops == 0:
        return remote
    entries = [part for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if part.strip()]
    if len(entries) < hops:
        # Fewer entries than proxies: the request did not come through all of them.
        return remote
    return _valid_ip(entries[-hops]) or remote


def requested_language(request: HttpRequest) -> str | None:
    """The site language (one of LANGUAGES) the client's Accept-Language asks for, or None when the
    header is absent or names none of them: a client that says nothing (or asks for French)
    leaves a person's remembered language as it is."""
    from django.utils.translation import get_supported_language_variant

    header = str(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        tag = tag.strip().lower()
        if not tag or tag == "*" or len(tag) > 35:
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if quality > 0:
            ranked.append((-quality, index, tag))
    for _quality, _index, tag in sorted(ranked):
        try:
            return get_supported_language_variant(tag)
        except LookupError:
            continue
    return None
