"""Reading settings from the environment, each value checked as it is read.

settings.py reads every environment variable through a `ConfigReader`. A value that is
malformed or out of range is refused with one sentence that names the variable, the value and
what is expected: an `ImproperlyConfigured` by default (tests read a fake environment this
way), or whatever `on_error` does (settings.py prints the sentence and exits, so operators
see one line rather than a traceback, whether start-up is manage.py, gunicorn or celery).
Secret values (keys, URLs with passwords) are never repeated in the sentence.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Iterable, Mapping
from typing import NoReturn
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


def _raise(sentence: str) -> NoReturn:
    raise ImproperlyConfigured(sentence)


class ConfigReader:
    def __init__(self, environ: Mapping[str, str], *, on_error: Callable[[str], NoReturn] = _raise) -> None:
        self.environ = environ
        self.on_error = on_error

    # --- helpers ---------------------------------------------------------------------------
    def raw(self, name: str) -> str:
        """The variable as set, stripped; "" when unset. An empty value counts as unset."""
        return self.environ.get(name, "").strip()

    def fail(self, name: str, value: str, expected: str, *, secret: bool = False) -> NoReturn:
        shown = "a value that is not shown here" if secret else repr(value)
        self.on_error(f"{name} must be {expected}, not {shown}.")

    # --- readers ---------------------------------------------------------------------------
    def text(self, name: str, default: str = "", *, required: str = "") -> str:
        """A free string. `required`, when given, says what is expected if it is unset."""
        value = self.raw(name)
        if not value and required:
            self.on_error(f"{name} must be set to {required}.")
        return value or default

    def integer(self, name: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
        value = self.raw(name)
        if not value:
            return default
        expected = f"a whole number of at least {minimum}"
        if maximum is not None:
            expected = f"a whole number from {minimum} to {maximum}"
        try:
            number = int(value.replace("_", ""))
        except ValueError:
            self.fail(name, value, expected)
        if number < minimum or (maximum is not None and number > maximum):
            self.fail(name, value, expected)
        return number

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if not value:
            return default
        if value.lower() in TRUE:
            return True
        if value.lower() in FALSE:
            return False
        self.fail(name, value, "true or false")

    def choice(self, name: str, default: str, choices: Iterable[str], *, upper: bool = False) -> str:
        value = self.raw(name)
        if not value:
            return default
        chosen = value.upper() if upper else value
        allowed = list(choices)
        if chosen not in allowed:
            self.fail(name, value, "one of " + ", ".join(allowed))
        return chosen

    def url(self, name: str, default: str, *, schemes: Iterable[str], required: str = "", secret: bool = False) -> str:
        """A URL of one of `schemes` with a host (unix:// a path). Empty stays empty unless
        `required` says what it must be."""
        value = self.raw(name)
        if not value:
            if required:
                self.on_error(f"{name} must be set to {required}.")
            return default
        allowed = tuple(schemes)
        expected = "a URL starting with " + " or ".join(f"{s}://" for s in allowed)
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 -- raises ValueError on a port that is not a number
        except ValueError:
            self.fail(name, value, expected, secret=secret)
        if parts.scheme not in allowed:
            self.fail(name, value, expected, secret=secret)
        if not (parts.hostname or (parts.scheme == "unix" and parts.path)):
            self.fail(name, value, expected + " and a host", secret=secret)
        return value

    def strings(self, name: str, default: list[str]) -> list[str]:
        """A comma-separated list; blanks between commas are dropped."""
        value = self.raw(name)
        if not value:
            return list(default)
        return [item.strip() for item in value.split(",") if item.strip()]

    def origins(self, name: str) -> list[str]:
        """Comma-separated origins such as https://bee.example.org (what Django's CSRF wants)."""
        origins = self.strings(name, [])
        for origin in origins:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
                self.fail(name, origin, "a comma-separated list of origins such as https://bee.example.org")
        return origins

    def coordinates(self, name: str, default: tuple[float, float]) -> tuple[float, float]:
        """`lat,lng` in degrees (WGS-84)."""
        value = self.raw(name)
        if not value:
            return default
        expected = "two numbers, latitude,longitude, e.g. 30.5928,114.3055"
        parts = [p.strip() for p in value.split(",")]
        if len(parts) != 2:
            self.fail(name, value, expected)
        try:
            lat, lng = float(parts[0]), float(parts[1])
        except ValueError:
            self.fail(name, value, expected)
        if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
            self.fail(name, value, expected + " (latitude -90..90, longitude -180..180)")
        return (lat, lng)

    def dotted_path(self, name: str, default: str) -> str:
        """The dotted path of a class that can be imported, e.g. a backend."""
        value = self.raw(name) or default
        module_name, _dot, attribute = value.rpartition(".")
        expected = "the dotted path of an importable class, e.g. " + default
        if not module_name or not attribute:
            self.fail(name, value, expected)
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            self.fail(name, value, expected)
        except Exception:
            # It exists but needs Django ready to import: checked again when first used.
            return value
        if not hasattr(module, attribute):
            self.fail(name, value, expected)
        return value
