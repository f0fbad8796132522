"""The rollup tables: the figures' source rows summed per day, so that a dashboard's cost does not
grow with the city's history (DESIGN.md, "Beyond one machine").

Every column is a count that `rollups.py` computes from the source rows and `measures.py` reads;
the definition of each figure (what is counted, on which day, for whom) is the docstring of its
measure. The tables are derived data: `littlebee analytics_rebuild` recomputes them from the
source rows and reports every difference it finds.

A row's place: `region` is the community (or the street or district, when that is all that is
known) the row's activity belongs to, `street_id` and `district_id` its ancestors, kept on the row
so that a district's or street's figures are one indexed filter. Its enterprise and industry are
the worker's employer (for `appeals_about_enterprise`: the enterprise the appeal names).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from littlebee.orgs.models import Organisation, Region


class ActivityDay(models.Model):
    """Per day × place × enterprise × worker type: workers, their reports, appeals, station
    visits, events, volunteering, learning and points."""

    day = models.DateField()
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    street_id = models.IntegerField(null=True, blank=True)
    district_id = models.IntegerField(null=True, blank=True)
    enterprise = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    industry = models.CharField(max_length=32, blank=True, default="")
    worker_type = models.CharField(max_length=20, blank=True, default="")

    registered = models.PositiveIntegerField(default=0)
    checked_in = models.PositiveIntegerField(default=0)
    party_members = models.PositiveIntegerField(default=0)
    confirmed_by_employer = models.PositiveIntegerField(default=0)
    reports_submitted = models.PositiveIntegerField(default=0)
    reports_accepted = models.PositiveIntegerField(default=0)
    reports_resolved = models.PositiveIntegerField(default=0)
    reports_disputed = models.PositiveIntegerField(default=0)
    appeals_received = models.PositiveIntegerField(default=0)
    appeals_resolved = models.PositiveIntegerField(default=0)
    appeals_about_enterprise = models.PositiveIntegerField(default=0)
    appeals_escalated_to_committee = models.PositiveIntegerField(default=0)
    station_visits = models.PositiveIntegerField(default=0)
    event_attendances = models.PositiveIntegerField(default=0)
    volunteer_minutes = models.PositiveIntegerField(default=0)
    learning_credits = models.PositiveIntegerField(default=0)
    # Points are summed over everyone in a place and day: a country's day passes 2**31.
    points_issued = models.PositiveBigIntegerField(default=0)
    points_spent = models.PositiveBigIntegerField(default=0)
    points_expired = models.PositiveBigIntegerField(default=0)
    # Reversals and adjustments carry their sign (a reversal takes points back: negative).
    points_reversed = models.BigIntegerField(default=0)
    points_adjusted = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("每日活动汇总")
        verbose_name_plural = _("每日活动汇总")
        indexes = [
            models.Index(fields=["day"], name="activity_day_idx"),
            models.Index(fields=["district_id", "day"], name="activity_district_day_idx"),
            models.Index(fields=["street_id", "day"], name="activity_street_day_idx"),
            models.Index(fields=["region", "day"], name="activity_region_day_idx"),
            models.Index(fields=["enterprise", "day"], name="activity_enterprise_day_idx"),
            models.Index(fields=["industry", "day"], name="activity_industry_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.region_id}/{self.enterprise_id}/{self.worker_type}"


class WorkerDay(models.Model):
    """A worker who did something on a day (a report, an appeal, a station visit, an event, a
    volunteer service, a learning credit): the distinct count behind "active"."""

    day = models.DateField()
    worker_id = models.IntegerField()
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    street_id = models.IntegerField(null=True, blank=True)
    district_id = models.IntegerField(null=True, blank=True)
    enterprise = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    industry = models.CharField(max_length=32, blank=True, default="")
    worker_type = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["day", "worker_id"], name="workerday_day_idx"),
            models.Index(fields=["district_id", "day"], name="workerday_district_idx"),
            models.Index(fields=["enterprise", "day"], name="workerday_enterprise_idx"),
            models.Index(fields=["worker_id", "day"], name="workerday_worker_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.worker_id}"


class StationDay(models.Model):
    """Per day × station × service: counted visits (the service the worker came for, when given)."""

    day = models.DateField()
    hive_id = models.IntegerField()
    service_id = models.IntegerField(null=True, blank=True)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    street_id = models.IntegerField(null=True, blank=True)
    district_id = models.IntegerField(null=True, blank=True)
    visits = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["day"], name="stationday_day_idx"),
            models.Index(fields=["district_id", "day"], name="stationday_district_idx"),
            # A street's or community's days (its station use): through the day index alone a
            # community's year read 219,000 entries of every place for its 365 rows (10 million
            # cases, 13 ms).
            models.Index(fields=["street_id", "day"], name="stationday_street_idx"),
            models.Index(fields=["region", "day"], name="stationday_region_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} hive {self.hive_id} service {self.service_id}: {self.visits}"


class OfficeDay(models.Model):
    """Per day × office × case kind, over the cases that reached the office that day: the
    inputs of the offices' rates (see measures.OFFICE_RATES)."""

    day = models.DateField()
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    street_id = models.IntegerField(null=True, blank=True)
    district_id = models.IntegerField(null=True, blank=True)
    industry = models.CharField(max_length=32, blank=True, default="")

    received = models.PositiveIntegerField(default=0)
    signed_on_time = models.PositiveIntegerField(default=0)
    due = models.PositiveIntegerField(default=0)
    resolved_on_time = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("每日承办单位汇总")
        verbose_name_plural = _("每日承办单位汇总")
        constraints = [models.UniqueConstraint(fields=["day", "organisation", "kind"], name="officeday_once")]
        indexes = [
            models.Index(fields=["day"], name="officeday_day_idx"),
            models.Index(fields=["district_id", "day"], name="officeday_district_idx"),
            # Some offices' days (the scorecards' enterprise party organisations, an office's own
            # rate row): through the (day, organisation, kind) constraint PostgreSQL walked every
            # office's entries of the days (10 million cases: 2,010 pages for the scorecards'
            # 8 days left out, 10 ms; a few pages at 100 thousand).
            models.Index(fields=["organisation", "day"], name="officeday_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.organisation_id} {self.kind}"


class OfficeNow(models.Model):
    """Per office × case kind, now: open cases and those of them past their deadline."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    open = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "kind"], name="officenow_once")]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.kind}: {self.overdue}/{self.open}"


# --- The panels' rollups ----------------------------------------------------------------------
# The tables above keep each day's figures per community × enterprise × worker type (per station ×
# service, per office × kind): at a city's size that is nearly one row per case, so a panel
# summing a year over them would cost what the history costs. The panels read the tables below
# instead, summed again per month and per day over one dimension at a time (the place at each
# level, the enterprise, the service, the station, the office): a panel reads at most
# places × (months + the days of the period's partial months), whatever the number of cases.
# They are computed from the tables above (coarse.py) when those change and by the rebuild.
class Grain(models.TextChoices):
    DAY = "day", _("日")
    # Seven days of one month: days 1-7, 8-14, 15-21, 22-28 and 29 to the month's end, each row
    # starting on its first day (PlaceRollup only): a period's partial months are read as a few
    # of these and the days at their edges instead of up to 30 day rows per place.
    WEEK = "week", _("周")
    MONTH = "month", _("月")
    # A calendar year, summed from its month rows (the tables with week rows): at 10 million
    # cases every community has rows every day, so a year's map read a month row per community for
    # each of 11-12 months besides its edges, where 100 thousand cases have rows in fewer months;
    # a period over most of a year is read as the year less what lies outside it.
    YEAR = "year", _("年")


class PlaceLevel(models.TextChoices):
    CITY = "city", _("全市")
    DISTRICT = "district", _("区")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")


class ActivityCounts(models.Model):
    """ActivityDay's counts, summed: the columns every coarse activity rollup carries."""

    registered = models.IntegerField(default=0)
    checked_in = models.IntegerField(default=0)
    party_members = models.IntegerField(default=0)
    confirmed_by_employer = models.IntegerField(default=0)
    reports_submitted = models.IntegerField(default=0)
    reports_accepted = models.IntegerField(default=0)
    reports_resolved = models.IntegerField(default=0)
    reports_disputed = models.IntegerField(default=0)
    appeals_received = models.IntegerField(default=0)
    appeals_resolved = models.IntegerField(default=0)
    appeals_about_enterprise = models.IntegerField(default=0)
    appeals_escalated_to_committee = models.IntegerField(default=0)
    station_visits = models.IntegerField(default=0)
    event_attendances = models.IntegerField(default=0)
    volunteer_minutes = models.IntegerField(default=0)
    learning_credits = models.IntegerField(default=0)
    # Sums of sums of points: 64 bits, as ActivityDay's.
    points_issued = models.BigIntegerField(default=0)
    points_spent = models.BigIntegerField(default=0)
    points_expired = models.BigIntegerField(default=0)
    points_reversed = models.BigIntegerField(default=0)
    points_adjusted = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class PlaceRollup(ActivityCounts):
    """ActivityDay summed per day and per month × one place at one level: `region_id` is the
    district's, street's or community's id at that level (None at the city level, or where the
    place is unknown), `street_id` and `district_id` its ancestors."""

    grain = models.CharField(max_length=8, choices=Grain.choices)
    start = models.DateField()
    level = models.CharField(max_length=12, choices=PlaceLevel.choices)
    region_id = models.IntegerField(null=True, blank=True)
    street_id = models.IntegerField(null=True, blank=True)
    district_id = models.IntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["level", "region_id", "grain", "start"], name="placerollup_region_idx"),
            models.Index(fields=["level", "district_id", "grain", "start"], name="placerollup_district_idx"),
            models.Index(fields=["level", "street_id", "grain", "start"], name="placerollup_street_idx"),
            models.Index(fields=["grain", "start"], name="placerollup_start_idx"),
            # A breakdown reads one level's rows of a period, whatever the place (every district,
            # every community of the map): without it PostgreSQL walked a place index level-wide.
            models.Index(fields=["level", "grain", "start"], name="placerollup_level_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.grain} {self.start} {self.level} {self.region_id}"


class EnterpriseRollup(ActivityCounts):
    """ActivityDay summed per day and per month × enterprise (its industry) × district."""

    grain = models.CharField(max_length=8, choices=Grain.choices)
    start = models.DateField()
    enterprise_id = models.IntegerField(null=True, blank=True)
    industry = models.CharField(max_length=32, blank=True, default="")
    district_id = models.IntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["grain", "start"], name="enterpriserollup_start_idx"),
            models.Index(fields=["enterprise_id", "grain", "start"], name="enterpriserollup_ent_idx"),
            models.Index(fields=["industry", "grain", "start"], name="enterpriserollup_ind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.grain} {self.start} enterprise {self.enterprise_id}"


class EnterpriseCityRollup(ActivityCounts):
    """ActivityDay summed per day and per month × enterprise (its industry), over the whole city:
    the scorecards and a breakdown by enterprise not narrowed to a district read a row per
    enterprise, where EnterpriseRollup keeps one per enterprise and district (at 10 million
    cases the city's year of enterprises read 16,380 of them for 30 rows, the scorecards' sums
    since the beginning 23,749 at 100 thousand already)."""

    grain = models.CharField(max_length=8, choices=Grain.choices)
    start = models.DateField()
    enterprise_id = models.IntegerField(null=True, blank=True)
    industry = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["grain", "start"], name="enterprisecity_start_idx"),
            models.Index(fields=["enterprise_id", "grain", "start"], name="enterprisecity_ent_idx"),
            models.Index(fields=["industry", "grain", "start"], name="enterprisecity_ind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.grain} {self.start} {self.enterprise_id}"


class IndustryRollup(ActivityCounts):
    """ActivityDay summed per day and per month × industry: an industry committee's overview and
    weekly trend read a row a day (365 for a year's weeks), where EnterpriseRollup keeps a row per
    enterprise and district each day (at a million cases 46,000 rows for the express committee's
    year of weeks, 148 ms of its dashboard's 307 ms in the database)."""

    grain = models.CharField(max_length=8, choices=Grain.choices)
    start = models.DateField()
    industry = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["industry", "grain", "start"], name="industryrollup_idx")]

    def __str__(self) -> str:
        return f"{self.grain} {self.start} {self.industry}"


class ServiceRollup(models.Model):
    """StationDay summed per day and per month × one place at one level (as PlaceRollup) × service."""

    grain = models.CharField(max_length=8, choices=Grain.choices)
    start = models.DateField()
    level = models.CharField(max_length=12, choices=PlaceLevel.choices)
    region_id = models.IntegerField(null=True, blank=True)
    street_id = models.IntegerField(null=True, blank=True)
    district_id = models.IntegerField(null=True, blank=True)
    service_id = models.IntegerField(null=True, blank=True)
    visits = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["level", "region_id", "grain", "start"], name="servicerollup_region_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.grain} {self.start} {self.level} {self.region_id} service {self.service_id}"


class ActivityMonth(ActivityCounts):
    """ActivityDay summed per month over the same dimensions (place, enterprise, worker type):
    the scopes that mix them (a place and an industry, an industry narrowed to a street, places at
    two levels) read it for a period's full months, and ActivityDay only for the remaining days."""

    start = models.DateField()
    region_id = models.IntegerField(null=True, blank=True)
    street_id = models.IntegerField(null=True, blank=True)
    district_id = models.IntegerField(null=True, blank=True)
    enterprise_id = models.IntegerField(null=True, blank=True)
    industry = models.CharField(max_length=32, blank=True, default="")
    worker_type = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["start"], name="activitymonth_start_idx"),
            models.Index(fields=["district_id", "start"], name="activitymonth_district_idx"),
            models.Index(fields=["street_id", "start"], name="activitymonth_street_idx"),
            models.Index(fields=["region_id", "start"], name="activitymonth_region_idx"),
            models.Index(fields=["enterprise_id", "start"], name="activitymonth_enterprise_idx"),
            models.Index(fields=["industry", "start"], name="activitymonth_industry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.start} {self.region_id}/{self.enterprise_id}/{self.worker_type}"


class IndustryPlaceMonth(ActivityCounts):
    """ActivityDay summed per industry × community (its street and district, as on the daily
    row), per day, per seven days of a month (Grain.WEEK, as PlaceRollup's) and per month: an
    industry committee's breakdown by street or community (the map of its reports). ActivityMonth
    keeps a row per community × enterprise × worker type, which for one industry of the bench's
    10-million-case city is five times the rows: 7,137 against 1,390 a month; and a period's
    partial months read from ActivityDay were ~2,000 rows a day for one industry (a year's map
    subtracting 8 days and adding 8: ~30,000 rows), read here as a few week and day rows per
    community. The name is the table's from when it kept months only."""

    grain = models.CharField(max_length=8, choices=Grain.choices)
    start = models.DateField()
    industry = models.CharField(max_length=32, blank=True, default="")
    region_id = models.IntegerField(null=True, blank=True)
    street_id = models.IntegerField(null=True, blank=True)
    district_id = models.IntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            # The month first and the industry with it (not the month alone): the rows lie in
            # month order, so PostgreSQL priced the month-only index below the industry's and read
            # every industry's months to keep one's (the express committee's year at 10 million
            # cases: 53,702 rows for 17,916, 40-87 ms; 8-12 ms through the industry's index).
            models.Index(fields=["start", "industry"], name="industryplace_month_idx"),
            models.Index(fields=["industry", "grain", "start"], name="industryplace_grain_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.grain} {self.start} {self.industry} {self.region_id}"


class StationMonth(models.Model):
    """StationDay summed per station (its services together) per day, per seven days of a month
    (Grain.WEEK, as PlaceRollup's) and per month: the station use's per-station list. A period's
    partial months were read from StationDay, a row per station and service each day: at 10
    million cases the city's year (its first month less 7 days) read ~600 stations × 7 days × their
    services besides the month rows, where 100 thousand cases have a handful of visits a day; now
    the month less one week row per station. The name is the table's from when it kept months
    only."""

    grain = models.CharField(max_length=8, choices=Grain.choices)
    start = models.DateField()
    hive_id = models.IntegerField()
    region_id = models.IntegerField(null=True, blank=True)
    street_id = models.IntegerField(null=True, blank=True)
    district_id = models.IntegerField(null=True, blank=True)
    visits = models.IntegerField(default=0)

    class Meta:
        indexes = [
            # Covering (PostgreSQL; SQLite ignores `include`): the month rows of a year are read
            # from the index alone. Through the plain (grain, start) index PostgreSQL priced the
            # table's 1.3 million rows (10 million cases) high enough to start two parallel
            # workers for the station use's 9,000 rows: 19-32 ms p50 instead of 5-9.
            models.Index(
                fields=["grain", "start"],
                name="stationmonth_cover_idx",
                include=["hive_id", "visits", "region_id", "street_id", "district_id"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grain} {self.start} hive {self.hive_id}: {self.visits}"


class OfficeCounts(models.Model):
    """OfficeDay's counts, summed: the columns every coarse office rollup carries."""

    received = models.IntegerField(default=0)
    signed_on_time = models.IntegerField(default=0)
    due = models.IntegerField(default=0)
    resolved_on_time = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)

    class Meta:
        abstract = True


class OfficeMonth(OfficeCounts):
    """OfficeDay summed per month × office × kind (the days of a partial month are read from OfficeDay),
    per week of a month (Grain.WEEK, from OfficeDay) and per calendar year (Grain.YEAR, from the
    months) too: the rate table of one kind reads a period as OfficeMonthTotal's of both kinds."""

    grain = models.CharField(max_length=8, choices=Grain.choices, default=Grain.MONTH)
    start = models.DateField()
    organisation_id = models.IntegerField()
    kind = models.CharField(max_length=16)
    region_id = models.IntegerField(null=True, blank=True)
    street_id = models.IntegerField(null=True, blank=True)
    district_id = models.IntegerField(null=True, blank=True)
    industry = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        indexes = [
            # By grain first, as OfficeMonthTotal's (0021).
            models.Index(fields=["grain", "start"], name="officemonth_grain_start_idx"),
            models.Index(fields=["organisation_id", "start"], name="officemonth_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.start} {self.organisation_id} {self.kind}"


class OfficeMonthTotal(OfficeCounts):
    """OfficeDay summed per month × office, both kinds of case together: the rate table over
    every kind (the page's default, the API's without `kind`, the scorecards) reads half the
    month rows of OfficeMonth, which keeps them per kind (the days of a partial month are read
    from OfficeDay). Per calendar year too (Grain.YEAR, summed from the months): a period over
    most of a year reads the year row less the months outside it."""

    grain = models.CharField(max_length=8, choices=Grain.choices, default=Grain.MONTH)
    start = models.DateField()
    organisation_id = models.IntegerField()
    region_id = models.IntegerField(null=True, blank=True)
    street_id = models.IntegerField(null=True, blank=True)
    district_id = models.IntegerField(null=True, blank=True)
    industry = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        indexes = [
            # By grain first: a month's rows start on the day its first week's rows start, and
            # the month rows of a quarter were found among 5 times as many week rows (0021).
            models.Index(fields=["grain", "start"], name="officetotal_grain_start_idx"),
            models.Index(fields=["organisation_id", "start"], name="officetotal_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.start} {self.organisation_id}"


class WorkerPlace(models.Model):
    """Each worker's place, employer and type now (from the worker profile), and the last day he
    did something (his latest WorkerDay): "active" counts the workers in scope whose last day lies
    in the period, and looks up WorkerDay only for those whose last day is after it (few, for a
    period ending today)."""

    worker_id = models.IntegerField(unique=True)
    region_id = models.IntegerField(null=True, blank=True)
    street_id = models.IntegerField(null=True, blank=True)
    district_id = models.IntegerField(null=True, blank=True)
    enterprise_id = models.IntegerField(null=True, blank=True)
    industry = models.CharField(max_length=32, blank=True, default="")
    worker_type = models.CharField(max_length=20, blank=True, default="")
    last_active = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["last_active"], name="workerplace_last_active_idx"),
            models.Index(fields=["district_id"], name="workerplace_district_idx"),
            models.Index(fields=["street_id"], name="workerplace_street_idx"),
            models.Index(fields=["region_id"], name="workerplace_region_idx"),
            models.Index(fields=["enterprise_id"], name="workerplace_enterprise_idx"),
            models.Index(fields=["industry"], name="workerplace_industry_idx"),
        ]

    def __str__(self) -> str:
        return f"worker {self.worker_id}"


class LastActiveLevel(models.TextChoices):
    """What a LastActiveCount row counts the workers of: the whole city, a place, an industry or
    an enterprise (WorkerPlace's columns of the same names)."""

    CITY = "city", _("全市")
    DISTRICT = "district", _("区")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    INDUSTRY = "industry", _("行业")
    ENTERPRISE = "enterprise", _("企业")


class LastActiveCount(models.Model):
    """WorkerPlace counted per last active day: the workers of the city, of a district, street or
    community (`ref` its id), of an industry (`industry`) or of an enterprise (`ref`) whose last
    active day is `day`. "Active" over a period ending today adds up the period's rows (at most a
    row per day, whatever the number of workers) instead of counting the workers' rows one by
    one, which at 10 million cases are every worker of the city for a month. Kept with WorkerPlace
    by every writer of it (coarse.py), and compared and rebuilt by the rebuild."""

    level = models.CharField(max_length=16, choices=LastActiveLevel.choices)
    ref = models.IntegerField(default=0)
    industry = models.CharField(max_length=32, blank=True, default="")
    day = models.DateField()
    workers = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["level", "ref", "industry", "day"], name="lastactivecount_once"),
            models.CheckConstraint(
                condition=Q(level__in=["city", "district", "street", "community", "industry", "enterprise"]),
                name="lastactivecount_level_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.ref or self.industry} {self.day}: {self.workers}"


class RollupPart(models.TextChoices):
    ACTIVITY = "activity", _("活动")
    OFFICE = "office", _("承办单位")


class StaleRollup(models.Model):
    """A day (and for offices, an organisation) whose rollup rows must be computed again: written
    when a source row changes, drained by rollups.rollups_refresh_stale (after the commit, or by
    the periodic job). One row per part, day and organisation (0 for the activity part)."""

    part = models.CharField(max_length=16, choices=RollupPart.choices)
    day = models.DateField()
    organisation_id = models.IntegerField(default=0)
    marked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["part", "day", "organisation_id"], name="stalerollup_once"),
            models.CheckConstraint(condition=Q(part__in=["activity", "office"]), name="stalerollup_part_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.part} {self.day} {self.organisation_id}"


class ScoreWeight(models.Model):
    """The city's weights of the enterprise scorecard's parts (measures.SCORE_PARTS gives the
    defaults and their reasons); a part without a row weighs its default."""

    part = models.CharField(_("指标"), max_length=40, unique=True)
    weight = models.PositiveSmallIntegerField(_("权重"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("考核权重")
        verbose_name_plural = _("考核权重")

    def __str__(self) -> str:
        return f"{self.part}: {self.weight}"


class ExportKind(models.TextChoices):
    CASES = "cases", _("案件")
    APPEALS = "appeals", _("诉求")
    VOLUNTEERING = "volunteering", _("志愿服务记录")
    VISITS = "visits", _("驿站到访")
    SCORECARDS = "scorecards", _("企业考核")
    OFFICES = "offices", _("承办单位比率")
    OVERVIEW = "overview", _("数据看板")


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", "Excel"
    CSV = "csv", "CSV"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class Export(models.Model):
    """A file of figures or rows a staff member asked for: built in the background (its progress
    counted in rows), downloadable by that person only, until it expires (ANALYTICS_EXPORT_DAYS)."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ExportKind.choices)
    format = models.CharField(max_length=8, choices=ExportFormat.choices)
    # The period and filters asked for: {"from": "2026-03-01", "to": "2026-03-31", "kind": "…"}.
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("导出文件")
        verbose_name_plural = _("导出文件")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="export_user_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]), name="export_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}.{self.format} #{self.pk}"

    @property
    def percent(self) -> int | None:
        if not self.rows_total:
            return None
        return min(100, round(100 * self.rows_done / self.rows_total))
