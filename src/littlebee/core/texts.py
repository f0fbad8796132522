"""Data that speaks the reader's language (DESIGN.md): translated catalogue names, and texts
stored as a message key with its parameters, rendered in the reader's language when read.

Catalogue names. A catalogue model (report categories, station services, badges, gifts) keeps
its Chinese name in `name`, the source of truth every read path can use (ORM, `values()`, plain
SQL), and its English name in `name_en`, blank until someone writes it. `in_language(zh, en)`
picks the one for the active language, falling back to the Chinese.

Stored texts. An inbox message or a system note on a case timeline is stored as a JSON value,
not as the sentence it makes today, so a worker reading in English reads English:

  "free text"                          shown as it is (a staff member's note, a subject)
  12                                   a number, for a "%(n)d" parameter
  {"t": msgid, "p": {name: text}}      gettext(msgid) % the rendered parameters; the msgid is
                                       the Chinese source string, marked with gettext_lazy (or
                                       gettext_noop) so `make messages` collects it
  {"l": {"zh-hans": …, "en": …}}       a name in each language, captured when the text was made
                                       (a category's or gift's names): no lookup when read
  {"j": [text, …], "s": "\\n"}          the non-empty parts joined

`render(text)` never raises: a text it cannot read is shown as well as it can be (the msgid
untranslated, a part left out), because an inbox row written by an older release must still
open.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise

# A stored text (see the module's docstring); JSON all the way down.
Text = str | int | float | dict[str, Any] | None


def _language(language: str | None = None) -> str:
    return (language or translation.get_language() or settings.LANGUAGE_CODE).lower()


def is_english(language: str | None = None) -> bool:
    return _language(language).startswith("en")


def in_language(zh: str, en: str | None, language: str | None = None) -> str:
    """A catalogue name in the active language (or `language`): the English name under English
    when there is one, else the Chinese one."""
    if en and is_english(language):
        return en
    return zh


def msgid_of(text: str | Promise) -> str:
    """The source string of `gettext_lazy("…")` (or a plain string): no catalogue is active.

    Kept on the lazy object after the first time: turning the catalogues off and on again costs
    ~60 us, and every notice of a case step words its module-level titles through here."""
    if not isinstance(text, Promise):
        return str(text)
    known: str | None = getattr(text, "_littlebee_msgid", None)
    if known is None:
        with translation.override(None):
            known = str(text)
        text._littlebee_msgid = known  # type: ignore[attr-defined]
    return known


def t(msgid: str | Promise, **params: Any) -> dict[str, Any]:
    """A translatable sentence, its msgid marked for `make messages`: `t(gettext_lazy("…%(x)s…"),
    x=…)` (or gettext_noop). A parameter may be a text, a number, or a lazy label (a choice's)."""
    values = {k: {"t": msgid_of(v)} if isinstance(v, Promise) else v for k, v in params.items()}
    return {"t": msgid_of(msgid), "p": values} if values else {"t": msgid_of(msgid)}


def names(zh: str, en: str | None = "") -> dict[str, Any]:
    """A name in both languages (a catalogue row's `name` and `name_en`)."""
    return {"l": {"zh-hans": zh, "en": en or ""}}


def joined(*parts: Text, sep: str = "\n") -> dict[str, Any]:
    """Parts joined by `sep`, empty ones left out (when rendered)."""
    return {"j": [p for p in parts if p not in ("", None)], "s": sep}


def _param(value: Any, language: str | None) -> Any:
    # Numbers stay numbers for "%(n)d"; everything else is rendered to a string.
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    return render(value, language)


def render(text: Any, language: str | None = None) -> str:
    """The text in the active language (or `language`)."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if isinstance(text, bool):
        return str(text)
    if isinstance(text, int | float):
        return str(text)
    if not isinstance(text, Mapping):
        return ""
    if language is not None and "t" in text:
        with translation.override(language):
            return render(text)
    if "t" in text:
        msgid = str(text.get("t") or "")
        translated = translation.gettext(msgid) if msgid else ""
        params = text.get("p")
        if not params or not isinstance(params, Mapping):
            return translated
        values = {str(k): _param(v, language) for k, v in params.items()}
        try:
            return translated % values
        except (KeyError, TypeError, ValueError):
            try:
                return msgid % values
            except (KeyError, TypeError, ValueError):
                return msgid
    if "l" in text:
        by_language = text.get("l")
        if not isinstance(by_language, Mapping):
            return ""
        zh = str(by_language.get(settings.LANGUAGE_CODE) or by_language.get("zh-hans") or "")
        return in_language(zh, by_language.get("en"), language)
    if "j" in text:
        parts = text.get("j")
        if not isinstance(parts, list):
            return ""
        rendered = [render(p, language) for p in parts]
        return str(text.get("s", "\n")).join(p for p in rendered if p)
    return ""


def render_in(text: Any, language: str) -> str:
    """The text in `language`, whatever language is active (a text message, sent now)."""
    with translation.override(language):
        return render(text)
