"""Settings read the environment and stop start-up with the variable's name on bad values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from starservice.env import env_database

ROOT = Path(__file__).resolve().parent.parent
GOOD_SECRET = "k" * 30 + "-production-secret-of-our-own-1234567890"
OUR_VARIABLES = (
    "DJANGO_DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "TIME_ZONE",
    "DATABASE_URL",
    "REDIS_URL",
    "UPLOAD_MAX_BYTES",
    "CELERY_TASK_TIME_LIMIT",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "MEDIA_ROOT",
    "EMAIL_BACKEND",
    "LOG_LEVEL",
)
SETUP = "import django; django.setup(); from django.conf import settings; "


def start(code: str = "", **env: str) -> subprocess.CompletedProcess:
    """Run ``django.setup()`` in a fresh interpreter with only the given variables set."""
    environment = {k: v for k, v in os.environ.items() if k not in OUR_VARIABLES}
    environment.update(DJANGO_SETTINGS_MODULE="starservice.settings", PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-c", SETUP + code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
        ({"DJANGO_DEBUG": "false"}, "SECRET_KEY"),  # the shipped development key
        ({"DJANGO_DEBUG": "false", "SECRET_KEY": "short-secret"}, "SECRET_KEY"),
        ({"TIME_ZONE": "Mars/Base"}, "TIME_ZONE"),
        ({"DATABASE_URL": "mysql://user:pass@db.example/starservice"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL"),
        ({"ALLOWED_HOSTS": ","}, "ALLOWED_HOSTS"),
        ({"UPLOAD_MAX_BYTES": "ten"}, "UPLOAD_MAX_BYTES"),
        ({"CELERY_TASK_TIME_LIMIT": "3"}, "CELERY_TASK_TIME_LIMIT"),
    ],
    ids=lambda value: (
        "-".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else value
    ),
)
def test_bad_setting_stops_start_up_naming_the_variable(env, name):
    result = start(**env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    last_line = result.stderr.strip().splitlines()[-1]
    assert name in last_line, result.stderr


def test_defaults_start():
    result = start(
        "import json; "
        "print(json.dumps([settings.DEBUG, settings.TIME_ZONE, settings.ALLOWED_HOSTS]))"
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        True,
        "Asia/Shanghai",
        ["127.0.0.1", "localhost", "testserver"],
    ]


def test_production_settings_start_with_a_real_secret():
    result = start(
        "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.ALLOWED_HOSTS)",
        DJANGO_DEBUG="false",
        SECRET_KEY=GOOD_SECRET,
        ALLOWED_HOSTS="stars.example.cn, www.stars.example.cn",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False True ['stars.example.cn', 'www.stars.example.cn']"


def test_default_database_is_sqlite_with_immediate_transactions_and_a_timeout():
    result = start(
        "import json; print(json.dumps(settings.DATABASES['default']['OPTIONS']), "
        "settings.DATABASES['default']['ENGINE'])"
    )

    assert result.returncode == 0, result.stderr
    options, engine = result.stdout.rsplit(" ", 1)
    assert engine.strip() == "django.db.backends.sqlite3"
    options = json.loads(options)
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5


def test_sqlite_url_gets_the_same_options(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/stars.sqlite3")

    config = env_database("DATABASE_URL", "unused.sqlite3")

    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == f"{tmp_path}/stars.sqlite3"
    assert (config["OPTIONS"]["transaction_mode"], config["OPTIONS"]["timeout"]) == (
        "IMMEDIATE",
        20,
    )


def test_postgres_url_is_accepted(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://stars:secret@db.example:5432/starservice")

    config = env_database("DATABASE_URL", "unused.sqlite3")

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["HOST"], config["PORT"]) == ("starservice", "db.example", 5432)


def test_unknown_database_scheme_names_the_variable(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "oracle://db.example/stars")

    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env_database("DATABASE_URL", "unused.sqlite3")
