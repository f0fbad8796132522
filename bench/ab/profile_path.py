"""Where one API path spends its time: the product's WSGI application (every middleware, as
gunicorn calls it) in a loop, in this process, under cProfile, with the tokens product_setup.py
wrote. For the A/B harness's slow paths (bench/ab/run.py): what costs, not how fast.

    DATABASE_URL=postgres://…/db LITTLEBEE_VAR_DIR=… PYTHONPATH=src \\
        .venv/bin/python bench/ab/profile_path.py --tokens DIR/worker_tokens.txt /api/v1/me

Prints the mean wall time per request without the profiler, then the profile's top functions
(cumulative and own time). --sql also prints the statements of one request.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))


def _environ(path: str, token: str) -> dict[str, Any]:
    route, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": route,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_ACCEPT": "application/json",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", help="e.g. /api/v1/me or '/api/v1/reports?mine=true'")
    parser.add_argument("--tokens", type=Path, required=True, help="one bearer token a line")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sql", action="store_true", help="print the statements of one request")
    args = parser.parse_args()

    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    tokens = args.tokens.read_text().split()
    statuses: dict[str, int] = {}

    def start_response(status: str, headers: Any, exc_info: Any = None, /) -> Any:
        statuses[status] = statuses.get(status, 0) + 1
        return lambda data: None

    def one(i: int) -> None:
        body: Any = application(_environ(args.path, tokens[i % len(tokens)]), start_response)
        b"".join(body)
        if hasattr(body, "close"):
            body.close()

    for i in range(50):  # warm-up: imports, translations, statement caches
        one(i)
    if args.sql:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            one(7)
        for q in captured.captured_queries:
            print(f"[{q['time']}] {q['sql'][:600]}\n")
    started = time.perf_counter()
    for i in range(args.requests):
        one(i)
    plain = (time.perf_counter() - started) / args.requests
    profile = cProfile.Profile()
    profile.enable()
    for i in range(args.requests):
        one(i)
    profile.disable()
    print(f"{args.path}: {plain * 1000:.3f} ms per request without the profiler; statuses {statuses}")
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
