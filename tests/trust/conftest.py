"""Fixtures of the fault tests: a private PostgreSQL cluster with a migrated template
database, and manage.py / gunicorn subprocesses pointed at databases in it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.trust.pgcluster import PrivateCluster, unavailable_or_fail

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DB = "starservice_template"


def app_environment(database_url: str, *, redis: bool = False, **extra: str) -> dict[str, str]:
    """The environment of a StarService process using ``database_url``. With ``redis`` the
    process uses REDIS_URL (the real Redis under CI) for its cache and Celery; without it,
    commands run their tasks in-process, as `make run` does."""
    dropped = {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER"}
    if not redis:
        dropped.add("REDIS_URL")
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="starservice.settings",
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return environment


def manage(database_url: str, *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=app_environment(database_url),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


@pytest.fixture(scope="session")
def private_cluster():
    """Initialised, started, with a migrated template database to copy from."""
    cluster = PrivateCluster().init()
    try:
        cluster.start()
        manage(cluster.create_database(TEMPLATE_DB), "migrate", "--noinput", "-v", "0")
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def require_postgres(transactional_db):
    """Tests that need the default database to be PostgreSQL (CI's DATABASE_URL)."""
    if connection.vendor != "postgresql":
        unavailable_or_fail("DATABASE_URL is not PostgreSQL: this fault test needs it")
