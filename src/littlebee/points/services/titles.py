"""Honorary titles (荣誉称号) a community grants a worker checked in there, and their withdrawal."""

from __future__ import annotations

import unicodedata

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import CheckinStatus, User, WorkerProfile
from littlebee.accounts.selectors import is_city_admin
from littlebee.core.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied

from .. import selectors
from ..models import HonoraryTitle

TITLE_MAX = 40
CITATION_MAX = 255
# An English name takes more letters than its Chinese one.
TITLE_EN_MAX = 60
CITATION_EN_MAX = 400


def _clean_line(value: str) -> str:
    """One line of text as a person typed it: no control or invisible formatting characters."""
    return "".join(c for c in (value or "") if unicodedata.category(c) not in {"Cc", "Cf", "Cs"}).strip()


@transaction.atomic
def honorary_title_grant(
    *,
    actor: User,
    worker_id: int,
    title: str,
    citation: str = "",
    title_en: str = "",
    citation_en: str = "",
) -> HonoraryTitle:
    """A community (its party organisation's handler or admin) honours a worker checked in there,
    e.g. with the seed's 径心游侠. One live grant of a title per worker and community. The English
    title and citation (optional) are what a worker reading in English sees; blank, the Chinese."""
    title, citation = _clean_line(title), _clean_line(citation)
    title_en, citation_en = _clean_line(title_en), _clean_line(citation_en)
    errors: list[FieldError] = []
    if len(title_en) > TITLE_EN_MAX:
        errors.append(FieldError("title_en", _("英文称号不能超过 %(n)d 个字符。") % {"n": TITLE_EN_MAX}))
    if len(citation_en) > CITATION_EN_MAX:
        errors.append(FieldError("citation_en", _("英文事迹不能超过 %(n)d 个字符。") % {"n": CITATION_EN_MAX}))
    if not title:
        errors.append(FieldError("title", _("请填写称号。")))
    elif len(title) > TITLE_MAX:
        errors.append(FieldError("title", _("称号不能超过 %(n)d 个字。") % {"n": TITLE_MAX}))
    if len(citation) > CITATION_MAX:
        errors.append(FieldError("citation", _("事迹不能超过 %(n)d 个字。") % {"n": CITATION_MAX}))
    if errors:
        raise InvalidInput(errors)
    orgs = selectors.title_granting_orgs(actor)
    if not orgs:
        raise PermissionDenied(_("只有社区党组织的工作人员可以授予荣誉称号。"))
    profile = WorkerProfile.objects.select_related("user").filter(user_id=worker_id).first()
    org = next((o for o in orgs if profile is not None and o.region_id == profile.community_id), None)
    if profile is None or org is None:
        raise NotFound(_("本社区没有这位小哥。"))
    if profile.checkin_status != CheckinStatus.CONFIRMED:
        raise Conflict("not_checked_in", _("这位小哥尚未完成本社区报到，暂不能授予称号。"))
    already = Conflict("already_granted", _("本社区已授予这位小哥该称号。"))
    live = HonoraryTitle.objects.filter(worker_id=worker_id, title=title, granted_by_org=org, revoked_at__isnull=True)
    if live.exists():
        raise already
    try:
        with transaction.atomic():
            return HonoraryTitle.objects.create(
                worker_id=worker_id,
                title=title,
                citation=citation,
                title_en=title_en,
                citation_en=citation_en,
                granted_by_org=org,
                granted_by=actor,
            )
    except IntegrityError as exc:  # a simultaneous grant: the constraint honorary_title_live_once decides
        raise already from exc


@transaction.atomic
def honorary_title_revoke(*, actor: User, title_id: int) -> HonoraryTitle:
    """Withdraw a title: staff of the organisation that granted it (or a city admin)."""
    honour = HonoraryTitle.objects.select_for_update().filter(pk=title_id).first()
    if honour is None or not (
        is_city_admin(actor) or honour.granted_by_org_id in {o.pk for o in selectors.title_granting_orgs(actor)}
    ):
        raise NotFound()
    if honour.revoked_at is not None:
        raise Conflict("invalid_transition", _("该称号已撤销。"))
    honour.revoked_at = timezone.now()
    honour.save(update_fields=["revoked_at", "updated_at"])
    return honour
