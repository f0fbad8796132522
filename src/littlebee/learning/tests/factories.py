"""Test data for 认真学: items, questions with their choices, a small city with a courier, a rider
and staff who write and review."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import factory
from django.utils import timezone

from littlebee.accounts.models import Role, User, WorkerType
from littlebee.accounts.tests.factories import staff, worker
from littlebee.learning.models import (
    Choice,
    ItemKind,
    ItemStatus,
    LearningItem,
    Question,
    QuestionKind,
    QuizKind,
    Topic,
)
from littlebee.orgs.models import Organisation, Region
from littlebee.orgs.tests.factories import CommunityFactory, DistrictFactory, PartyOrgFactory, StreetFactory
from littlebee.points.services import points_defaults_ensure

BODY = "骑电动自行车要戴安全头盔，不闯红灯，不逆行，不在机动车道行驶。" * 8


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningItem

    kind = ItemKind.ARTICLE
    title = factory.Sequence(lambda n: f"学习文章{n}")
    topic = Topic.TRAFFIC
    body = BODY
    status = ItemStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


def article(**fields: Any) -> LearningItem:
    """A published item (an article unless `kind` says otherwise)."""
    item: Any = ItemFactory(**fields)
    return item


def question(
    text: str = "电动自行车上路应当佩戴什么？", *, kind: str = QuestionKind.SINGLE, right: int = 0
) -> Question:
    q = Question.objects.create(topic=Topic.TRAFFIC, kind=kind, text=text, explanation="安全头盔能减少伤亡。")
    texts = ["正确", "错误"] if kind == QuestionKind.TRUE_FALSE else ["安全头盔", "耳机", "墨镜", "口罩"]
    for i, t in enumerate(texts):
        Choice.objects.create(question=q, text=t, correct=(i == right), order=i)
    return q


def bank(n: int = 8) -> list[Question]:
    return [question(f"第{i}题：电动自行车上路应当佩戴什么？") for i in range(n)]


def quiz(kind: str = QuizKind.DAILY, **fields: Any) -> LearningItem:
    item: Any = ItemFactory(kind=ItemKind.QUIZ, quiz_kind=kind, body="", title=f"{kind}答题", **fields)
    return item


def right_answers(questions: list[dict[str, Any]]) -> dict[str, list[int]]:
    """The right choices of the questions a session was given, read from the database."""
    answers = {}
    for q in questions:
        answers[str(q["id"])] = list(
            Choice.objects.filter(question_id=q["id"], correct=True).values_list("pk", flat=True)
        )
    return answers


def wrong_answers(questions: list[dict[str, Any]]) -> dict[str, list[int]]:
    answers = {}
    for q in questions:
        answers[str(q["id"])] = list(
            Choice.objects.filter(question_id=q["id"], correct=False).values_list("pk", flat=True)[:1]
        )
    return answers


@dataclass
class LearningCity:
    district: Region
    community: Region
    district_org: Organisation
    courier: User
    rider: User
    author: User
    reviewer: User
    outsider: User  # staff of a community: not a writer


def learning_city() -> LearningCity:
    points_defaults_ensure()
    district: Any = DistrictFactory()
    community: Any = CommunityFactory(parent=StreetFactory(parent=district))
    district_org: Any = PartyOrgFactory(region=district)
    community_org: Any = PartyOrgFactory(region=community)
    return LearningCity(
        district=district,
        community=community,
        district_org=district_org,
        courier=worker(community=community, worker_type=WorkerType.COURIER, user__name="王快递"),
        rider=worker(community=community, worker_type=WorkerType.FOOD_DELIVERY, user__name="李外卖"),
        author=staff(district_org, Role.HANDLER, user__name="张编辑"),
        reviewer=staff(district_org, Role.ADMIN, user__name="赵审核"),
        outsider=staff(community_org, Role.HANDLER, user__name="钱社区"),
    )
