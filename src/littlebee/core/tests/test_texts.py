from __future__ import annotations

from unittest import mock

from django.utils import translation
from django.utils.translation import gettext_lazy, pgettext_lazy

from littlebee.core import texts


def test_a_lazy_texts_msgid_is_worked_out_once_and_read_in_any_language() -> None:
    # given a module-level lazy title, as the case notices' titles are
    title = gettext_lazy("新案件待受理")
    labelled = pgettext_lazy("case status", "已受理")

    # when its msgid is asked for three times, the last two under English
    with mock.patch.object(texts.translation, "override", wraps=translation.override) as override:
        first = texts.msgid_of(title)
        with translation.override("en"):
            again = texts.msgid_of(title)
            sentence = texts.t(title, kind=labelled)

    # then the catalogues were switched off once per lazy object, and the msgids are the source's
    assert first == again == "新案件待受理"
    assert sentence == {"t": "新案件待受理", "p": {"kind": {"t": "已受理"}}}
    assert [c.args for c in override.call_args_list if c.args == (None,)] == [(None,), (None,)]


def test_a_plain_strings_msgid_is_itself() -> None:
    # given / when / then
    assert texts.msgid_of("路灯不亮") == "路灯不亮"
