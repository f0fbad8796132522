"""notifications.sms: a queued text travels by reference and is sent once."""

from __future__ import annotations

from typing import Any

import pytest

from littlebee.notifications.sms import sms_pending_put, sms_pending_send, sms_send_on_commit
from littlebee.notifications.tasks import sms_deliver


class FailingBackend:
    def send(self, phone: str, message: str) -> None:
        raise ConnectionError("provider down")


# The pending text waits in the cache, a database table without Redis.
@pytest.mark.django_db
def test_a_pending_text_is_sent_once_and_then_forgotten(sms_outbox: Any) -> None:
    # given a text kept for a worker
    reference = sms_pending_put(phone="13800000001", message="【小蜜蜂】验证码 123456")

    # when the task runs twice (a redelivered message)
    first = sms_deliver.run(reference)
    second = sms_deliver.run(reference)

    # then the phone gets it once
    assert (first, second) == (True, False)
    assert [(m.phone, m.message) for m in sms_outbox] == [("13800000001", "【小蜜蜂】验证码 123456")]


# The pending text waits in the cache, a database table without Redis.
@pytest.mark.django_db
def test_a_text_the_provider_refused_stays_pending_for_the_retry(settings: Any, sms_outbox: Any) -> None:
    # given a provider that is down
    reference = sms_pending_put(phone="13800000001", message="hello")
    settings.SMS_BACKEND = f"{__name__}.FailingBackend"

    # when the worker tries
    with pytest.raises(ConnectionError):
        sms_pending_send(reference=reference)

    # then the text is still there for the next try
    settings.SMS_BACKEND = "littlebee.notifications.sms.LocmemSmsBackend"
    assert sms_pending_send(reference=reference) is True
    assert [m.message for m in sms_outbox] == ["hello"]


@pytest.mark.django_db
def test_the_task_gets_a_reference_not_the_text(
    settings: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    # given jobs that go to a broker
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued: list[tuple[Any, ...]] = []
    monkeypatch.setattr(sms_deliver, "delay", lambda *args: queued.append(args))

    # when a text is sent
    with django_capture_on_commit_callbacks(execute=True):
        sms_send_on_commit(phone="13800000001", message="【小蜜蜂】验证码 654321")

    # then the task's only argument is an opaque reference
    assert len(queued) == 1
    (reference,) = queued[0]
    assert "654321" not in reference and "13800000001" not in reference
