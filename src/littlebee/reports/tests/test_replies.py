"""The common replies for reports: reply_templates_ensure."""

from __future__ import annotations

import pytest

from littlebee.cases.models import CaseAction, CaseKind, ResponseTemplate
from littlebee.cases.selectors import response_templates_for
from littlebee.reports.replies import reply_templates_ensure
from littlebee.reports.services import CATEGORY_SEEDS

pytestmark = pytest.mark.django_db

ACTIONS = (CaseAction.ACCEPT, CaseAction.REJECT, CaseAction.RESOLVE)


def test_every_category_has_replies_to_accept_reject_and_resolve() -> None:
    # when
    created = reply_templates_ensure()

    # then
    rows = ResponseTemplate.objects.filter(kind=CaseKind.REPORT)
    assert created == rows.count()
    for seed in CATEGORY_SEEDS:
        for action in ACTIONS:
            assert rows.filter(category=seed.code, action=action).exists(), (seed.code, action)
    assert all(t.title and t.body and t.is_active for t in rows)


def test_the_common_reasons_for_refusing_apply_to_any_category() -> None:
    # when
    reply_templates_ensure()

    # then
    common = set(
        ResponseTemplate.objects.filter(kind=CaseKind.REPORT, category="", action=CaseAction.REJECT).values_list(
            "title", flat=True
        )
    )
    assert {"不属于本部门职责", "信息不足无法核实", "已有相同问题在办理"} <= common


def test_a_handler_resolving_a_signal_sees_its_own_replies_first() -> None:
    # given
    reply_templates_ensure()

    # when
    titles = list(
        response_templates_for(CaseKind.REPORT, "traffic_signal", CaseAction.RESOLVE).values_list("title", flat=True)
    )

    # then the category's results first, then the general one; nothing for other actions
    assert set(titles[:2]) == {"已优化信号配时", "信号灯已修复恢复正常"}
    assert titles[2:] == ["已处置完毕"]


def test_running_again_adds_nothing_and_keeps_what_admins_edited() -> None:
    # given the replies, one of them reworded by a city admin
    reply_templates_ensure()
    count = ResponseTemplate.objects.count()
    edited = ResponseTemplate.objects.get(kind=CaseKind.REPORT, category="manhole_cover", title="井盖已补装")
    edited.body = "井盖已由水务集团补装。"
    edited.save(update_fields=["body"])

    # when
    created = reply_templates_ensure()

    # then
    assert created == 0
    assert ResponseTemplate.objects.count() == count
    edited.refresh_from_db()
    assert edited.body == "井盖已由水务集团补装。"


def test_a_deleted_reply_is_put_back() -> None:
    # given
    reply_templates_ensure()
    ResponseTemplate.objects.filter(category="garbage", title="已安排清运").delete()

    # when
    created = reply_templates_ensure()

    # then
    assert created == 1
    assert ResponseTemplate.objects.filter(category="garbage", action=CaseAction.RESOLVE, title="已安排清运").exists()
