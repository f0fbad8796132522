"""accounts names no app above it (DESIGN.md, "Dependencies run one way"): points and
notifications plug into accounts.hooks, and accounts tells core's admin who is a city admin.
The behaviour behind each hook is tested where it lives (check-in points in points, GET /me,
texts in notifications); these tests hold the wiring."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from littlebee.accounts import hooks
from littlebee.accounts.selectors import is_city_admin
from littlebee.core import admin as core_admin
from littlebee.notifications.checkins import profile_decision_notify
from littlebee.notifications.sms import sms_send_on_commit
from littlebee.points.notify import checkin_points_notify
from littlebee.points.selectors import me_points_columns, me_points_from, me_points_joins
from littlebee.points.services import checkin_points_award


def test_points_and_notifications_fill_the_hooks_at_start_up() -> None:
    # given the apps as Django started them
    # then points awards the check-in and fills GET /me, notifications sends the texts
    assert checkin_points_award in hooks.checkin_confirmed_hooks()
    # and tells the worker of the points, after awarding them
    confirmed = hooks.checkin_confirmed_hooks()
    assert confirmed.index(checkin_points_award) < confirmed.index(checkin_points_notify)
    assert (
        hooks.MeColumns(columns=me_points_columns, fields=me_points_from, joins=me_points_joins) in hooks.me_columns()
    )
    assert hooks._text_sender[0] is sms_send_on_commit
    # and tells workers of the check-in and employment decisions
    assert profile_decision_notify in hooks.profile_decided_hooks()
    # and accounts answers the admin's question
    assert core_admin._city_admin_check[0] is is_city_admin


def test_without_a_sender_a_text_is_refused_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    # given no SMS sender registered
    monkeypatch.setattr(hooks, "_text_sender", [hooks._no_sender])

    # when a code is to be sent, then it fails rather than dropping the code in silence
    with pytest.raises(RuntimeError, match="No SMS sender"):
        hooks.text_send_on_commit(phone="+8613800000000", message="code")


def test_until_accounts_answers_nobody_may_use_the_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    # given core's admin before accounts has named the city admins
    monkeypatch.setattr(core_admin, "_city_admin_check", [core_admin._nobody])
    request = SimpleNamespace(user=SimpleNamespace(is_authenticated=True, is_active=True))

    # then even a signed-in, active person is refused
    assert core_admin._is_city_admin(request) is False  # type: ignore[arg-type]
