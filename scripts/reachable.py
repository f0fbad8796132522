"""Exit 0 when the service behind a URL answers, 1 otherwise. Used by the Makefile and tests."""

from __future__ import annotations

import sys

from littlebee.core.services_probe import postgres_reachable, redis_reachable

if __name__ == "__main__":
    kind, url = sys.argv[1], sys.argv[2]
    ok = postgres_reachable(url) if kind == "postgres" else redis_reachable(url)
    sys.exit(0 if ok else 1)
