"""The demo city's points and rewards: default rules and badges, the mall, and a ledger history
for the demo workers that follows from what they did.

Every entry goes through the points services with the same idempotency keys the product uses
(a confirmed check-in is `checkin_confirmed:<profile>`, an attended event
`event_attendance:<registration>`), so loading twice writes nothing twice and
`points_reconcile` agrees afterwards. Balances brought over from the city's earlier
mini-programme (the seed's 江城小蜜蜂 ran from 2021) are an opening adjustment per worker.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import F
from django.utils import timezone

from littlebee.accounts.models import CheckinStatus, User, WorkerProfile
from littlebee.core.counted import Counted, counted_rows_changed
from littlebee.hives.models import Event, EventRegistration, EventStatus, Hive, RegistrationStatus
from littlebee.orgs.models import Organisation, OrgKind
from littlebee.points.models import HonoraryTitle, LedgerEntry, PointsSource
from littlebee.points.services import points_adjust, points_award, points_defaults_ensure
from littlebee.rewards.demo import load_gifts

# The station's get-together, named by the season it fell in (the history is dated back from the
# day the demo is loaded): 包粽子 only around the Dragon Boat Festival, not in October.
FEAST = "feast"


def _feast_title(on: date) -> str:
    return "端午节包粽子" if on.month in (5, 6) else "“暖新”包饺子联谊会"


# (title, days ago, hours long, points, station name fragment)
PAST_EVENTS: tuple[tuple[str, int, int, int, str], ...] = (
    ("骑手交通安全培训", 52, 2, 30, "西厂口"),
    (FEAST, 40, 3, 50, "机安"),
    ("健康义诊", 27, 3, 20, "西厂口"),
    ("“暖新”读书分享会", 15, 2, 30, "机安"),
    ("电动车电池安全讲座", 6, 2, 30, "西厂口"),
)
# Opening balances carried over from the earlier mini-programme, by demo worker.
OPENING: dict[str, int] = {"13800000001": 1280, "13800000002": 460}
OPENING_NOTE = "原“江城小蜜蜂”小程序积分迁入"
# The seed's honour, granted by the worker's community: (phone, title, English title, citation,
# English citation). A worker reading in English sees the English ones.
HONOURS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "13800000001",
        "径心游侠",
        "Wayfinder Knight",
        "雨夜护送迷路老人回家，并帮社区找回走失的孩子。",
        "Walked a lost elderly man home on a rainy night, and helped the community find a missing child.",
    ),
)
PAST_DESCRIPTION = "往期活动：小哥们到场签到，获得了活动积分。"
# Share of the other checked-in workers who came to each past event.
TURNOUT = 0.12


def _count(created: Counter[str], what: str, n: int) -> None:
    if n:
        created[what] += n


@dataclass(frozen=True)
class _Attendance:
    registration: EventRegistration
    at: datetime


def _past_events(now: datetime, created: Counter[str]) -> list[Event]:
    events = []
    for title, days_ago, hours, points, fragment in PAST_EVENTS:
        hive = Hive.objects.filter(name__contains=fragment, is_active=True).order_by("pk").first()
        if hive is None:
            continue
        titles = [title]
        if title == FEAST:
            title = _feast_title(timezone.localdate(now - timedelta(days=days_ago)))
            titles = [_feast_title(date(2000, 6, 1)), _feast_title(date(2000, 1, 1))]
        # Found by title and station, whatever the date: a load on a later day adds no second round.
        event = Event.objects.filter(title__in=titles, hive=hive, description=PAST_DESCRIPTION).first()
        made = event is None
        if event is None:
            starts = timezone.localtime(now - timedelta(days=days_ago)).replace(
                hour=15, minute=0, second=0, microsecond=0
            )
            event = Event.objects.create(
                title=title,
                hive=hive,
                starts_at=starts,
                organiser=hive.managing_unit,
                place=hive.name,
                ends_at=starts + timedelta(hours=hours),
                capacity=40,
                points=points,
                status=EventStatus.PUBLISHED,
                checkin_code="DEMO" + str(days_ago).zfill(2),
                description=PAST_DESCRIPTION,
            )
        _count(created, "past events", int(made))
        events.append(event)
    return events


def _attend(event: Event, workers: list[User], created: Counter[str]) -> list[_Attendance]:
    done = []
    for worker in workers:
        registration, made = EventRegistration.objects.get_or_create(
            event=event,
            worker=worker,
            defaults={
                "status": RegistrationStatus.ATTENDED,
                "checked_in_at": event.starts_at + timedelta(minutes=10),
                "checked_in_by": worker,
            },
        )
        if made:
            counted_rows_changed(Counted.EVENT_REGISTRATION, registration)
            _count(created, "attended registrations", 1)
            Event.objects.filter(pk=event.pk).update(registered_count=F("registered_count") + 1)
        if registration.status == RegistrationStatus.ATTENDED:
            done.append(_Attendance(registration, event.starts_at + timedelta(minutes=10)))
    return done


def load_points(*, now: datetime | None = None, users: dict[str, User], created: Counter[str]) -> None:
    """Rules, badges, gifts, and the demo workers' points history (what is missing only)."""
    now = now or timezone.now()
    rules, badges = points_defaults_ensure()
    _count(created, "earning rules", rules)
    _count(created, "badges", badges)
    load_gifts(created=created)
    before = LedgerEntry.objects.count()

    confirmed = list(
        WorkerProfile.objects.filter(checkin_status=CheckinStatus.CONFIRMED, user__in=users.values())
        .select_related("user", "community")
        .order_by("pk")
    )
    # A city loaded before has nearly every entry: one read of the keys rather than a service
    # call (a transaction and two reads) per entry to find each already there.
    keys = {f"checkin_confirmed:{p.pk}" for p in confirmed}
    awarded = set(LedgerEntry.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
    for profile in confirmed:
        if f"checkin_confirmed:{profile.pk}" in awarded:
            continue
        points_award(
            worker=profile.user,
            source=PointsSource.CHECKIN_CONFIRMED,
            idempotency_key=f"checkin_confirmed:{profile.pk}",
            source_object=profile,
            region=profile.community,
            note=profile.community.name,
            at=profile.checkin_decided_at or now,
        )

    rng = random.Random(2021)  # noqa: S311 - demo data, not security
    stars = [users[phone] for phone in OPENING if phone in users]
    others = [p.user for p in confirmed if p.user not in stars]
    for event in _past_events(now, created):
        crowd = stars + rng.sample(others, min(len(others), round(len(others) * TURNOUT)))
        attendances = _attend(event, crowd, created)
        keys = {f"event_attendance:{a.registration.pk}" for a in attendances}
        awarded = set(LedgerEntry.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
        for attendance in attendances:
            if f"event_attendance:{attendance.registration.pk}" in awarded:
                continue
            points_award(
                worker=attendance.registration.worker,
                source=PointsSource.EVENT_ATTENDANCE,
                idempotency_key=f"event_attendance:{attendance.registration.pk}",
                source_object=attendance.registration,
                region=event.hive.community if event.hive else None,
                amount=event.points,
                note=event.title,
                at=attendance.at,
            )

    for phone, amount in OPENING.items():
        worker = users.get(phone)
        if worker is not None:
            points_adjust(
                worker=worker,
                amount=amount,
                actor=None,
                note=OPENING_NOTE,
                idempotency_key=f"demo:opening:{phone}",
                at=now - timedelta(days=60),
            )
    _count(created, "points entries", LedgerEntry.objects.count() - before)
    _load_honours(users, created)


def _load_honours(users: dict[str, User], created: Counter[str]) -> None:
    """The seed's honorary titles, each granted once by the worker's community party organisation."""
    for phone, title, title_en, citation, citation_en in HONOURS:
        profile = WorkerProfile.objects.filter(user=users.get(phone), checkin_status=CheckinStatus.CONFIRMED).first()
        org = (
            Organisation.objects.filter(kind=OrgKind.PARTY_ORG, region_id=profile.community_id).order_by("pk").first()
            if profile is not None
            else None
        )
        if profile is None or org is None:
            continue
        _honour, made = HonoraryTitle.objects.get_or_create(
            worker_id=profile.user_id,
            granted_by_org=org,
            title=title,
            revoked_at=None,
            defaults={"title_en": title_en, "citation": citation, "citation_en": citation_en},
        )
        _count(created, "honorary titles", int(made))
