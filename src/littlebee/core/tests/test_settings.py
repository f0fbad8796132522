"""Start-up configuration: the embedded default needs nothing; production refuses bad settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# They start Python processes with a configuration of their own, never the pass's database: the
# PostgreSQL pass would only repeat them.
pytestmark = pytest.mark.once

GOOD_PRODUCTION = {
    "LITTLEBEE_MODE": "production",
    "SECRET_KEY": "x" * 50,
    "DATABASE_URL": "postgres://bee:pw@db.example:5432/littlebee",
    "REDIS_URL": "redis://cache.example:6379/0",
    "ALLOWED_HOSTS": "bee.example.org",
    "SMS_BACKEND": "littlebee.notifications.tests.file_sms.FileSmsBackend",
}

PRINT_SETTINGS = (
    "import django; from django.conf import settings; django.setup(); "
    "print(settings.DATABASES['default']['ENGINE'], settings.DEBUG, settings.SESSION_COOKIE_SECURE, "
    "settings.CELERY_TASK_ALWAYS_EAGER, settings.TIME_ZONE, settings.LANGUAGE_CODE)"
)


def start(env_overrides: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG"}}
    env.update({"DJANGO_SETTINGS_MODULE": "littlebee.settings", "LITTLEBEE_VAR_DIR": str(tmp_path)})
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_embedded_default_needs_nothing_and_keeps_a_generated_secret(tmp_path: Path) -> None:
    # given no configuration at all
    # when the settings load twice
    first = start({}, tmp_path)
    second = start({}, tmp_path)

    # then SQLite under var/ is used, DEBUG is off, jobs run in process, and the key is kept
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["django.db.backends.sqlite3", "False", "False", "True", "Asia/Shanghai", "zh-hans"]
    key_file = tmp_path / "secret_key"
    assert key_file.exists() and len(key_file.read_text()) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert second.returncode == 0


def test_production_with_everything_set_starts_with_secure_cookies(tmp_path: Path) -> None:
    # when
    result = start(GOOD_PRODUCTION, tmp_path)

    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:4] == ["django.db.backends.postgresql", "False", "True", "False"]


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "littlebee", "check"],
        [sys.executable, "-m", "gunicorn", "littlebee.wsgi:application", "--bind", "127.0.0.1:0", "--workers", "1"],
    ],
    ids=["littlebee-cli", "gunicorn"],
)
def test_the_cli_and_gunicorn_stop_with_the_sentence(tmp_path: Path, command: list[str]) -> None:
    # given a malformed value that used to be accepted (every login crashed with it)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG"}}
    env.update({"LITTLEBEE_VAR_DIR": str(tmp_path), "LOGIN_MAX_FAILURES": "0"})
    env.pop("DJANGO_SETTINGS_MODULE", None)

    # when the command starts
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)

    # then it stops (gunicorn's master too, not respawning workers) with the one sentence
    assert result.returncode == 3, result.stderr
    sentence = "Little Bee cannot start: LOGIN_MAX_FAILURES must be a whole number of at least 1, not '0'."
    assert sentence in result.stderr
    assert "Traceback" not in result.stderr
