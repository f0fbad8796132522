"""What PostgreSQL's near-duplicate scan (flags._closest_in_postgresql) reads: each report
photo's perceptual hash as a signed 64-bit integer, phash_bits (a stored generated column, NULL
unless phash is 16 hex digits), and reportphoto_scan_idx, a covering index of the ready photos
with a hash in the scan's order (newest first) holding the report and those bits. The scan of the
newest REPORTS_PHASH_SCAN_LIMIT photos is then an index-only walk comparing integers.

It used to convert every recent photo's hex text to bit(64) and match it against a regular
expression, after a sequential scan and a sort of the whole window: on the A/B bench's database
(5,000 photos in the window) 10-14 ms of PostgreSQL CPU for every processed photo, about 1 ms
this way (measured with the statement alone, load ~9).

Not a model field: only that one statement reads the column, the database computes it on every
write (the job's UPDATE, the ORM, bulk_create, raw SQL), and SQLite compares the hashes in
Python. Installed by migration 0009, or by `install` on a database made from the models (the
tests' --no-migrations), as hives.station_version does.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

COLUMN = "phash_bits"
INDEX = "reportphoto_scan_idx"

# Only constant names go into the statements.
INSTALL_SQL = (
    f"ALTER TABLE reports_reportphoto ADD COLUMN IF NOT EXISTS {COLUMN} bigint GENERATED ALWAYS AS"
    " (CASE WHEN phash ~ '^[0-9A-Fa-f]{16}$' THEN ('x' || phash)::bit(64)::bigint END) STORED",
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON reports_reportphoto (created_at DESC, id DESC)"
    f" INCLUDE (report_id, {COLUMN}) WHERE status = 'ready' AND phash <> ''",
)
UNINSTALL_SQL = (
    f"DROP INDEX IF EXISTS {INDEX}",
    f"ALTER TABLE reports_reportphoto DROP COLUMN IF EXISTS {COLUMN}",
)


def install(connection: BaseDatabaseWrapper) -> None:
    """The column and the index on a PostgreSQL database (nothing elsewhere); may run again."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for sql in INSTALL_SQL:
            cursor.execute(sql)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for sql in UNINSTALL_SQL:
            cursor.execute(sql)
