"""Settings of the Celery worker subprocesses started by tests/celery: the app's own (from
DATABASE_URL and REDIS_URL), plus the probe app, and a short visibility timeout with fast
sweeps so the task of a worker killed outright is redelivered within seconds."""

import os

from starservice.settings import *  # noqa: F403
from starservice.settings import CELERY_BROKER_TRANSPORT_OPTIONS, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.celery.probe"]
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": int(os.environ.get("TEST_VISIBILITY_TIMEOUT", "30")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
