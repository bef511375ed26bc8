"""Real Celery workers against a real Redis, for tests marked ``celery_worker``.

Each test gets its own ``redis-server`` on a free port (never the machine's shared one),
worker subprocesses (``celery -A starservice worker``) pointed at it and at pytest-django's
PostgreSQL test database, and this process's Celery app and cache pointed at it too. Without
PostgreSQL or redis-server the tests skip, except under CI=true where they fail."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import connection

from starservice.celery import app as celery_app

CELERY = Path(sys.executable).with_name("celery")
ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition: Callable[[], object], *, timeout: float, what: str) -> float:
    """Poll until ``condition()`` is truthy; returns the seconds it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture
def real_backends(transactional_db):
    problems = []
    if connection.vendor != "postgresql":
        problems.append("DATABASE_URL is not PostgreSQL")
    if shutil.which("redis-server") is None:
        problems.append("redis-server is not installed")
    if problems:
        message = "; ".join(problems) + ": the real-worker tests cannot run"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A private redis-server that a test may stop and start again on the same port."""

    def __init__(self, directory: Path):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        wait_for(lambda: self._pings(client), timeout=10, what="redis-server to start")

    @staticmethod
    def _pings(client) -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


@pytest.fixture
def redis_server(real_backends, tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(redis_server, settings):
    """This process's Celery app (not eager) and cache, on the private Redis."""
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = redis_server.url
    celery_app.conf.task_always_eager = False
    _drop_pooled_connections()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
        }
    }
    yield redis_server
    celery_app.conf.broker_url = previous
    _drop_pooled_connections()


def _drop_pooled_connections() -> None:
    """Celery keeps a connection pool and a producer pool bound to the broker URL of the
    moment they were made; drop both, as Celery itself does after a fork."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class Worker:
    def __init__(self, name: str, env: dict[str, str], log: Path):
        self.name = name
        self.log = log
        self.process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "starservice",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                f"--hostname={name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: parent and pool child
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def count(self, text: str) -> int:
        return self.output().count(text)

    def wait_ready(self) -> None:
        wait_for(
            lambda: " ready." in self.output() or self.process.poll() is not None,
            timeout=60,
            what=f"worker {self.name} to start",
        )
        assert self.process.poll() is None, self.output()

    def kill(self) -> None:
        """SIGKILL the whole worker, parent and pool processes: nothing gets to clean up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def _database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or "5432"
    return f"postgres://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def probe_dir(tmp_path) -> Path:
    directory = tmp_path / "probe"
    directory.mkdir()
    return directory


@pytest.fixture
def start_worker(broker, probe_dir, tmp_path):
    """start_worker(name, **env) → a Worker on the private Redis and the test DB, ready
    unless ``wait=False``. At the end every worker is killed outright (before the test
    database is flushed): its private Redis goes too, so nothing is left to finish."""
    workers: list[Worker] = []

    def start(name: str, *, wait: bool = True, **extra: str) -> Worker:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.celery.worker_settings",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": broker.url,
            "PROBE_DIR": str(probe_dir),
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
        worker = Worker(name, env, tmp_path / f"{name}.log")
        workers.append(worker)
        if wait:
            worker.wait_ready()
        return worker

    yield start
    for worker in workers:
        worker.kill()
