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
# The scan walks the newest photos through the covering index "index-only", but a photo row the
# visibility map does not yet know as all-visible is read from the table as well: every photo
# written since the table's last vacuum. PostgreSQL's default vacuums after 20 % of the table
# changed, which for a city's photo table leaves the whole window (each photo is inserted, then
# updated when processed) unvacuumed. Measured on the A/B bench's database (9,710 photos written
# since the last vacuum, 5,000 in the window, 300 scans, backend CPU from /proc, load ~3.5): 1.83 ms
# per scan, 1.13-1.23 ms after a VACUUM. Vacuuming after every thousand new or changed rows keeps
# most of the window all-visible; such a vacuum reads only the pages changed since the last.
VACUUM_SETTINGS = (
    "autovacuum_vacuum_insert_threshold = 1000, autovacuum_vacuum_insert_scale_factor = 0,"
    " autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_scale_factor = 0"
)
VACUUM_SQL = f"ALTER TABLE reports_reportphoto SET ({VACUUM_SETTINGS})"
UNVACUUM_SQL = (
    "ALTER TABLE reports_reportphoto RESET (autovacuum_vacuum_insert_threshold,"
    " autovacuum_vacuum_insert_scale_factor, autovacuum_vacuum_threshold, autovacuum_vacuum_scale_factor)"
)
UNINSTALL_SQL = (
    f"DROP INDEX IF EXISTS {INDEX}",
    f"ALTER TABLE reports_reportphoto DROP COLUMN IF EXISTS {COLUMN}",
)


def install(connection: BaseDatabaseWrapper) -> None:
    """The column, the index and the table's vacuum settings on a PostgreSQL database (nothing
    elsewhere); may run again."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for sql in (*INSTALL_SQL, VACUUM_SQL):
            cursor.execute(sql)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for sql in (*UNINSTALL_SQL, UNVACUUM_SQL):
            cursor.execute(sql)
