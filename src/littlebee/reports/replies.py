"""The city's common replies for 随手拍 cases: what a handler picks when accepting, refusing or
resolving a report (cases.models.ResponseTemplate rows of kind "report").

Reasons that fit any category (not our remit, not enough to verify, already being handled) are
stored once with an empty category; each category adds its own acceptance, refusal and results.
Rows are matched by kind, category, action and title, so running again adds only what is missing
and never overwrites what city admins have edited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from littlebee.cases.models import CaseAction, CaseKind, ResponseTemplate


@dataclass(frozen=True)
class _Reply:
    category: str  # "" = any category
    action: str
    title: Any
    body: Any


ACCEPT, REJECT, RESOLVE = CaseAction.ACCEPT, CaseAction.REJECT, CaseAction.RESOLVE

# Reasons for refusing that fit every category.
NOT_OUR_REMIT = _("不属于本部门职责")
CANNOT_VERIFY = _("信息不足无法核实")
ALREADY_HANDLING = _("已有相同问题在办理")

REPLIES: tuple[_Reply, ...] = (
    # --- Any category ---------------------------------------------------------------------
    _Reply(
        "", ACCEPT, _("已受理"), _("您好，您反映的问题已受理，我们将尽快安排处置，请留意后续进展。感谢您的随手拍！")
    ),
    _Reply(
        "",
        REJECT,
        NOT_OUR_REMIT,
        _("您好，经核实，您反映的问题不属于本单位职责范围，建议通过相关部门渠道反映。感谢您的关注！"),
    ),
    _Reply(
        "",
        REJECT,
        CANNOT_VERIFY,
        _(
            "您好，因照片和位置信息不足，工作人员到现场未能核实该问题。如问题仍存在，欢迎补充清晰照片和准确位置后重新反映。"
        ),
    ),
    _Reply(
        "",
        REJECT,
        ALREADY_HANDLING,
        _("您好，该问题已有其他小哥反映，正在办理中，我们会一并处理。感谢您的关注！"),
    ),
    _Reply("", RESOLVE, _("已处置完毕"), _("您好，您反映的问题已处置完毕，请您评价。如仍未解决，可反馈“未解决”。")),
    # --- 治安线索 ----------------------------------------------------------------------------
    _Reply(
        "public_security_clue",
        ACCEPT,
        _("线索已受理"),
        _("您提供的线索已受理，我们将依法核查，并对您的身份信息严格保密。"),
    ),
    _Reply(
        "public_security_clue",
        REJECT,
        _("经核查不构成治安线索"),
        _("经民警核查，您反映的情况暂不构成治安案件线索。感谢您对平安武汉的支持！"),
    ),
    _Reply(
        "public_security_clue",
        RESOLVE,
        _("线索已核实处置"),
        _("您提供的线索经核实属实，已依法处置。感谢您为平安建设出力，奖励积分已发放。"),
    ),
    # --- 安全隐患 ----------------------------------------------------------------------------
    _Reply("safety_hazard", ACCEPT, _("隐患已受理"), _("安全隐患已受理，已通知网格员到现场查看并设置警示。")),
    _Reply("safety_hazard", REJECT, _("现场未发现隐患"), _("工作人员到现场查看，未发现您反映的安全隐患。")),
    _Reply("safety_hazard", RESOLVE, _("隐患已排除"), _("经现场处置，安全隐患已排除，已加强日常巡查。")),
    _Reply("safety_hazard", RESOLVE, _("已设置警示并督促整改"), _("已在现场设置警示标志，并督促责任单位限期整改。")),
    # --- 信号灯故障 --------------------------------------------------------------------------
    _Reply(
        "traffic_signal",
        ACCEPT,
        _("已派员检修"),
        _("信号灯故障已受理，已通知维保单位派员检修，检修期间由交警现场疏导。"),
    ),
    _Reply(
        "traffic_signal",
        REJECT,
        _("信号灯运行正常"),
        _("经现场检查，该路口信号灯运行正常，可能为临时停电或配时调整所致。"),
    ),
    _Reply("traffic_signal", RESOLVE, _("信号灯已修复恢复正常"), _("信号灯已修复，恢复正常运行。感谢您的及时反映！")),
    _Reply("traffic_signal", RESOLVE, _("已优化信号配时"), _("经核查，已对该路口信号灯配时进行优化调整。")),
    # --- 道路破损 ----------------------------------------------------------------------------
    _Reply("road_damage", ACCEPT, _("已安排修补"), _("道路破损已受理，已设置警示并安排养护单位修补。")),
    _Reply(
        "road_damage",
        REJECT,
        _("属在建工地范围"),
        _("该路段属在建工程施工范围，由施工单位负责恢复，已督促其做好围挡和警示。"),
    ),
    _Reply("road_damage", RESOLVE, _("路面已修补完成"), _("破损路面已修补完成，恢复通行。")),
    # --- 井盖缺失 ----------------------------------------------------------------------------
    _Reply("manhole_cover", ACCEPT, _("已设置警示"), _("井盖问题已受理，已在现场设置警示围挡，正在联系权属单位。")),
    _Reply("manhole_cover", REJECT, _("井盖完好"), _("经现场查看，该处井盖完好、安装牢固。")),
    _Reply("manhole_cover", RESOLVE, _("井盖已补装"), _("缺失井盖已由权属单位补装，并加装了防坠网。")),
    _Reply("manhole_cover", RESOLVE, _("井盖已更换"), _("破损井盖已更换为新井盖，恢复安全通行。")),
    # --- 违章停车 ----------------------------------------------------------------------------
    _Reply("illegal_parking", ACCEPT, _("已通知现场处理"), _("违停问题已受理，已通知执勤人员到现场处理。")),
    _Reply(
        "illegal_parking",
        REJECT,
        _("车辆已驶离"),
        _("执勤人员到达现场时车辆已驶离，未能查处。如再次发现，欢迎及时反映。"),
    ),
    _Reply("illegal_parking", RESOLVE, _("已劝离并教育"), _("已联系车主将车辆驶离，并进行了教育提醒。")),
    _Reply("illegal_parking", RESOLVE, _("已依法处罚"), _("已对违停车辆依法处罚，并将该路段列入重点巡查。")),
    # --- 消防隐患 ----------------------------------------------------------------------------
    _Reply("fire_hazard", ACCEPT, _("已通知消防网格员"), _("消防隐患已受理，已通知消防网格员到现场核查。")),
    _Reply("fire_hazard", REJECT, _("现场已整改"), _("工作人员到达时，现场已自行整改，未发现消防隐患。")),
    _Reply("fire_hazard", RESOLVE, _("楼道杂物已清理"), _("已清理楼道堆放杂物，恢复消防通道畅通，并张贴了提醒。")),
    _Reply("fire_hazard", RESOLVE, _("飞线充电已整治"), _("已拆除飞线充电线路，引导居民到集中充电点充电。")),
    # --- 垃圾堆放 ----------------------------------------------------------------------------
    _Reply("garbage", ACCEPT, _("已通知环卫"), _("垃圾堆放问题已受理，已通知环卫作业单位。")),
    _Reply("garbage", REJECT, _("已清运完毕"), _("环卫人员到达时垃圾已按时清运完毕。")),
    _Reply("garbage", RESOLVE, _("已安排清运"), _("已安排环卫人员清运，现场已清理干净，并加密了清运频次。")),
    # --- 路灯损坏 ----------------------------------------------------------------------------
    _Reply("street_light", ACCEPT, _("已报修"), _("路灯问题已受理，已报路灯管理所维修。")),
    _Reply("street_light", REJECT, _("路灯为定时关闭"), _("该处路灯按节能时段定时关闭，并非损坏。")),
    _Reply("street_light", RESOLVE, _("路灯已修复"), _("损坏路灯已修复，恢复夜间照明。")),
    # --- 道路积水 ----------------------------------------------------------------------------
    _Reply("flooding", ACCEPT, _("已安排排水"), _("道路积水已受理，已通知排水部门到场抽排。")),
    _Reply("flooding", REJECT, _("积水已自然消退"), _("工作人员到达时积水已消退，排水设施运行正常。")),
    _Reply("flooding", RESOLVE, _("积水已排除"), _("已疏通雨水口并完成抽排，积水已排除。")),
)


def reply_templates_ensure() -> int:
    """The common replies for reports, in the site's language; rows already there (matched by
    category, action and title) are left as they are. Returns how many were created."""
    created_count = 0
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        existing = set(ResponseTemplate.objects.filter(kind=CaseKind.REPORT).values_list("category", "action", "title"))
        new = []
        for reply in REPLIES:
            key = (reply.category, str(reply.action), str(reply.title))
            if key in existing:
                continue
            existing.add(key)
            new.append(
                ResponseTemplate(
                    kind=CaseKind.REPORT,
                    category=reply.category,
                    action=reply.action,
                    title=str(reply.title),
                    body=str(reply.body),
                )
            )
        ResponseTemplate.objects.bulk_create(new)
        created_count = len(new)
    return created_count
