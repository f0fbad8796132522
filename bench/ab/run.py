"""A/B harness: the product's API against a bare Django baseline, both on PostgreSQL, both served
by gunicorn as `make run` serves the product (--workers 2 --threads 4), driven by wrk in
alternating rounds (product, baseline, product, baseline, ...) with bearer tokens rotating over
thousands of workers.

    make bench-ab                                   # every path, 3 rounds of 10 s, 16 connections
    make bench-ab BENCH_AB_ARGS=--quick             # 3 rounds of 2 s on three paths: a smoke test
    .venv/bin/python bench/ab/run.py --paths me,redeem --rounds 5 --seconds 20 --connections 32

What happens, and is undone at the end (also on Ctrl-C or a failure):
1. two throwaway databases on --postgres; a temporary folder for media, tokens, logs;
2. the product's: migrate, the Wuhan demo city, --workers more checked-in workers, points,
   one hot gift with a big stock, a token for every worker and handler (product_setup.py);
3. the baseline's: its tables and one row per token (baseline_db.py, baseline.py);
4. both servers on 127.0.0.1 (free ports), a short warm-up that also checks each path answers 2xx;
5. per path, --rounds rounds on each server in turn; wrk (Debian's, installed with apt-get when
   missing) runs bench/ab/paths.lua, which counts statuses and prints percentiles as JSON.

Paths (product → baseline): me, points, rewards, reports_mine, notifications, cases_mine (staff
tokens), hives (nearest 20 around a random station) → one indexed SELECT; report_post (multipart,
one 50 KB JPEG) → a multipart POST storing the file and one row; redeem (the hot gift) → the
conditional stock UPDATE, voucher and ledger INSERTs in one transaction; mixed (70 % reads, 20 %
station searches, 10 % report submissions; --mixed-connections 32, --mixed-seconds 30) → the
same mix on the baseline.

The reports both sides get (the same bodies, from the same seeds) are made to look like a
city's, because what a report costs the product depends on what came before it: its answer lists
the open reports of its category within 250 m, and its photo is compared with earlier photos'
bytes (sha256) and perceptual hashes. A few dozen fixed points and one photo bytes for all made
every report a duplicate of dozens and a reuse of thousands, and the cost per report grew with
every round. Now each report's place is the next one of a list product_setup.py draws (a random
community, a uniform point inside its boundary; categories skewed as real ones are; 5 % within
80 m of a recent one of the same category, so real duplicates still appear); wrk's threads walk
disjoint stretches from where the previous round stopped, so no place is sent twice. Each photo
is spliced per request from 16 pictures encoded with restart markers (_photo_bands): a valid
JPEG of about 50 KB with its own bytes and its own picture, as every rider's photo is. paths.lua
prepares the form fields at a thread's start; a request only joins its pieces. The product's
database starts with a city's last 90 days of photo rows (REPORTS_PHASH_SCAN_LIMIT of them, their
own hashes), so each photo's near-duplicate scan costs from the first round what it does in a
city instead of growing with the bench's own photos.

Prints, per path: the median req/s of each side, the product/baseline ratio of each round pair
(min / median / max), the product's p50/p95/p99 latency (median over rounds) and its non-2xx
answers and socket errors; the CPU time the side's gunicorn processes and PostgreSQL backends
spent per answered request (median over rounds), counted until they are idle again (the jobs a
round queued after its answers, as a report's photo, are that round's cost, not the next one's;
each round line also says how much of it came after the answers), and baseline/product of it (the
ratio a quiet machine's rates would approach: on a shared machine the rates move with everyone's
load, the CPU per request much less); the machine's load average at the start and the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from baseline_db import baseline_populate

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parents[1]
BIN = Path(sys.executable).parent
# Exactly the serving line of `make run` (Makefile), but for the bind address.
GUNICORN_ARGS = ["--workers", "2", "--threads", "4", "--access-logfile", "-", "--forwarded-allow-ips", "127.0.0.1"]

READS = {
    "me": "/api/v1/me",
    "points": "/api/v1/points",
    "rewards": "/api/v1/rewards",
    "reports_mine": "/api/v1/reports?mine=true",
    "notifications": "/api/v1/me/notifications",
    "cases_mine": "/api/v1/cases?queue=mine",
}
MIXED_READS = ["me", "points", "rewards", "reports_mine", "notifications"]
ALL_PATHS = [*READS, "hives", "report_post", "redeem", "mixed"]
QUICK_PATHS = ["me", "report_post", "redeem"]


@dataclass
class Round:
    rate: float
    requests: int
    p50: float  # milliseconds
    p95: float
    p99: float
    non_2xx: dict[int, int]
    errors: int
    first_error: str
    # CPU of the side's server processes and its PostgreSQL backends, per answered request, from
    # the round's start until they are idle again (_settled); after_ms: the part spent after wrk's
    # last answer (the jobs the round queued).
    cpu_ms: float = float("nan")
    after_ms: float = float("nan")


@dataclass
class PathResult:
    name: str
    product: list[Round] = field(default_factory=list)
    baseline: list[Round] = field(default_factory=list)


# --- Resources, each undone by the ExitStack ------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database(stack: contextlib.ExitStack, server: str, name: str) -> str:
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    stack.callback(drop)
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))


def _serve(stack: contextlib.ExitStack, label: str, app: list[str], env: dict[str, str], work: Path) -> tuple[int, int]:
    """Start gunicorn; (its port, its process group: the master and its workers)."""
    port = _free_port()
    log = work / f"{label}.log"
    log_file = log.open("wb")
    stack.callback(log_file.close)
    process = subprocess.Popen(  # its own session: a Ctrl-C reaches us, and we stop it
        # Gunicorn's control socket is per user by default: each server gets its own.
        [
            str(BIN / "gunicorn"),
            *app,
            "--bind",
            f"127.0.0.1:{port}",
            *GUNICORN_ARGS,
            "--control-socket",
            str(work / f"{label}.ctl"),
        ],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def stop() -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    stack.callback(stop)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the {label} server stopped at start-up; its log:\n{_tail(log)}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return port, process.pid
        time.sleep(0.3)
    raise SystemExit(f"the {label} server did not answer within 60 s; its log:\n{_tail(log)}")


def _first_answers(port: int, path: str) -> None:
    """Wait for the first answers of both gunicorn workers (Django loads lazily on the first
    request), with eight requests at a time and a generous timeout."""
    from concurrent.futures import ThreadPoolExecutor

    def get(_: int) -> int:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=120) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(get, range(16)))


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- Data -----------------------------------------------------------------------------------
# A report's photo. The product flags a photo whose bytes (sha256 of the upload) another report
# already sent, or whose perceptual hash (of the picture, not its bytes) is within 6 bits of a
# recent one's: one photo sent with every report, or one whose bytes differ only in a comment,
# matches thousands of earlier ones, which a real city's photos do not. wrk cannot encode a JPEG
# per request, but it can splice one: PHOTO_VARIANTS different pictures of the same size are
# encoded with the same tables and a restart marker every two rows of blocks, so each band
# between markers decodes on its own; a photo takes each band from a variant drawn at random.
# 16 variants of 15 bands: 16**15 photos of 49-53 KB, valid JPEGs that the product keeps as
# encoded, with different bytes and pictures (among 300 of them, each one's nearest perceptual
# hash 12 bits away or more, median 18; "similar" is 6 or less).
PHOTO_VARIANTS = 16


def _photo_variant(seed: int) -> bytes:
    """A 640×480 photo-like JPEG: a gradient, a dozen coloured disks, noise; no EXIF."""
    import random

    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    width, height = 640, 480
    gradient = Image.linear_gradient("L").rotate(rng.choice([0, 90, 180, 270])).resize((width, height))
    flips = (gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT), gradient.transpose(Image.Transpose.FLIP_TOP_BOTTOM))
    image = Image.merge("RGB", (gradient, *flips))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randrange(20, 120)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    image = Image.blend(image, noise, 0.25).filter(ImageFilter.SMOOTH)
    out = BytesIO()
    image.save(out, "JPEG", quality=85, restart_marker_rows=2)
    return out.getvalue()


def _jpeg_bands(data: bytes) -> tuple[bytes, list[bytes]]:
    """(Everything up to the scan's data, the scan's restart intervals without their markers)."""
    sos = data.index(b"\xff\xda")
    head_end = sos + 2 + int.from_bytes(data[sos + 2 : sos + 4], "big")
    if not data.endswith(b"\xff\xd9"):
        raise SystemExit("bench photo: the JPEG does not end with EOI")
    scan = data[head_end:-2]
    bands, start, i = [], 0, 0
    while (i := scan.find(b"\xff", i)) >= 0:
        if 0xD0 <= scan[i + 1] <= 0xD7:  # RSTn; 0xFF00 is a stuffed byte of the data
            bands.append(scan[start:i])
            start = i + 2
        i += 2
    bands.append(scan[start:])
    return data[:head_end], bands


def _photo_bands(blob_path: Path, index_path: Path) -> int:
    """Write the photo's pieces for paths.lua: the blob, and its index ("bands variants", the
    header's "offset length", then each band's variants' "offset length"); the photo's size."""
    heads, variants = set(), []
    for seed in range(PHOTO_VARIANTS):
        head, bands = _jpeg_bands(_photo_variant(seed))
        heads.add(head)
        variants.append(bands)
    if len(heads) != 1 or len({len(bands) for bands in variants}) != 1:
        raise SystemExit("bench photo: the variants' headers or bands differ; they cannot be spliced")
    (head,) = heads
    blob, index = bytearray(), [f"{len(variants[0])} {PHOTO_VARIANTS}"]
    for piece in [head] + [v[b] for b in range(len(variants[0])) for v in variants]:
        index.append(f"{len(blob)} {len(piece)}")
        blob += piece
    blob_path.write_bytes(bytes(blob))
    index_path.write_text("\n".join(index) + "\n")
    return len(head) + sum(len(b) + 2 for b in variants[0])


def _ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("  wrk is missing: installing Debian's package with apt-get", flush=True)
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        subprocess.run([*prefix, "apt-get", "install", "-y", "-q", "wrk"], env=env, check=True)
    except (OSError, subprocess.CalledProcessError):
        subprocess.run([*prefix, "apt-get", "update", "-q"], env=env, check=True)
        subprocess.run([*prefix, "apt-get", "install", "-y", "-q", "wrk"], env=env, check=True)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is still missing after apt-get install wrk")
    return found


# --- Load -----------------------------------------------------------------------------------
@dataclass
class Target:
    """One side of the comparison: where it listens and what each path means there."""

    label: str
    port: int
    paths: dict[str, dict[str, str]]
    process_group: int
    database: str


# --- CPU per request: what a round cost the server and the database, however busy the machine.
# Throughput on a shared machine moves with everyone else's load; the CPU time the two sides'
# processes spend per answered request does much less, so its ratio is printed beside the rates'.
def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _processes_of(target: Target, server: str) -> dict[int, float]:
    """CPU seconds so far of the target's gunicorn processes and of its database's backends."""
    import psycopg

    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2]) == target.process_group:
                    pids.append(int(entry.name))
    with psycopg.connect(server, autocommit=True) as conn:
        pids += [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [target.database])]
    return {pid: _cpu_seconds(pid) for pid in pids}


def _cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    # A backend that ended during the round takes its CPU with it: a small undercount.
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


# A side is idle again when its processes spent less than this CPU over a poll: the work a round
# queued after its answers (the product's photo jobs, office notices, the statistics' marks and
# the minute's refresh they ask for) is that round's cost, and left running it would be counted
# to the next path's rounds (or steal the other side's CPU unseen).
IDLE_CPU_SECONDS = 0.02
IDLE_POLL_SECONDS = 0.5
IDLE_WAIT_MAX_SECONDS = 60.0


def _settled(target: Target, server: str) -> tuple[dict[int, float], float]:
    """The target's CPU snapshot once its processes are idle (at most IDLE_WAIT_MAX_SECONDS),
    and the seconds waited."""
    started = time.monotonic()
    last = _processes_of(target, server)
    while time.monotonic() - started < IDLE_WAIT_MAX_SECONDS:
        time.sleep(IDLE_POLL_SECONDS)
        now = _processes_of(target, server)
        if _cpu_used(last, now) < IDLE_CPU_SECONDS:
            return now, time.monotonic() - started
        last = now
    return last, time.monotonic() - started


def _path_envs(product_gift: int, baseline_gift: int) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    product: dict[str, dict[str, str]] = {}
    baseline: dict[str, dict[str, str]] = {}
    for name, url in READS.items():
        product[name] = {"AB_MODE": "read", "AB_READ_PATHS": url}
        baseline[name] = {"AB_MODE": "read", "AB_READ_PATHS": "/read"}
    product["hives"] = {"AB_MODE": "hives", "AB_HIVES_PATH": "/api/v1/hives"}
    baseline["hives"] = {"AB_MODE": "hives", "AB_HIVES_PATH": "/read"}
    product["report_post"] = {"AB_MODE": "upload", "AB_UPLOAD_PATH": "/api/v1/reports"}
    baseline["report_post"] = {"AB_MODE": "upload", "AB_UPLOAD_PATH": "/upload"}
    product["redeem"] = {"AB_MODE": "redeem", "AB_REDEEM_PATH": f"/api/v1/rewards/{product_gift}/redemptions"}
    baseline["redeem"] = {"AB_MODE": "redeem", "AB_REDEEM_PATH": f"/redeem/{baseline_gift}"}
    product["mixed"] = {
        "AB_MODE": "mixed",
        "AB_READ_PATHS": ",".join(READS[r] for r in MIXED_READS),
        "AB_HIVES_PATH": "/api/v1/hives",
        "AB_UPLOAD_PATH": "/api/v1/reports",
    }
    baseline["mixed"] = {
        "AB_MODE": "mixed",
        "AB_READ_PATHS": "/read",
        "AB_HIVES_PATH": "/read",
        "AB_UPLOAD_PATH": "/upload",
    }
    return product, baseline


def _wrk(
    wrk: str,
    target: Target,
    path: str,
    common: dict[str, str],
    *,
    seconds: float,
    connections: int,
    threads: int,
    timeout: float,
    token_start: int,
    seed: int,
) -> Round:
    threads = max(1, min(threads, connections))
    env = {
        **os.environ,
        **common,
        **target.paths[path],
        "AB_TOKEN_START": str(token_start),
        "AB_SEED": str(seed),
        "AB_THREADS": str(threads),
    }
    if path == "cases_mine":
        env["AB_TOKENS"] = common["AB_STAFF_TOKENS"]
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={max(1, round(timeout))}s",
        "-s",
        str(HERE / "paths.lua"),
        f"http://127.0.0.1:{target.port}",
    ]
    done = subprocess.run(command, env=env, capture_output=True, check=False)
    out = done.stdout.decode(errors="replace")
    line = next((x for x in out.splitlines() if x.startswith("AB_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed on {target.label} {path}:\n{out}\n{done.stderr.decode(errors='replace')}")
    data = json.loads(line[len("AB_JSON ") :])
    statuses = {int(k): v for k, v in data["statuses"].items()}
    lat = data["latency_us"]
    return Round(
        rate=data["requests"] / (data["duration_us"] / 1e6),
        requests=data["requests"],
        p50=lat["p50"] / 1000,
        p95=lat["p95"] / 1000,
        p99=lat["p99"] / 1000,
        non_2xx={s: n for s, n in statuses.items() if not 200 <= s <= 299},
        errors=sum(data["errors"].values()),
        first_error=data["first_error"],
    )


# --- Report ---------------------------------------------------------------------------------
def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _table(results: list[PathResult]) -> str:
    header = (
        f"{'path':<14} {'product r/s':>11} {'baseline r/s':>12}  {'ratio min / med / max':>21}"
        f"  {'product p50 / p95 / p99 ms':>27}  {'baseline p50/p99':>16}  {'non-2xx prod':>12}  {'non-2xx base':>12}"
        f"  {'CPU ms/req prod / base':>22}  {'CPU ratio':>9}"
    )
    rows = [header, "-" * len(header)]
    for r in results:
        ratios = [p.rate / b.rate for p, b in zip(r.product, r.baseline, strict=False) if b.rate > 0]
        ratio = f"{min(ratios):.3f} / {_median(ratios):.3f} / {max(ratios):.3f}" if ratios else "-"
        prod = (
            f"{_median([x.p50 for x in r.product]):.1f} / {_median([x.p95 for x in r.product]):.1f}"
            f" / {_median([x.p99 for x in r.product]):.1f}"
        )
        base = f"{_median([x.p50 for x in r.baseline]):.1f} / {_median([x.p99 for x in r.baseline]):.1f}"

        def bad(rounds: list[Round]) -> str:
            non = sum(sum(x.non_2xx.values()) for x in rounds)
            errors = sum(x.errors for x in rounds)
            return f"{non}" + (f" +{errors}e" if errors else "")

        prod_rate, base_rate = _median([x.rate for x in r.product]), _median([x.rate for x in r.baseline])
        prod_cpu, base_cpu = _median([x.cpu_ms for x in r.product]), _median([x.cpu_ms for x in r.baseline])
        cpu = f"{prod_cpu:.2f} / {base_cpu:.2f}"
        rows.append(
            f"{r.name:<14} {prod_rate:>11,.1f} {base_rate:>12,.1f}"
            f"  {ratio:>21}  {prod:>27}  {base:>16}  {bad(r.product):>12}  {bad(r.baseline):>12}"
            f"  {cpu:>22}  {base_cpu / prod_cpu if prod_cpu else float('nan'):>9.3f}"
        )
    return "\n".join(rows)


def _problems(results: list[PathResult]) -> list[str]:
    lines = []
    for r in results:
        for label, rounds in (("product", r.product), ("baseline", r.baseline)):
            statuses: dict[int, int] = {}
            for x in rounds:
                for s, n in x.non_2xx.items():
                    statuses[s] = statuses.get(s, 0) + n
            errors = sum(x.errors for x in rounds)
            if statuses or errors:
                sample = next((x.first_error for x in rounds if x.first_error), "")
                counts = ", ".join(f"{s}×{n}" for s, n in sorted(statuses.items()))
                lines.append(
                    f"  {r.name} {label}: {counts or 'no non-2xx'}"
                    + (f"; {errors} socket errors/timeouts" if errors else "")
                    + (f"; first: {sample[:200]}" if sample else "")
                )
    return lines


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min, {os.cpu_count()} CPUs)"


# --- Main -----------------------------------------------------------------------------------
def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL server URL; two throwaway databases are made there and dropped at the end",
    )
    parser.add_argument("--paths", help=f"comma-separated, from: {', '.join(ALL_PATHS)} (default: all)")
    parser.add_argument("--rounds", type=int, help="rounds per side and path (default 3, at least 3)")
    parser.add_argument("--seconds", type=float, help="seconds per round (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="connections per round (default 16)")
    parser.add_argument("--mixed-seconds", type=float, help="seconds per round of the mixed load (default 30)")
    parser.add_argument("--mixed-connections", type=int, default=32, help="connections of the mixed load (32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--timeout", type=float, default=10.0, help="wrk's per-request timeout in seconds (10)")
    parser.add_argument("--workers", type=int, help="workers added to the demo city's 300 (default 3000)")
    parser.add_argument(
        "--quick", action="store_true", help=f"3 rounds of 2 s on {', '.join(QUICK_PATHS)}, 500 workers: a smoke test"
    )
    args = parser.parse_args()
    args.rounds = args.rounds or 3
    args.seconds = args.seconds or (2.0 if args.quick else 10.0)
    args.mixed_seconds = args.mixed_seconds or (args.seconds if args.quick else 30.0)
    args.workers = args.workers if args.workers is not None else (500 if args.quick else 3000)
    paths = args.paths.split(",") if args.paths else (QUICK_PATHS if args.quick else ALL_PATHS)
    unknown = [p for p in paths if p not in ALL_PATHS]
    if unknown:
        parser.error(f"unknown path(s) {', '.join(unknown)}; choose from {', '.join(ALL_PATHS)}")
    if args.rounds < 3:
        parser.error("--rounds must be at least 3 (min / median / max need three)")
    args.paths = paths
    return args


def _product_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "CELERY_", "LITTLEBEE_"))}
    env.update(
        DATABASE_URL=database_url,
        LITTLEBEE_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="littlebee.settings",
        PYTHONPATH=str(PROJECT / "src"),
    )
    return env


def run(args: argparse.Namespace, stack: contextlib.ExitStack) -> list[PathResult]:
    wrk = _ensure_wrk()
    work = Path(tempfile.mkdtemp(prefix="littlebee-ab-"))
    stack.callback(shutil.rmtree, work, True)
    pid = os.getpid()
    product_url = _database(stack, args.postgres, f"littlebee_ab_product_{pid}")
    baseline_url = _database(stack, args.postgres, f"littlebee_ab_baseline_{pid}")

    print(f"setting up (throwaway databases on {urlsplit(args.postgres).netloc}, files in {work})", flush=True)
    product_env = _product_env(product_url, work / "product-var")
    subprocess.run(
        [sys.executable, str(HERE / "product_setup.py"), "--workers", str(args.workers), "--out", str(work)],
        env={**product_env, "LOG_LEVEL": "WARNING"},
        check=True,
    )
    product = json.loads((work / "product.json").read_text())
    worker_tokens = (work / "worker_tokens.txt").read_text().split()
    staff_tokens = (work / "staff_tokens.txt").read_text().split()
    baseline_gift = baseline_populate(baseline_url, worker_tokens + staff_tokens, stock=10**9, points=1_000_000)
    photo_size = _photo_bands(work / "photo_bands.bin", work / "photo_bands.txt")
    print(f"  baseline: {len(worker_tokens) + len(staff_tokens):,} token rows, hot gift #{baseline_gift}", flush=True)

    (work / "product-var" / "static").mkdir(parents=True, exist_ok=True)  # no collectstatic: the API needs none
    product_port, product_group = _serve(stack, "product", ["littlebee.wsgi:application"], product_env, work)
    baseline_env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "AB_BASELINE_DATABASE_URL": baseline_url,
        "AB_BASELINE_MEDIA_DIR": str(work / "baseline-media"),
    }
    baseline_port, baseline_group = _serve(
        stack, "baseline", ["--chdir", str(HERE), "baseline:application"], baseline_env, work
    )
    product_paths, baseline_paths = _path_envs(product["gift_id"], baseline_gift)
    targets = (
        Target("product", product_port, product_paths, product_group, urlsplit(product_url).path.lstrip("/")),
        Target("baseline", baseline_port, baseline_paths, baseline_group, urlsplit(baseline_url).path.lstrip("/")),
    )
    common = {
        "AB_TOKENS": str(work / "worker_tokens.txt"),
        "AB_STAFF_TOKENS": str(work / "staff_tokens.txt"),
        "AB_POINTS": str(work / "points.txt"),
        "AB_PLACES": str(work / "places.txt"),
        "AB_PHOTO_BANDS": str(work / "photo_bands.bin"),
        "AB_PHOTO_INDEX": str(work / "photo_bands.txt"),
    }
    print(
        f"  servers: product :{product_port}, baseline :{baseline_port} (gunicorn {' '.join(GUNICORN_ARGS[:4])});"
        f" photos of about {photo_size / 1000:.0f} KB, spliced per report",
        flush=True,
    )

    # Warm-up and check: two seconds on two connections per path and side, every answer 2xx.
    _first_answers(product_port, "/api/v1/report-categories")
    _first_answers(baseline_port, "/read")
    cursor = 0
    for path in args.paths:
        for target in targets:
            check = _wrk(
                wrk,
                target,
                path,
                common,
                seconds=2,
                connections=2,
                threads=1,
                timeout=args.timeout,
                token_start=cursor,
                seed=0,
            )
            if check.non_2xx or check.errors or check.requests == 0:
                raise SystemExit(
                    f"{target.label} {path}: {check.non_2xx or 'no 2xx'} in the warm-up; first answer: "
                    f"{check.first_error}\n{_tail(work / f'{target.label}.log')}"
                )
        cursor += 50

    results = []
    for path in args.paths:
        mixed = path == "mixed"
        seconds = args.mixed_seconds if mixed else args.seconds
        connections = args.mixed_connections if mixed else args.connections
        result = PathResult(path)
        print(f"{path}: {args.rounds} rounds × {seconds:g} s × {connections} connections per side", flush=True)
        for n in range(args.rounds):
            rounds = []
            for target in targets:  # A then B, with the same tokens from the same place
                cpu_before = _processes_of(target, args.postgres)
                measured = _wrk(
                    wrk,
                    target,
                    path,
                    common,
                    seconds=seconds,
                    connections=connections,
                    threads=args.threads,
                    timeout=args.timeout,
                    token_start=cursor,
                    seed=n + 1,
                )
                answered = _processes_of(target, args.postgres)
                idle, _ = _settled(target, args.postgres)
                if measured.requests:
                    measured.cpu_ms = _cpu_used(cpu_before, idle) * 1000 / measured.requests
                    measured.after_ms = _cpu_used(answered, idle) * 1000 / measured.requests
                rounds.append(measured)
            result.product.append(rounds[0])
            result.baseline.append(rounds[1])
            # Next round starts with tokens not used yet: the product limits reports per worker.
            cursor += max(r.requests for r in rounds)
            print(
                f"  round {n + 1}: product {rounds[0].rate:,.1f} r/s, baseline {rounds[1].rate:,.1f} r/s,"
                f" ratio {rounds[0].rate / rounds[1].rate if rounds[1].rate else float('nan'):.3f};"
                f" CPU per request {rounds[0].cpu_ms:.2f} / {rounds[1].cpu_ms:.2f} ms"
                f" (after the answers: {rounds[0].after_ms:.2f} / {rounds[1].after_ms:.2f}),"
                f" ratio {rounds[1].cpu_ms / rounds[0].cpu_ms if rounds[0].cpu_ms else float('nan'):.3f}",
                flush=True,
            )
        results.append(result)
    return results


def main() -> None:
    args = _arguments()
    # Ctrl-C (even when started with SIGINT ignored, as a shell's background job is) and SIGTERM
    # unwind, so the servers stop and the databases go.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"load at start: {_load()}", flush=True)
    stack = contextlib.ExitStack()
    try:
        results = run(args, stack)
    except KeyboardInterrupt:
        results = []
    finally:
        # Ctrl-C or SIGTERM again must not cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("stopping the servers, dropping the throwaway databases", flush=True)
        stack.close()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if not results:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    print()
    print(
        f"A/B: product (Little Bee API) vs bare Django baseline, PostgreSQL, gunicorn {' '.join(GUNICORN_ARGS[:4])},"
        f" {args.rounds} alternating rounds per path; ratio = product / baseline req/s per round pair"
    )
    print(_table(results))
    problems = _problems(results)
    if problems:
        print("non-2xx answers and socket errors:")
        print("\n".join(problems))
    print(f"load at end: {_load()}")


if __name__ == "__main__":
    main()
