from __future__ import annotations

from typing import Any

import factory

from littlebee.accounts.tests.factories import UserFactory
from littlebee.notifications.models import Notification


class _NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient: Any = factory.SubFactory(UserFactory)
    kind = "event_promoted"
    title: Any = factory.Sequence(lambda n: f"消息{n}")
    body = "您已由候补转为正式报名。"
    link = "/hives/events/1/"


# Typed loosely, as factories are: a call returns the model instance.
NotificationFactory: Any = _NotificationFactory
