"""Every environment-driven setting is checked as it is read: a bad value stops start-up with one
sentence naming the variable, the value and what is expected (core/config.py, settings.py)."""

from __future__ import annotations

import re
import runpy
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from littlebee.core.config import ConfigReader
from littlebee.core.tests.test_settings import GOOD_PRODUCTION

SETTINGS = Path(__file__).resolve().parents[2] / "settings.py"
SOURCE = SETTINGS.read_text(encoding="utf-8")
# In-process and never the pass's database: the PostgreSQL pass would only repeat them.
pytestmark = pytest.mark.once

INTEGERS = re.findall(r'cfg\.integer\(\s*"(\w+)",\s*[^,]+,\s*minimum=(-?[\d_]+)(?:,\s*maximum=(-?[\d_]+))?', SOURCE)


def load_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, environ: dict[str, str]) -> dict[str, Any]:
    """Run settings.py afresh with exactly `environ` (plus a var folder of the test's own)."""
    for name in list(__import__("os").environ):
        if name.isupper() and not name.startswith(("PATH", "HOME", "PYTHON", "LANG", "LC_", "TMP", "DJANGO")):
            monkeypatch.delenv(name, raising=False)
    for name, value in {"LITTLEBEE_VAR_DIR": str(tmp_path), **environ}.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any, environ: dict[str, str]) -> str:
    with pytest.raises(SystemExit) as stop:
        load_settings(monkeypatch, tmp_path, environ)
    assert stop.value.code == 3
    err = str(capsys.readouterr().err).strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    return err


def test_every_integer_setting_is_read_with_a_range() -> None:
    # the guard: no setting is read around the checking reader
    assert len(INTEGERS) >= 30
    assert not re.search(r"\benv\.(int|str|bool|list|float)\(|os\.environ\.get|os\.getenv", SOURCE)


@pytest.mark.parametrize(("name", "minimum", "maximum"), INTEGERS)
def test_an_integer_that_is_not_a_number_or_out_of_range_stops_start_up(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any, name: str, minimum: str, maximum: str
) -> None:
    lowest = int(minimum.replace("_", ""))
    bad_values = ["many", "1.5", str(lowest - 1)]
    if maximum:
        bad_values.append(str(int(maximum.replace("_", "")) + 1))
    for bad in bad_values:
        # given a configuration with that one value wrong (DATABASE_URL set so CONN_MAX_AGE is read)
        environ = {name: bad, "DATABASE_URL": "postgres://bee@db.example/littlebee", "AWS_STORAGE_BUCKET_NAME": "b"}

        # when the settings load
        sentence = refused(monkeypatch, tmp_path, capsys, environ)

        # then one sentence names the variable, the value and what is expected
        assert f"{name} must be a whole number" in sentence and repr(bad) in sentence, sentence


@pytest.mark.parametrize(
    ("environ", "sentence"),
    [
        ({"LOGIN_MAX_FAILURES": "0"}, "LOGIN_MAX_FAILURES must be a whole number of at least 1, not '0'."),
        ({"DEBUG": "perhaps"}, "DEBUG must be true or false, not 'perhaps'."),
        ({"CELERY_TASK_ALWAYS_EAGER": "sometimes", "REDIS_URL": "redis://r:6379/0"}, "CELERY_TASK_ALWAYS_EAGER must"),
        ({"PERIODIC_JOBS_IN_PROCESS": "2"}, "PERIODIC_JOBS_IN_PROCESS must be true or false"),
        ({"LITTLEBEE_MODE": "staging"}, "LITTLEBEE_MODE must be one of embedded, production, not 'staging'."),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not 'loud'."),
        ({"HIVES_MAP_COORDINATES": "bd09"}, "HIVES_MAP_COORDINATES must be one of wgs84, gcj02"),
        ({"HIVES_MAP_CENTER": "30.5"}, "HIVES_MAP_CENTER must be two numbers"),
        ({"HIVES_MAP_CENTER": "north,east"}, "HIVES_MAP_CENTER must be two numbers"),
        ({"HIVES_MAP_CENTER": "130,114"}, "HIVES_MAP_CENTER must be two numbers"),
        ({"HIVES_MAP_TILE_URL": "tiles.example/{z}/{x}/{y}.png"}, "HIVES_MAP_TILE_URL must be a URL starting with"),
        ({"HIVES_MAP_TILE_URL": "https://tiles.example/map.png"}, "HIVES_MAP_TILE_URL must be a tile URL with {z}"),
        ({"HIVES_NAVIGATION_URL": "javascript:alert(1)"}, "HIVES_NAVIGATION_URL must be a URL starting with"),
        ({"REDIS_URL": "http://cache:6379"}, "REDIS_URL must be a URL starting with redis://"),
        ({"REDIS_URL": "redis://:port"}, "REDIS_URL must be a URL"),
        ({"CSRF_TRUSTED_ORIGINS": "bee.example.org"}, "CSRF_TRUSTED_ORIGINS must be a comma-separated list of origins"),
        ({"MEDIA_URL": "media"}, "MEDIA_URL must be a path or http(s) URL ending in a slash"),
        ({"SMS_BACKEND": "littlebee.notifications.sms.NoSuchBackend"}, "SMS_BACKEND must be the dotted path"),
        ({"SMS_BACKEND": "nowhere.Backend"}, "SMS_BACKEND must be the dotted path of an importable class"),
        ({"SMS_BACKEND": "Backend"}, "SMS_BACKEND must be the dotted path"),
        (
            {"AWS_STORAGE_BUCKET_NAME": "photos", "AWS_S3_ENDPOINT_URL": "s3.example"},
            "AWS_S3_ENDPOINT_URL must be a URL starting with https://",
        ),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
    ],
)
def test_a_malformed_setting_stops_start_up_with_one_sentence(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any, environ: dict[str, str], sentence: str
) -> None:
    # when the settings load with the bad value
    said = refused(monkeypatch, tmp_path, capsys, environ)

    # then
    assert said.startswith("Little Bee cannot start: ")
    assert sentence in said


def test_secret_values_are_never_repeated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any) -> None:
    # given a Redis URL with a password in it, and a wrong scheme
    said = refused(monkeypatch, tmp_path, capsys, {"REDIS_URL": "http://:hunter2@cache:6379"})

    # then the sentence says what is wrong without the password
    assert "REDIS_URL" in said and "hunter2" not in said


def test_good_values_are_taken(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # given every kind of value, well formed
    environ = {
        **GOOD_PRODUCTION,
        "LOGIN_MAX_FAILURES": "3",
        "REPORTS_PHASH_MAX_DISTANCE": "-1",
        "HIVES_MAP_CENTER": " 22.54, 114.06 ",
        "LOG_LEVEL": "warning",
        "CSRF_TRUSTED_ORIGINS": "https://bee.example.org, https://www.bee.example.org",
        "DEBUG": "false",
    }

    # when
    loaded = load_settings(monkeypatch, tmp_path, environ)

    # then
    assert loaded["LOGIN_MAX_FAILURES"] == 3
    assert loaded["REPORTS_PHASH_MAX_DISTANCE"] == -1
    assert loaded["HIVES_MAP_CENTER"] == (22.54, 114.06)
    assert loaded["LOG_LEVEL"] == "WARNING"
    assert loaded["CSRF_TRUSTED_ORIGINS"] == ["https://bee.example.org", "https://www.bee.example.org"]
    assert loaded["DEBUG"] is False and loaded["PRODUCTION"] is True


def test_the_reader_raises_improperly_configured_by_default() -> None:
    # given a reader over a fake environment, as a library would use it
    reader = ConfigReader({"LOGIN_MAX_FAILURES": "0"})

    # when / then
    expected = r"^LOGIN_MAX_FAILURES must be a whole number of at least 1, not '0'\.$"
    with pytest.raises(ImproperlyConfigured, match=expected):
        reader.integer("LOGIN_MAX_FAILURES", 5, minimum=1)
    assert reader.integer("UNSET", 5, minimum=1) == 5


def test_postgresql_plans_each_statement_once_per_connection(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # given a PostgreSQL database URL and nothing else said
    environ = {"DATABASE_URL": "postgres://bee@db.example/littlebee"}

    # when the settings load
    options = load_settings(monkeypatch, tmp_path, environ)["DATABASES"]["default"]["OPTIONS"]

    # then parameters are bound on the server and statements prepared from their second use
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 2


def test_prepared_statements_can_be_turned_off_for_a_transaction_pooler(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # given a deployment behind a pooler that drops prepared statements
    environ = {"DATABASE_URL": "postgres://bee@db.example/littlebee", "DATABASE_PREPARED_STATEMENTS": "false"}

    # when the settings load
    database = load_settings(monkeypatch, tmp_path, environ)["DATABASES"]["default"]

    # then statements are bound and planned as Django does by default
    assert "server_side_binding" not in database.get("OPTIONS", {})
    assert "prepare_threshold" not in database.get("OPTIONS", {})


@pytest.mark.parametrize(
    ("override", "sentence"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be set"),
        ({"DATABASE_URL": ""}, "DATABASE_URL must point at the PostgreSQL database"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite:////tmp/x.db"}, "DATABASE_URL must be PostgreSQL in production"),
        ({"REDIS_URL": ""}, "REDIS_URL must be set to Redis"),
        ({"REDIS_URL": "http://cache:6379"}, "REDIS_URL must be a URL starting with redis://"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must list"),
        ({"DEBUG": "perhaps"}, "DEBUG must be true or false"),
        ({"LITTLEBEE_MODE": "staging"}, "LITTLEBEE_MODE must be"),
        ({"DEBUG": "true"}, "DEBUG must be false in production"),
        ({"SMS_BACKEND": ""}, "SMS_BACKEND must name a real SMS provider's backend in production, not Console"),
        ({"SMS_BACKEND": "littlebee.notifications.sms.LocmemSmsBackend"}, "not LocmemSmsBackend"),
        ({"LOGIN_MAX_FAILURES": "0"}, "LOGIN_MAX_FAILURES must be a whole number of at least 1, not '0'."),
        ({"HIVES_MAP_CENTER": "a,b"}, "HIVES_MAP_CENTER must be two numbers"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of"),
    ],
)
def test_production_refuses_missing_or_malformed_settings_in_one_sentence(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any, override: dict[str, str], sentence: str
) -> None:
    # given a production configuration with one thing wrong
    environ = {**GOOD_PRODUCTION, **override}

    # when the settings load (in this process, as the tests above: a Python process of its own
    # for each cost ~0.6 s of CPU; test_settings starts the real commands)
    said = refused(monkeypatch, tmp_path, capsys, environ)

    # then start-up stops with one clear line, not a traceback
    assert sentence in said


def test_a_sqlite_file_named_by_its_url_waits_for_the_write_lock_as_the_embedded_default_does(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # given a SQLite database named by DATABASE_URL (as the tests' demo city is built)
    environ = {"DATABASE_URL": f"sqlite:///{tmp_path / 'city.sqlite3'}"}

    # when the settings load, and when they load without a URL
    named = load_settings(monkeypatch, tmp_path, environ)["DATABASES"]["default"]
    embedded = load_settings(monkeypatch, tmp_path, {})["DATABASES"]["default"]

    # then both take the write lock at BEGIN and wait for it (a job thread reading, then writing,
    # beside another writer failed at once with "database is locked")
    assert named["OPTIONS"] == embedded["OPTIONS"]
    assert named["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert named["OPTIONS"]["timeout"] == 20
