from __future__ import annotations

from celery import shared_task

from notices.services import notices_finalize_due
from starservice.queue import DB_RETRY


@shared_task(name="notices.finalize_due", **DB_RETRY)
def notices_finalize_due_task() -> int:
    """Beat, nightly: notices whose objection window is over become final; awards issued."""
    return notices_finalize_due()
