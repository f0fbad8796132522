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

from littlebee.core.version_row import EVERY_WRITE, VersionRow

TABLE = "reports_intake_version"
# Every write to these tables changes the version: the intake reads rows of each (a new office
# or region can become a routing target, a category can be switched off).
VERSION = VersionRow(
    table=TABLE,
    sequence="reports_intake_version_seq",
    function="reports_intake_version_bump",
    tag="intake",
    watched=tuple(
        (table, *EVERY_WRITE)
        for table in (
            "reports_reportcategory",
            "cases_deadlinerule",
            "cases_routingrule",
            "orgs_region",
            "orgs_organisation",
        )
    ),
)
install_sql = VERSION.install_sql
uninstall_sql = VERSION.uninstall_sql
install = VERSION.install
# The version as a scalar subquery (RawSQL wraps it in parentheses): NULL while the row is missing.
READ_SQL = VERSION.read_sql
