"""core.raw_rows.loaded_instance: an instance as Model.from_db makes it, without Model.__init__
where nothing listens to the model's init signals."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Model, signals

from littlebee.accounts.models import ApiToken, User
from littlebee.cases.models import Case
from littlebee.conftest import model_inits_watched
from littlebee.core.raw_rows import loaded_instance
from littlebee.rewards.models import Gift


def _fields(instance: Model) -> dict[str, Any]:
    return {k: v for k, v in instance.__dict__.items() if k != "_state"}


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (ApiToken, {"id": 3, "user_id": 7, "credentials": "abc"}),
        (User, {"id": 1, "name": "张三", "phone": "13800000001", "is_active": True}),
        (Case, {"id": 9, "kind": "report", "status": "submitted", "organisation_id": 4, "lat": 30.5, "lng": None}),
        (Gift, {"id": 2, "name": "雨伞", "picture": "gifts/a.jpg", "stock_available": 5}),
    ],
)
def test_the_instance_is_the_one_from_db_makes(model: type[Model], values: dict[str, Any]) -> None:
    # given the values of some of the model's fields, in field order (as from_db takes them)
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    row = [values[name] for name in names]

    # when an instance is made of them both ways
    fast = loaded_instance(model, "default", names, row)
    orm = model.from_db("default", names, row)

    # then the same fields, the others deferred, loaded from the same database
    assert type(fast) is model
    assert _fields(fast) == _fields(orm)
    assert fast.get_deferred_fields() == orm.get_deferred_fields()
    assert (fast._state.adding, fast._state.db) == (orm._state.adding, orm._state.db) == (False, "default")
    assert fast.pk == orm.pk


def test_a_loaded_instance_is_made_without_model_init(monkeypatch: pytest.MonkeyPatch) -> None:
    # given Model.__init__ counted
    made = model_inits_watched(monkeypatch)

    # when a token of three fields is made
    token = loaded_instance(ApiToken, "default", ["id", "user_id", "credentials"], [3, 7, "abc"])

    # then without it (ApiToken.from_db: once)
    assert made == []
    assert (token.pk, token.user_id, token.credentials) == (3, 7, "abc")


def test_a_model_with_an_init_listener_is_made_by_from_db() -> None:
    # given something listening to the users' post_init
    heard: list[Any] = []

    def listener(sender: Any, instance: Any, **kwargs: Any) -> None:
        heard.append(instance)

    signals.post_init.connect(listener, sender=User, weak=False)
    try:
        # when a user is loaded
        user = loaded_instance(User, "default", ["id", "name"], [1, "张三"])
    finally:
        signals.post_init.disconnect(listener, sender=User)

    # then the listener heard it, as from_db makes it heard
    assert heard == [user]


def test_without_any_init_receiver_the_signals_are_not_asked_about_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    # given init signals nothing listens to, and a count of the questions asked of them
    assert not signals.pre_init.receivers and not signals.post_init.receivers
    asked: list[Any] = []

    def has_listeners(sender: Any = None) -> bool:
        asked.append(sender)
        return False

    for signal in (signals.pre_init, signals.post_init):
        monkeypatch.setattr(signal, "has_listeners", has_listeners)

    # when instances are loaded (a staff queue page makes six a row)
    made = [loaded_instance(User, "default", ["id", "name"], [i, f"n{i}"]) for i in range(3)]

    # then each is made, and no signal was asked whether it listens to the model
    assert [u.name for u in made] == ["n0", "n1", "n2"]
    assert asked == []
