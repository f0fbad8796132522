"""What the apps above accounts plug into it, so that accounts never names them.

Accounts sits low in the layers (DESIGN.md, "Dependencies run one way"): points and
notifications build on it, so it cannot import them. Each fills its part in its
AppConfig.ready():

    notifications: text_sender_set(sms_send_on_commit)
                   profile_decided_add(profile_decision_notify)
    points:        checkin_confirmed_add(checkin_points_award)
                   me_columns_add(MeColumns(me_points_columns, me_points_from, me_points_joins))

`text_sender(phone=, message=)` sends a text once the current transaction commits (login and
sign-up codes). Without one, sending refuses loudly rather than dropping a code in silence.

`checkin_confirmed(profile=, actor=, at=)` runs inside the transaction that confirms a worker's
check-in with a community; it must not raise for a refusal of its own (the confirmation stands).

`profile_decided(profile=, event=)` runs inside the transaction of each decision a worker waits
for (the community's check-in, the employer's confirmation, either way), with the timeline row
just written; notifications tells the worker. It must not raise for a refusal of its own.

`me_columns_add(MeColumns(columns=, fields=[, joins=]))`: fields of GET /me that another app owns
(the points balance and the title), read in GET /me's one statement. `columns(quote, user_id)`
gives SQL expressions of the app's own tables for the user whose id is the SQL `user_id`: scalar
subqueries, or columns of the rows `joins(quote, user_id)` adds (LEFT JOINs on the user of one
row at most, under aliases named after the app); `fields(values, worker=)` turns their values
into the answer's fields; `worker` says whether the user has a worker profile (staff have none).
GET /me is a hot path: a hook reads only the columns it answers with, and adds no statement of
its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .models import ProfileEvent, User, WorkerProfile


class TextSender(Protocol):
    def __call__(self, *, phone: str, message: str) -> None: ...


class CheckinConfirmedHook(Protocol):
    def __call__(self, *, profile: WorkerProfile, actor: User, at: datetime) -> None: ...


class ProfileDecidedHook(Protocol):
    def __call__(self, *, profile: WorkerProfile, event: ProfileEvent) -> None: ...


class MeFieldsFromValues(Protocol):
    def __call__(self, values: Sequence[Any], *, worker: bool) -> dict[str, Any]: ...


def _no_joins(quote: Callable[[str], str], user_id: str) -> list[str]:
    return []


@dataclass(frozen=True)
class MeColumns:
    columns: Callable[[Callable[[str], str], str], list[str]]
    fields: MeFieldsFromValues
    # LEFT JOINs of the app's own tables (aliases of its own name) that `columns` may read from.
    joins: Callable[[Callable[[str], str], str], list[str]] = _no_joins


def _no_sender(*, phone: str, message: str) -> None:
    raise RuntimeError("No SMS sender is registered (littlebee.notifications sets one when it starts).")


_text_sender: list[TextSender] = [_no_sender]
_checkin_confirmed: list[CheckinConfirmedHook] = []
_profile_decided: list[ProfileDecidedHook] = []
_me_columns: list[MeColumns] = []


def text_sender_set(sender: TextSender) -> None:
    _text_sender[0] = sender


def text_send_on_commit(*, phone: str, message: str) -> None:
    _text_sender[0](phone=phone, message=message)


def checkin_confirmed_add(hook: CheckinConfirmedHook) -> None:
    if hook not in _checkin_confirmed:
        _checkin_confirmed.append(hook)


def checkin_confirmed_hooks() -> list[CheckinConfirmedHook]:
    return list(_checkin_confirmed)


def profile_decided_add(hook: ProfileDecidedHook) -> None:
    if hook not in _profile_decided:
        _profile_decided.append(hook)


def profile_decided_hooks() -> list[ProfileDecidedHook]:
    return list(_profile_decided)


def me_columns_add(hook: MeColumns) -> None:
    if hook not in _me_columns:
        _me_columns.append(hook)


def me_columns() -> list[MeColumns]:
    return list(_me_columns)
