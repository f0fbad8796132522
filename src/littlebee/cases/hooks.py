"""What the owning apps (reports, appeals) plug into the engine, per case kind.

The engine knows nothing about points or pages. An owning app registers, usually in its
AppConfig.ready():

    register_kind(CaseKind.REPORT, KindHooks(
        on_accept=award_report_points,      # called inside case_accept's transaction
        worker_link=lambda case: f"/reports/{case.pk}/",
        staff_link=lambda case: f"/staff/cases/{case.pk}/",
    ))

`on_accept(case=, actor=, points=, at=)` runs after the status change and before the timeline
row is written, in the same transaction and under the case's row lock: it may award points
(points.services.points_award with an idempotency key such as f"case:{case.pk}:accept"), and
what it returns (e.g. {"points_awarded": 50}) is stored in the `accept` event's data. Raising a
DomainError (say, points outside the category's range) refuses the whole acceptance. Without a
hook, `points` must be None (InvalidInput otherwise).

`message(case=, event=, title=, body=, to_staff=)` rewords a notification (the engine passes its
generic title and the event's note) so that it names what was reported and what was earned.

`reporter_visible(case, user)` says whether `user` may learn who filed the case (an appeal hidden
from the enterprise it names: not its staff). Where it is False, the API and pages show no
reporter and no actor on the reporter's timeline rows.

`supervisor_id(case)` names an organisation that, without holding the case, sees it and may
supervise it (comment, set a deadline, take it over): an enterprise appeal's industry committee.
`supervised_scope(org_ids)` is the matching filter on Case for the cases those organisations
supervise (cases_visible_to), and `prefetch` the related lookups the hooks read, prefetched once
for a page of cases.

The staff console's pages (cases.views) show what only the owning app knows, without naming it:
`category_labels()` gives the kind's category names by code (one query at most), and
`category_filter` says whether the queue's category filter offers them; `list_subjects(cases)`
the subjects of a page of cases of the kind, by case id, in one query; `staff_panel(case, user,
org_ids)` the kind's part of the case page (a StaffPanel: its template and variables, the page's
heading, extra arguments of an action's form); `action_forms` the forms of the actions the kind
adds (an appeal's supervision); `queue_links(org_ids)` further staff pages for these
organisations, as (label, url), shown beside the queue's tabs.

Apps above the engine that follow every step of every case (open311's webhooks to partners)
register an event listener, usually in AppConfig.ready():

    register_event_listener("open311.webhooks", webhook_event_record)

Each listener is called with every timeline row (CaseEvent) the engine writes, right after the
row is written, inside the step's transaction: what it writes commits or rolls back with the
step, and a listener that raises refuses the step. It runs once per step, so it must stay cheap
(no query for events it ignores) and queue slow work with transaction.on_commit. The engine
calls listeners explicitly (services._record); nothing listens to Django's model signals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from littlebee.core.texts import Text

if TYPE_CHECKING:
    from django.db.models import Q

    from littlebee.accounts.models import User

    from .models import Case, CaseEvent


class AcceptHook(Protocol):
    def __call__(self, *, case: Case, actor: User, points: int | None, at: datetime) -> dict[str, Any]: ...


class MessageHook(Protocol):
    """The title and body of a notification about `event`, given the engine's generic ones;
    `to_staff` tells which side is being told. Texts of core.texts (keys and parameters, shown
    in the reader's language when read), never sentences rendered now."""

    def __call__(
        self, *, case: Case, event: CaseEvent, title: Text, body: Text, to_staff: bool
    ) -> tuple[Text, Text]: ...


def _generic_message(*, case: Case, event: CaseEvent, title: Text, body: Text, to_staff: bool) -> tuple[Text, Text]:
    return title, body


def _no_link(case: Case) -> str:
    return ""


def _no_flags(case: Case, user: User) -> list[dict[str, Any]]:
    return []


def _visible(case: Case, user: User) -> bool:
    return True


def _no_supervisor(case: Case) -> int | None:
    return None


def _no_labels() -> dict[str, str]:
    return {}


def _no_subjects(cases: list[Case]) -> dict[int, str]:
    return {}


def _no_links(org_ids: list[int]) -> list[tuple[str, str]]:
    return []


@dataclass
class StaffPanel:
    """A kind's part of the staff's case page."""

    template: str
    # Variables of the template, added to the page's.
    context: dict[str, Any] = field(default_factory=dict)
    # The page's heading instead of the category's name (an appeal's subject), and a stylesheet.
    title: str = ""
    stylesheet: str = ""
    # Extra keyword arguments of an action's form, by action (the accept form's points range).
    form_kwargs: dict[str, dict[str, Any]] = field(default_factory=dict)


def _no_panel(case: Case, user: User, org_ids: list[int]) -> StaffPanel | None:
    return None


@dataclass(frozen=True)
class KindHooks:
    on_accept: AcceptHook | None = None
    # Paths on this site for notifications: the worker's page of the case, the staff page.
    worker_link: Callable[[Case], str] = _no_link
    staff_link: Callable[[Case], str] = _no_link
    # Reasons for staff to look twice (reports: reused photos, bursts…) as {kind, label, detail,
    # photo, other_case, created_at}; the owning app returns [] for anyone but staff.
    staff_flags: Callable[[Case, User], list[dict[str, Any]]] = _no_flags
    # Kind-specific wording of notifications (what was reported, the points earned).
    message: MessageHook = _generic_message
    reporter_visible: Callable[[Case, User], bool] = _visible
    supervisor_id: Callable[[Case], int | None] = _no_supervisor
    supervised_scope: Callable[[list[int]], Q] | None = None
    prefetch: tuple[str, ...] = ()
    # The staff console's pages (see the module's docstring).
    category_labels: Callable[[], dict[str, str]] = _no_labels
    category_filter: bool = False
    list_subjects: Callable[[list[Case]], dict[int, str]] = _no_subjects
    staff_panel: Callable[[Case, User, list[int]], StaffPanel | None] = _no_panel
    action_forms: Mapping[str, type[Any]] = field(default_factory=dict)
    queue_links: Callable[[list[int]], list[tuple[str, str]]] = _no_links
    # A case's title for staff lists and clients (an appeal's subject; a report's category and
    # first words): a query expression over a Case row (OuterRef("pk")), so that a page of cases
    # reads its titles in its own statement (selectors.cases_with_titles).
    title: Callable[[], Any] | None = None


_REGISTRY: dict[str, KindHooks] = {}


def register_kind(kind: str, hooks: KindHooks) -> None:
    _REGISTRY[kind] = hooks


def unregister_kind(kind: str) -> None:
    _REGISTRY.pop(kind, None)


def hooks_for(kind: str) -> KindHooks:
    return _REGISTRY.get(kind, KindHooks())


def registered_hooks() -> list[KindHooks]:
    return list(_REGISTRY.values())


def registered_kinds() -> dict[str, KindHooks]:
    return dict(_REGISTRY)


EventListener = Callable[["CaseEvent"], object]
# By name, so registering again (ready() run twice, a test's own listener) replaces, never doubles.
_EVENT_LISTENERS: dict[str, EventListener] = {}


def register_event_listener(name: str, listener: EventListener) -> None:
    _EVENT_LISTENERS[name] = listener


def unregister_event_listener(name: str) -> None:
    _EVENT_LISTENERS.pop(name, None)


def event_listeners() -> list[EventListener]:
    return list(_EVENT_LISTENERS.values())
