"""Sending fire-and-forget tasks without making a request wait on, or fail because of, the
broker. Tasks ignore their results (no result backend to block on); a broker that is down
costs one short connection attempt, is logged, and the catch-up job does the work later."""

from __future__ import annotations

import logging
from functools import partial

from celery import Task
from django.db import InterfaceError, OperationalError, transaction
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

ENQUEUE_ERRORS = (BrokerError, RedisError, OSError)

# Task options: lost database connections, deadlocks and serialisation failures are retried
# with exponential backoff, a bounded number of times.
DB_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


def enqueue(task: Task, *args, countdown: float | None = None) -> bool:
    """Send ``task`` now; False (and a warning in the log) when the broker refused it."""
    try:
        task.apply_async(args=args, countdown=countdown)
    except ENQUEUE_ERRORS as exc:
        logger.warning("could not enqueue %s (%s); left for the catch-up job", task.name, exc)
        return False
    return True


def enqueue_on_commit(task: Task, *args, countdown: float | None = None) -> None:
    """Send ``task`` once the current transaction commits (never for a rolled-back one)."""
    transaction.on_commit(partial(enqueue, task, *args, countdown=countdown), robust=True)
