"""Honorary titles granted by communities, the default rules and badges, and two edges of the
ledger's services (a zero award, a second expiry run on the same day)."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from littlebee.accounts.models import Role, WorkerProfile
from littlebee.accounts.tests.factories import staff
from littlebee.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from littlebee.points import services
from littlebee.points.models import Badge, EarningRule, HonoraryTitle, LedgerEntry, LedgerReason, PointsAccount
from littlebee.points.rules import points_for, rule_for
from littlebee.points.selectors import points_mismatches

from .factories import EarningRuleFactory as _EarningRuleFactory
from .factories import Town, city_admin, community_handler, district_admin, rider

pytestmark = pytest.mark.django_db

EarningRuleFactory: Any = _EarningRuleFactory
SH = ZoneInfo("Asia/Shanghai")


# --- Honorary titles --------------------------------------------------------------------------
def test_a_community_handler_grants_a_title_to_a_worker_checked_in_there(town: Town) -> None:
    # given
    handler = community_handler(town)
    me = rider(town)

    # when
    honour = services.honorary_title_grant(
        actor=handler, worker_id=me.pk, title=" 径心游侠 ", citation="雨夜护送迷路老人回家\u202e"
    )

    # then
    assert (honour.worker, honour.title, honour.citation) == (me, "径心游侠", "雨夜护送迷路老人回家")
    assert (honour.granted_by_org, honour.granted_by, honour.revoked_at) == (town.community_org, handler, None)


def test_a_community_admin_grants_too(town: Town) -> None:
    admin = staff(town.community_org, role=Role.ADMIN)
    honour = services.honorary_title_grant(actor=admin, worker_id=rider(town).pk, title="径心游侠")
    assert honour.granted_by_org == town.community_org


@pytest.mark.parametrize("who", ["district_admin", "city_admin", "keeper", "worker"])
def test_only_community_party_org_staff_grant_titles(town: Town, who: str) -> None:
    actor = {
        "district_admin": lambda: district_admin(town),
        "city_admin": lambda: city_admin(town),
        "keeper": lambda: staff(town.community_org, role=Role.KEEPER),
        "worker": lambda: rider(town),
    }[who]()

    with pytest.raises(PermissionDenied):
        services.honorary_title_grant(actor=actor, worker_id=rider(town).pk, title="径心游侠")
    assert not HonoraryTitle.objects.exists()


def test_a_worker_of_another_community_is_not_found(town: Town) -> None:
    elsewhere = rider(town, community=town.neighbour)
    with pytest.raises(NotFound):
        services.honorary_title_grant(actor=community_handler(town), worker_id=elsewhere.pk, title="径心游侠")
    with pytest.raises(NotFound):
        services.honorary_title_grant(actor=community_handler(town), worker_id=999_999, title="径心游侠")


def test_a_worker_whose_check_in_is_pending_cannot_be_honoured_yet(town: Town) -> None:
    pending = rider(town, confirmed=False)
    with pytest.raises(Conflict) as caught:
        services.honorary_title_grant(actor=community_handler(town), worker_id=pending.pk, title="径心游侠")
    assert caught.value.code == "not_checked_in"


def test_the_same_live_title_is_granted_once(town: Town) -> None:
    handler = community_handler(town)
    me = rider(town)
    first = services.honorary_title_grant(actor=handler, worker_id=me.pk, title="径心游侠")

    with pytest.raises(Conflict) as caught:
        services.honorary_title_grant(actor=handler, worker_id=me.pk, title="径心游侠")
    assert caught.value.code == "already_granted"

    # after a revocation it may be granted again
    services.honorary_title_revoke(actor=handler, title_id=first.pk)
    services.honorary_title_grant(actor=handler, worker_id=me.pk, title="径心游侠")
    assert HonoraryTitle.objects.filter(worker=me).count() == 2


def test_the_database_keeps_one_live_grant_per_worker_community_and_title(town: Town) -> None:
    honour = services.honorary_title_grant(actor=community_handler(town), worker_id=rider(town).pk, title="径心游侠")
    with pytest.raises(IntegrityError), transaction.atomic():
        HonoraryTitle.objects.create(worker=honour.worker, title="径心游侠", granted_by_org=town.community_org)


@pytest.mark.parametrize(
    ("title", "citation", "field"),
    [("", "", "title"), ("  \u200b ", "", "title"), ("称" * 41, "", "title"), ("径心游侠", "事" * 256, "citation")],
)
def test_a_title_needs_a_name_and_fits(town: Town, title: str, citation: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.honorary_title_grant(
            actor=community_handler(town), worker_id=rider(town).pk, title=title, citation=citation
        )
    assert caught.value.errors[0].field == field


def test_revoking_a_title(town: Town) -> None:
    handler = community_handler(town)
    honour = services.honorary_title_grant(actor=handler, worker_id=rider(town).pk, title="径心游侠")

    revoked = services.honorary_title_revoke(actor=handler, title_id=honour.pk)

    assert revoked.revoked_at is not None
    with pytest.raises(Conflict):
        services.honorary_title_revoke(actor=handler, title_id=honour.pk)


def test_a_city_admin_may_revoke_but_another_community_may_not(town: Town) -> None:
    honour = services.honorary_title_grant(actor=community_handler(town), worker_id=rider(town).pk, title="径心游侠")
    neighbour_org: Any = type(town.community_org).objects.create(
        code="neighbour-org", kind="party_org", name="得胜桥社区党委", region=town.neighbour
    )

    with pytest.raises(NotFound):
        services.honorary_title_revoke(actor=staff(neighbour_org, role=Role.ADMIN), title_id=honour.pk)
    services.honorary_title_revoke(actor=city_admin(town), title_id=honour.pk)
    honour.refresh_from_db()
    assert honour.revoked_at is not None


# --- Defaults ---------------------------------------------------------------------------------
def test_the_defaults_load_the_seeds_rules_and_badges_once() -> None:
    # when loaded twice
    first = services.points_defaults_ensure()
    second = services.points_defaults_ensure()

    # then the seed's numbers, and nothing new the second time
    assert first == (len(services.RULE_DEFAULTS), len(services.BADGE_DEFAULTS))
    assert second == (0, 0)
    city = {(r.source, r.category): r for r in EarningRule.objects.filter(district__isnull=True)}
    assert (city["report", "public_security_clue"].points_min, city["report", "public_security_clue"].points_max) == (
        100,
        100,
    )
    assert city["report", "safety_hazard"].points_max == 50
    everyday = city["report", ""]
    assert (everyday.points_min, everyday.points_max, everyday.district_max_points) == (5, 30, 50)
    assert (city["article_read", ""].points_max, city["article_read", ""].daily_cap) == (2, 10)
    assert (city["quiz_passed", ""].points_max, city["quiz_passed", ""].daily_cap) == (10, 20)
    assert (city["volunteer_task", ""].points_min, city["volunteer_task", ""].points_max) == (10, 100)
    assert (city["event_attendance", ""].points_min, city["event_attendance", ""].points_max) == (0, 100)
    assert city["checkin_confirmed", ""].points_max == 20
    badges = {b.code: b for b in Badge.objects.all()}
    assert badges["first-report"].source == "report" and badges["first-report"].threshold == 1
    assert badges["ten-reports"].threshold == 10
    assert badges["first-volunteer-task"].source == "volunteer_task"
    assert badges["first-event"].source == "event_attendance"
    assert (badges["points-1000"].source, badges["points-1000"].threshold) == ("", 1000)


def test_the_defaults_leave_a_changed_rule_alone() -> None:
    EarningRuleFactory(source="report", category="safety_hazard", points_min=60, points_max=60)

    services.points_defaults_ensure()

    assert EarningRule.objects.get(source="report", category="safety_hazard").points_max == 60


def test_the_defaults_price_the_seeds_examples(town: Town) -> None:
    services.points_defaults_ensure()
    at = datetime(2026, 12, 2, 12, 0, tzinfo=SH)

    def price(category: str, amount: int | None = None) -> int:
        rule = rule_for(source="report", category=category, region=town.community, on=at)
        assert rule is not None
        return points_for(rule, amount)

    assert price("public_security_clue") == 100
    assert price("safety_hazard") == 50
    assert price("broken_streetlight", 15) == 15
    with pytest.raises(InvalidInput):
        price("broken_streetlight", 31)


def test_the_points_defaults_command() -> None:
    out = StringIO()
    call_command("points_defaults", stdout=out)
    assert f"Created {len(services.RULE_DEFAULTS)} earning rule(s)" in out.getvalue()
    out = StringIO()
    call_command("points_defaults", stdout=out)
    assert "Created 0 earning rule(s) and 0 badge(s)." in out.getvalue()


# --- Edges of the ledger's services -------------------------------------------------------------
def test_zero_points_from_a_ranged_rule_are_a_refusal_not_an_entry(town: Town) -> None:
    # given a rule whose range starts at 0 (the handler may give nothing)
    EarningRuleFactory(source="report", points_min=0, points_max=30)
    me = rider(town)

    # when the handler picks 0
    result = services.points_award(worker=me, source="report", idempotency_key="report:1", amount=0)

    # then nothing is written, and the key stays free for a real award later
    assert (result.entry, result.refusal) == (None, "no_points")
    assert not LedgerEntry.objects.exists()
    assert services.points_award(worker=me, source="report", idempotency_key="report:1", amount=5).created


def test_a_second_expiry_run_on_the_same_day_never_debits_without_an_entry(settings: Any, town: Town) -> None:
    # given expiry after 12 months and earnings that fall due a few hours apart on one day
    settings.POINTS_EXPIRY_MONTHS = 12
    EarningRuleFactory(source="report", points_min=1, points_max=100)
    me = rider(town)
    earned_at = datetime(2025, 12, 2, 8, 0, tzinfo=SH)
    services.points_award(worker=me, source="report", idempotency_key="a", amount=30, at=earned_at)
    services.points_award(worker=me, source="report", idempotency_key="b", amount=20, at=earned_at + timedelta(hours=6))

    # when the nightly job runs twice on that day: before the second earning is due, and after
    services.points_expire_due(at=datetime(2026, 12, 2, 10, 0, tzinfo=SH))
    services.points_expire_due(at=datetime(2026, 12, 2, 16, 0, tzinfo=SH))

    # then the balance is always explained by the ledger
    assert points_mismatches() == []
    expiries = LedgerEntry.objects.filter(worker=me, reason=LedgerReason.EXPIRY)
    assert [e.amount for e in expiries] == [-30]
    assert PointsAccount.objects.get(worker=me).balance == 20

    # and the next day's run takes the rest
    services.points_expire_due(at=datetime(2026, 12, 3, 2, 10, tzinfo=SH))
    assert PointsAccount.objects.get(worker=me).balance == 0
    assert points_mismatches() == []


def test_a_worker_profile_is_what_titles_are_granted_on(town: Town) -> None:
    # a worker without a profile (staff) cannot be honoured by a community
    staff_member = staff(town.district_org, role=Role.HANDLER)
    assert not WorkerProfile.objects.filter(user=staff_member).exists()
    with pytest.raises(NotFound):
        services.honorary_title_grant(actor=community_handler(town), worker_id=staff_member.pk, title="径心游侠")


def test_one_city_rule_and_one_rule_per_district_for_a_source_and_category(town: Town) -> None:
    # given a city rule and a district rule for everyday reports
    EarningRuleFactory(source="report", category="", points_min=5, points_max=30, district_max_points=50)
    EarningRuleFactory(source="report", category="", district=town.district, points_min=5, points_max=40)
    admin = city_admin(town)

    # when a second of either is saved, then the service says so (on SQLite too)
    for district in (None, town.district):
        duplicate = EarningRule(source="report", category="", district=district, points_min=5, points_max=20)
        with pytest.raises(Conflict) as caught:
            services.earning_rule_save(actor=admin, rule=duplicate)
        assert caught.value.code == "duplicate_rule"

    # while another district, or another category, is a scope of its own
    services.earning_rule_save(
        actor=admin, rule=EarningRule(source="report", district=town.other_district, points_min=5, points_max=20)
    )
    services.earning_rule_save(actor=admin, rule=EarningRule(source="report", category="x", points_min=5, points_max=5))
    assert EarningRule.objects.count() == 4


def test_the_defaults_are_written_in_a_few_statements(django_assert_max_num_queries: Any) -> None:
    # given an empty database (every test's, and a new city's)
    # when the defaults are loaded
    with django_assert_max_num_queries(10):
        created = services.points_defaults_ensure()

    # then every rule and badge is there, written together (each get_or_create was four
    # round trips: 21 defaults, 84 statements)
    assert created == (len(services.RULE_DEFAULTS), len(services.BADGE_DEFAULTS))


def test_a_default_another_writer_inserted_meanwhile_is_left_to_it() -> None:
    # given a badge that appears between the read of what exists and the write (a second
    # process loading the defaults at the same moment): the read is made blind to it
    from littlebee.core.seeding import seed_missing

    Badge.objects.create(code="first-report", name="他人写入", source="report", threshold=1, order=0)
    blind = Badge.objects.exclude(code="first-report")

    # when the defaults are written
    created = seed_missing(
        blind,
        [
            Badge(code="first-report", name="初次上报", source="report", threshold=1, order=0),
            Badge(code="b2", name="二"),
        ],
        key=lambda badge: badge.code,
    )

    # then the other writer's badge stays, the rest is written, and nothing fails
    assert created == 1
    assert Badge.objects.get(code="first-report").name == "他人写入"
    assert Badge.objects.filter(code="b2").exists()
