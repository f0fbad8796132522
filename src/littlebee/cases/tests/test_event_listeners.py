"""Apps above the engine follow the timeline through listeners the engine calls (hooks.py), not
through Django's model signals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from littlebee.cases import hooks, services
from littlebee.cases.models import CaseEvent, CaseStatus
from littlebee.core.errors import InvalidInput

from .factories import WORKING_MORNING, World, open_case, world

pytestmark = pytest.mark.django_db

LATER = WORKING_MORNING + timedelta(hours=1)


@pytest.fixture
def w() -> World:
    return world()


def test_a_listener_gets_every_timeline_row_as_it_is_written(w: World) -> None:
    # given a listener registered by an app above the engine
    seen: list[tuple[str, str, bool]] = []
    hooks.register_event_listener(
        "test.seen", lambda e: seen.append((e.action, e.to_status, CaseEvent.objects.filter(pk=e.pk).exists()))
    )
    try:
        # when a case is opened, accepted and resolved
        case = open_case(w)
        services.case_accept(case_id=case.pk, actor=w.community_handler, at=LATER)
        services.case_resolve(case_id=case.pk, actor=w.community_handler, note="已修复", at=LATER)
    finally:
        hooks.unregister_event_listener("test.seen")

    # then it was called once per row, each row already stored
    assert seen == [("open", "submitted", True), ("accept", "accepted", True), ("resolve", "resolved", True)]


def test_registering_a_name_again_replaces_the_listener(w: World) -> None:
    seen: list[str] = []
    hooks.register_event_listener("test.once", lambda e: seen.append("first"))
    hooks.register_event_listener("test.once", lambda e: seen.append("second"))
    try:
        open_case(w)
    finally:
        hooks.unregister_event_listener("test.once")
    assert seen == ["second"]


def test_a_listener_that_raises_refuses_the_step(w: World) -> None:
    # given a listener that refuses acceptances
    def refuse(event: CaseEvent) -> None:
        if event.action == "accept":
            raise InvalidInput.one("note", "不行")

    case = open_case(w)
    hooks.register_event_listener("test.refuse", refuse)
    try:
        # when the handler accepts
        with pytest.raises(InvalidInput):
            services.case_accept(case_id=case.pk, actor=w.community_handler, at=LATER)
    finally:
        hooks.unregister_event_listener("test.refuse")

    # then nothing of the step is kept
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert not CaseEvent.objects.filter(case=case, action="accept").exists()
