"""The stations' version: one row the database itself changes whenever anything the nearest
search answers with changes, so that a web process may keep the stations in memory
(selectors.nearby) and know with one indexed read of a row whether what it keeps is current.

What the search's answer depends on, and so what bumps the version (a trigger on each table,
installed by migration 0006, or by `install` on a database made from the models, as the tests'
--no-migrations does): stations (hives_hive), their weekly hours, dated exceptions and services
(the link table), the service catalogue (names, order, base flag; a new code turns a 400 into
an answer), and the managing units' names (orgs_organisation: an update of `name`, a delete).
Triggers see every write — the services, the admin, QuerySet.update and bulk_create, raw SQL,
loaddata — where a Django signal would miss all but save() and delete().

The version is a value never given twice, not a count: PostgreSQL's sequence (nextval is never
rolled back) and SQLite's random() (64 bits). A counter would be rolled back with a transaction
and count up again to the same number for other contents, and a process that had kept stations
it read inside the rolled-back transaction (they see its uncommitted rows) would take them for
current. The trigger upserts the row, so that a database whose row was deleted gets it back on
the next change; while it is missing, readers keep nothing (read() answers None).
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "hives_station_version"
SEQUENCE = "hives_station_version_seq"
FUNCTION = "hives_station_version_bump"
# (table, what changes it on PostgreSQL, on SQLite: one trigger per event). A managing unit is
# read for its name only; inserting an organisation changes no station.
WATCHED: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("hives_hive", "INSERT OR UPDATE OR DELETE OR TRUNCATE", ("INSERT", "UPDATE", "DELETE")),
    ("hives_openinginterval", "INSERT OR UPDATE OR DELETE OR TRUNCATE", ("INSERT", "UPDATE", "DELETE")),
    ("hives_openingexception", "INSERT OR UPDATE OR DELETE OR TRUNCATE", ("INSERT", "UPDATE", "DELETE")),
    ("hives_hive_services", "INSERT OR UPDATE OR DELETE OR TRUNCATE", ("INSERT", "UPDATE", "DELETE")),
    ("hives_service", "INSERT OR UPDATE OR DELETE OR TRUNCATE", ("INSERT", "UPDATE", "DELETE")),
    ("orgs_organisation", 'UPDATE OF "name" OR DELETE OR TRUNCATE', ('UPDATE OF "name"', "DELETE")),
)


def _trigger_name(table: str, event: str = "") -> str:
    suffix = event.split(" ")[0].lower() if event else "change"
    return f"{table}_version_{suffix}"


# Only this module's constant names go into the statements (hence the S608 exemptions).
def install_sql(vendor: str) -> list[str]:
    """The statements that make the version row and the triggers (each may run again: they
    replace or skip what exists)."""
    if vendor == "postgresql":
        statements = [
            f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}",
            f"CREATE TABLE IF NOT EXISTS {TABLE} (id integer PRIMARY KEY, version bigint NOT NULL)",
            f"INSERT INTO {TABLE} (id, version) VALUES (1, nextval('{SEQUENCE}')) ON CONFLICT (id) DO NOTHING",  # noqa: S608
            # One statement, one new version: a bulk update bumps it once (FOR EACH STATEMENT).
            f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"  # noqa: S608
            f" INSERT INTO {TABLE} (id, version) VALUES (1, nextval('{SEQUENCE}'))"
            " ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version; RETURN NULL; END $$",
        ]
        statements += [
            f'CREATE OR REPLACE TRIGGER {_trigger_name(table)} AFTER {events} ON "{table}"'
            f" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            for table, events, _sqlite in WATCHED
        ]
        return statements
    if vendor == "sqlite":
        statements = [
            f"CREATE TABLE IF NOT EXISTS {TABLE} (id integer PRIMARY KEY, version bigint NOT NULL)",
            f"INSERT OR IGNORE INTO {TABLE} (id, version) VALUES (1, random())",  # noqa: S608
        ]
        # Statements that cannot conflict: SQLite runs a trigger's statements under the conflict
        # rule of the statement that fired it, and an upsert (INSERT OR REPLACE) fired by the
        # INSERT OR IGNORE of Django's many-to-many add() would be ignored.
        statements += [
            f'CREATE TRIGGER IF NOT EXISTS {_trigger_name(table, event)} AFTER {event} ON "{table}"'  # noqa: S608
            f" BEGIN UPDATE {TABLE} SET version = random() WHERE id = 1;"
            f" INSERT INTO {TABLE} (id, version) SELECT 1, random() WHERE NOT EXISTS (SELECT 1 FROM {TABLE}); END"
            for table, _pg, events in WATCHED
            for event in events
        ]
        return statements
    raise NotImplementedError(f"the stations' version has no triggers for {vendor}")


def uninstall_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            *(f'DROP TRIGGER IF EXISTS {_trigger_name(table)} ON "{table}"' for table, _pg, _sqlite in WATCHED),
            f"DROP FUNCTION IF EXISTS {FUNCTION}()",
            f"DROP TABLE IF EXISTS {TABLE}",
            f"DROP SEQUENCE IF EXISTS {SEQUENCE}",
        ]
    return [
        *(
            f"DROP TRIGGER IF EXISTS {_trigger_name(table, event)}"
            for table, _pg, events in WATCHED
            for event in events
        ),
        f"DROP TABLE IF EXISTS {TABLE}",
    ]


def install(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in install_sql(connection.vendor):
            cursor.execute(statement)


READ_SQL = f"SELECT version FROM {TABLE} WHERE id = 1"  # noqa: S608 (a constant)


def read(cursor: Any) -> int | None:
    """The stations' version on the cursor's connection (what its transaction sees), or None
    when the row is missing."""
    cursor.execute(READ_SQL)
    row = cursor.fetchone()
    return None if row is None else int(row[0])
