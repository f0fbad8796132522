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

How the row and its triggers work (a value never given twice, not a count): core.version_row.
"""

from __future__ import annotations

from littlebee.core.version_row import EVERY_WRITE, VersionRow

TABLE = "hives_station_version"
# (table, what changes it on PostgreSQL, on SQLite: one trigger per event). A managing unit is
# read for its name only; inserting an organisation changes no station.
VERSION = VersionRow(
    table=TABLE,
    sequence="hives_station_version_seq",
    function="hives_station_version_bump",
    tag="version",
    watched=(
        ("hives_hive", *EVERY_WRITE),
        ("hives_openinginterval", *EVERY_WRITE),
        ("hives_openingexception", *EVERY_WRITE),
        ("hives_hive_services", *EVERY_WRITE),
        ("hives_service", *EVERY_WRITE),
        ("orgs_organisation", 'UPDATE OF "name" OR DELETE OR TRUNCATE', ('UPDATE OF "name"', "DELETE")),
    ),
)
install_sql = VERSION.install_sql
uninstall_sql = VERSION.uninstall_sql
install = VERSION.install
read = VERSION.read
READ_SQL = VERSION.read_sql
