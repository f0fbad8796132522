"""Where one API path spends its time: the product's WSGI application (every middleware, as
gunicorn calls it) in a loop, in this process, under cProfile, with the tokens product_setup.py
wrote. For the A/B harness's slow paths (bench/ab/run.py): what costs, not how fast.

    DATABASE_URL=postgres://…/db LITTLEBEE_VAR_DIR=… PYTHONPATH=src \\
        .venv/bin/python bench/ab/profile_path.py --tokens DIR/worker_tokens.txt /api/v1/me

Writes too, with a body as bench/ab/paths.lua sends it:

    … profile_path.py --tokens DIR/worker_tokens.txt --json '{}' /api/v1/rewards/GIFT/redemptions
    … profile_path.py --tokens DIR/worker_tokens.txt --bench-photo --points DIR/places.txt \\
        --form category=garbage --form description=… /api/v1/reports

(--bench-photo: a new photo per request, spliced as run.py splices them; places.txt's lines carry
a category too, which replaces the form's. The places and photos are drawn from a generator seeded
by the clock, so a second run on the same database sends new ones, as the bench does.)

(--json or --photo/--form make it a POST; --points adds "lat" and "lng" to the form, about 300 m
around a random line of that file; to a GET's query, about 1 km around one, as paths.lua's
station searches: … --points DIR/points.txt '/api/v1/hives?limit=20'.)

A write queues work after its answer (core.background's job threads without Redis: a photo,
the statistics' stale marks): the timed loop waits for those jobs, so its CPU per request is
the whole cost of a request in this process; --jobs-inline runs each job on the request's own
thread instead, so that the profile sees it too.

Prints the mean wall time and this process's CPU time (every thread) per request without the
profiler, the CPU its PostgreSQL backend(s) spent, and the database connections opened per
request (a job thread closes its connections after each job), then the profile's top functions
(cumulative and own time; --cpu: the CPU time of the request's thread, which a loaded machine's
waits do not blur). --sql also prints the statements of one request (a job on its own
thread not included).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

BOUNDARY = "----littlebee-profile-7d1f0c2e"


def _multipart(fields: list[tuple[str, str]], photo: bytes | None) -> bytes:
    parts: list[bytes] = []
    for name, value in fields:
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    if photo is not None:
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="photos"; filename="IMG.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n".encode()
        )
        parts.append(photo + b"\r\n")
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts)


class _BenchPhotos:
    """Photos as run.py sends them: each spliced from run.PHOTO_VARIANTS pictures' bands (its own
    bytes and picture, about 50 KB), so none is a reuse of another."""

    def __init__(self) -> None:
        import run

        heads, self.bands = set(), []
        for seed in range(run.PHOTO_VARIANTS):
            head, bands = run._jpeg_bands(run._photo_variant(seed))
            heads.add(head)
            self.bands.append(bands)
        if len(heads) != 1:
            raise SystemExit("bench photos: the variants' headers differ")
        self.head = heads.pop()

    def next(self, rng: random.Random) -> bytes:
        count = len(self.bands[0])
        pieces = [self.head]
        for i in range(count):
            pieces.append(rng.choice(self.bands)[i])
            if i < count - 1:
                pieces.append(bytes((0xFF, 0xD0 + i % 8)))
        pieces.append(b"\xff\xd9")
        return b"".join(pieces)


class Requests:
    """The WSGI environ of request i: its token, and for a write its body."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.path = args.path
        self.tokens = args.tokens.read_text().split()
        self.json = args.json
        self.photo = args.photo.read_bytes() if args.photo else None
        self.bench_photos = _BenchPhotos() if args.bench_photo else None
        self.form = [tuple(f.split("=", 1)) for f in args.form]
        # 'lat,lng' (points.txt) or 'lat,lng,category' (places.txt: the category replaces the form's)
        self.points = [tuple(line.split(",")) for line in args.points.read_text().split()] if args.points else []
        # Seeded by the clock: a second run on the same database must not send the first run's
        # places and photos again (each would be a duplicate or a reused photo of the first).
        self.random = random.Random()
        # In a new order each run: a second run of reports from the same first workers would meet
        # their limit of reports per ten minutes (429) instead of being filed.
        self.random.shuffle(self.tokens)
        self.post = self.json is not None or self.photo is not None or self.bench_photos is not None or bool(self.form)

    def point(self) -> tuple[float, float, str | None]:
        place = self.random.choice(self.points)
        return float(place[0]), float(place[1]), place[2] if len(place) > 2 else None

    def body(self) -> tuple[bytes, str]:
        if self.json is not None:
            return self.json.encode(), "application/json"
        fields = list(self.form)
        if self.points:
            lat, lng, category = self.point()
            if category:
                fields = [(name, value) for name, value in fields if name != "category"] + [("category", category)]
            fields += [
                ("lat", f"{lat + (self.random.random() - 0.5) * 0.006:.6f}"),
                ("lng", f"{lng + (self.random.random() - 0.5) * 0.006:.6f}"),
            ]
        photo = self.bench_photos.next(self.random) if self.bench_photos else self.photo
        return _multipart(fields, photo), f"multipart/form-data; boundary={BOUNDARY}"

    def environ(self, i: int) -> dict[str, Any]:
        route, _, query = self.path.partition("?")
        if self.points and not self.post:
            # A station search as paths.lua sends it: about 1 km around a random station.
            lat, lng, _ = self.point()
            lat, lng = lat + (self.random.random() - 0.5) * 0.02, lng + (self.random.random() - 0.5) * 0.02
            where = f"lat={lat:.5f}&lng={lng:.5f}"
            query = f"{where}&{query}" if query else where
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": route,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_AUTHORIZATION": f"Bearer {self.tokens[i % len(self.tokens)]}",
            "HTTP_ACCEPT": "application/json",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if self.post:
            body, content_type = self.body()
            environ.update(
                REQUEST_METHOD="POST",
                CONTENT_TYPE=content_type,
                CONTENT_LENGTH=str(len(body)),
            )
            environ["wsgi.input"] = io.BytesIO(body)
        return environ


def _backend_cpu() -> float:
    """CPU seconds so far of this database's PostgreSQL backends on this machine (0 elsewhere)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        pids = [row[0] for row in cursor.fetchall()]
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", help="e.g. /api/v1/me or '/api/v1/reports?mine=true'")
    parser.add_argument("--tokens", type=Path, required=True, help="one bearer token a line")
    parser.add_argument("--json", help="a JSON body: POST it (application/json)")
    parser.add_argument("--photo", type=Path, help="a JPEG sent as the form's one 'photos' file: POST multipart")
    parser.add_argument(
        "--bench-photo", action="store_true", help="a new photo per request as run.py sends: POST multipart"
    )
    parser.add_argument("--form", action="append", default=[], help="name=value, a form field (repeat): POST multipart")
    parser.add_argument(
        "--points",
        type=Path,
        help="'lat,lng' or 'lat,lng,category' lines (points.txt, places.txt): the form"
        " (a GET: its query) gets lat and lng around one, and its category",
    )
    parser.add_argument("--jobs-inline", action="store_true", help="run background jobs on the request's thread")
    parser.add_argument(
        "--cpu", action="store_true", help="profile this thread's CPU time (time.thread_time), not the wall clock"
    )
    parser.add_argument("--dump", type=Path, help="also write the profile there (pstats; snakeviz reads it)")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sql", action="store_true", help="print the statements of one request")
    args = parser.parse_args()

    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()

    from django.db.backends.signals import connection_created

    from littlebee.core import background

    if args.jobs_inline:

        def inline(key: Any, fn: Any, *job_args: Any) -> bool:
            fn(*job_args)
            return True

        background.jobs.submit = inline  # type: ignore[method-assign]

    connections_opened = [0]
    connection_created.connect(
        lambda **kwargs: connections_opened.__setitem__(0, connections_opened[0] + 1), weak=False
    )
    requests = Requests(args)
    statuses: dict[str, int] = {}

    def start_response(status: str, headers: Any, exc_info: Any = None, /) -> Any:
        statuses[status] = statuses.get(status, 0) + 1
        return lambda data: None

    def one(i: int) -> None:
        body: Any = application(requests.environ(i), start_response)
        b"".join(body)
        if hasattr(body, "close"):
            body.close()

    for i in range(50):  # warm-up: imports, translations, statement caches
        one(i)
    background.jobs.wait(120)
    if args.sql:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            one(7)
        for q in captured.captured_queries:
            print(f"[{q['time']}] {q['sql'][:600]}\n")
        background.jobs.wait(120)
    n = args.requests
    opened = connections_opened[0]
    backend = _backend_cpu()
    cpu, started = time.process_time(), time.perf_counter()
    for i in range(50, 50 + n):
        one(i)
    answered = time.perf_counter()
    background.jobs.wait(600)  # what the requests queued, on this process's job threads
    wall, done = (answered - started) / n, (time.perf_counter() - started) / n
    cpu = (time.process_time() - cpu) / n
    backend = (_backend_cpu() - backend) / n
    opened = (connections_opened[0] - opened) / n
    profile = cProfile.Profile(time.thread_time) if args.cpu else cProfile.Profile()
    profile.enable()
    for i in range(50 + n, 50 + 2 * n):
        one(i)
    background.jobs.wait(600)
    profile.disable()
    if args.dump:
        profile.dump_stats(args.dump)
    print(
        f"{args.path}: {wall * 1000:.3f} ms per request without the profiler ({done * 1000:.3f} ms with its"
        f" background jobs); CPU per request {cpu * 1000:.3f} ms in this process (every thread),"
        f" {backend * 1000:.3f} ms in PostgreSQL backends still connected at the end;"
        f" {opened:.2f} connections opened per request; statuses {json.dumps(statuses)}"
    )
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
