"""The intake's configuration version: one row the database itself changes whenever anything
that filing a report reads of the configuration changes (reports.selectors.intake_context: the
categories, the deadline rules, the routing rules, the regions and the organisations), so that a
web process may keep what it read in memory and know whether it is current from one scalar
subquery in a statement the submission makes anyway (the community holding the point).

As hives.station_version does for the stations: a trigger on each table (installed by migration
0010, or by `install` on a database made from the models, as the tests' --no-migrations does)
sees every write (the services, the admin, QuerySet.update and bulk_create, raw SQL, loaddata),
where a Django signal would miss all but save() and delete(). The version is a value never given
twice, not a count: PostgreSQL's sequence (nextval is never rolled back) and SQLite's random()
(64 bits). A counter would be rolled back with a transaction and count up again to the same
number for other contents, and a process that had kept configuration read inside the
rolled-back transaction would take it for current. While the row is missing the subquery gives
NULL and nothing is kept.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "reports_intake_version"
SEQUENCE = "reports_intake_version_seq"
FUNCTION = "reports_intake_version_bump"
# Every write to these tables changes the version: the intake reads rows of each (a new office
# or region can become a routing target, a category can be switched off).
WATCHED: tuple[str, ...] = (
    "reports_reportcategory",
    "cases_deadlinerule",
    "cases_routingrule",
    "orgs_region",
    "orgs_organisation",
)
_PG_EVENTS = "INSERT OR UPDATE OR DELETE OR TRUNCATE"
_SQLITE_EVENTS = ("INSERT", "UPDATE", "DELETE")


def _trigger_name(table: str, event: str = "") -> str:
    suffix = event.lower() if event else "change"
    return f"{table}_intake_{suffix}"


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
            f'CREATE OR REPLACE TRIGGER {_trigger_name(table)} AFTER {_PG_EVENTS} ON "{table}"'
            f" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            for table in WATCHED
        ]
        return statements
    if vendor == "sqlite":
        statements = [
            f"CREATE TABLE IF NOT EXISTS {TABLE} (id integer PRIMARY KEY, version bigint NOT NULL)",
            f"INSERT OR IGNORE INTO {TABLE} (id, version) VALUES (1, random())",  # noqa: S608
        ]
        # Statements that cannot conflict (see hives.station_version: a trigger's statements run
        # under the conflict rule of the statement that fired it).
        statements += [
            f'CREATE TRIGGER IF NOT EXISTS {_trigger_name(table, event)} AFTER {event} ON "{table}"'  # noqa: S608
            f" BEGIN UPDATE {TABLE} SET version = random() WHERE id = 1;"
            f" INSERT INTO {TABLE} (id, version) SELECT 1, random() WHERE NOT EXISTS (SELECT 1 FROM {TABLE}); END"
            for table in WATCHED
            for event in _SQLITE_EVENTS
        ]
        return statements
    raise NotImplementedError(f"the intake's version has no triggers for {vendor}")


def uninstall_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            *(f'DROP TRIGGER IF EXISTS {_trigger_name(table)} ON "{table}"' for table in WATCHED),
            f"DROP FUNCTION IF EXISTS {FUNCTION}()",
            f"DROP TABLE IF EXISTS {TABLE}",
            f"DROP SEQUENCE IF EXISTS {SEQUENCE}",
        ]
    return [
        *(f"DROP TRIGGER IF EXISTS {_trigger_name(table, event)}" for table in WATCHED for event in _SQLITE_EVENTS),
        f"DROP TABLE IF EXISTS {TABLE}",
    ]


def install(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in install_sql(connection.vendor):
            cursor.execute(statement)


# The version as a scalar subquery (RawSQL wraps it in parentheses): NULL while the row is missing.
READ_SQL = f"SELECT version FROM {TABLE} WHERE id = 1"  # noqa: S608 (a constant)
