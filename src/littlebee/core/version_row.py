"""A version row the database itself changes whenever any of some tables changes, so that a web
process may keep what it read of them in memory and know from one indexed read of a row whether
it is still current (hives.station_version: the stations; reports.intake_version: the intake's
configuration).

A trigger on each watched table (installed by a migration, or by `install` on a database made
from the models, as the tests' --no-migrations does) sees every write: the services, the admin,
QuerySet.update and bulk_create, raw SQL, loaddata, where a Django signal would miss all but
save() and delete().

The version is a value never given twice, not a count: PostgreSQL's sequence (nextval is never
rolled back) and SQLite's random() (64 bits). A counter would be rolled back with a transaction
and count up again to the same number for other contents, and a process that had kept rows read
inside the rolled-back transaction (it sees its uncommitted rows) would take them for current.
The trigger upserts the row, so a database whose row was deleted gets it back on the next
change; while it is missing, readers keep nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

# What changes a watched table: every write.
EVERY_WRITE = ("INSERT OR UPDATE OR DELETE OR TRUNCATE", ("INSERT", "UPDATE", "DELETE"))


@dataclass(frozen=True)
class VersionRow:
    """`table` holds the version (row id 1); `watched`: (table, what changes it on PostgreSQL,
    on SQLite: one trigger per event). Triggers are named `{watched table}_{tag}_{event}`."""

    table: str
    sequence: str
    function: str
    tag: str
    watched: tuple[tuple[str, str, tuple[str, ...]], ...]

    def _trigger_name(self, table: str, event: str = "") -> str:
        suffix = event.split(" ")[0].lower() if event else "change"
        return f"{table}_{self.tag}_{suffix}"

    # Only the instances' constant names go into the statements (hence the S608 exemptions).
    def install_sql(self, vendor: str) -> list[str]:
        """The statements that make the version row and the triggers (each may run again: they
        replace or skip what exists)."""
        table, sequence, function = self.table, self.sequence, self.function
        if vendor == "postgresql":
            statements = [
                f"CREATE SEQUENCE IF NOT EXISTS {sequence}",
                f"CREATE TABLE IF NOT EXISTS {table} (id integer PRIMARY KEY, version bigint NOT NULL)",
                f"INSERT INTO {table} (id, version) VALUES (1, nextval('{sequence}')) ON CONFLICT (id) DO NOTHING",  # noqa: S608
                # One statement, one new version: a bulk update bumps it once (FOR EACH STATEMENT).
                f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"  # noqa: S608
                f" INSERT INTO {table} (id, version) VALUES (1, nextval('{sequence}'))"
                " ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version; RETURN NULL; END $$",
            ]
            statements += [
                f'CREATE OR REPLACE TRIGGER {self._trigger_name(watched)} AFTER {events} ON "{watched}"'
                f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
                for watched, events, _sqlite in self.watched
            ]
            return statements
        if vendor == "sqlite":
            statements = [
                f"CREATE TABLE IF NOT EXISTS {table} (id integer PRIMARY KEY, version bigint NOT NULL)",
                f"INSERT OR IGNORE INTO {table} (id, version) VALUES (1, random())",  # noqa: S608
            ]
            # Statements that cannot conflict: SQLite runs a trigger's statements under the
            # conflict rule of the statement that fired it, and an upsert (INSERT OR REPLACE)
            # fired by the INSERT OR IGNORE of Django's many-to-many add() would be ignored.
            statements += [
                f'CREATE TRIGGER IF NOT EXISTS {self._trigger_name(watched, event)} AFTER {event} ON "{watched}"'  # noqa: S608
                f" BEGIN UPDATE {table} SET version = random() WHERE id = 1;"
                f" INSERT INTO {table} (id, version) SELECT 1, random() WHERE NOT EXISTS (SELECT 1 FROM {table}); END"
                for watched, _pg, events in self.watched
                for event in events
            ]
            return statements
        raise NotImplementedError(f"{table} has no triggers for {vendor}")

    def uninstall_sql(self, vendor: str) -> list[str]:
        if vendor == "postgresql":
            return [
                *(
                    f'DROP TRIGGER IF EXISTS {self._trigger_name(watched)} ON "{watched}"'
                    for watched, _pg, _sqlite in self.watched
                ),
                f"DROP FUNCTION IF EXISTS {self.function}()",
                f"DROP TABLE IF EXISTS {self.table}",
                f"DROP SEQUENCE IF EXISTS {self.sequence}",
            ]
        return [
            *(
                f"DROP TRIGGER IF EXISTS {self._trigger_name(watched, event)}"
                for watched, _pg, events in self.watched
                for event in events
            ),
            f"DROP TABLE IF EXISTS {self.table}",
        ]

    def install(self, connection: BaseDatabaseWrapper) -> None:
        with connection.cursor() as cursor:
            for statement in self.install_sql(connection.vendor):
                cursor.execute(statement)

    @property
    def read_sql(self) -> str:
        """The version (a scalar subquery too: RawSQL wraps it in parentheses); no row (NULL)
        while the row is missing."""
        return f"SELECT version FROM {self.table} WHERE id = 1"  # noqa: S608 (a constant)

    def read(self, cursor: Any) -> int | None:
        """The version on the cursor's connection (what its transaction sees), or None when the
        row is missing."""
        cursor.execute(self.read_sql)
        row = cursor.fetchone()
        return None if row is None else int(row[0])
