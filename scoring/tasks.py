"""Background jobs of scoring. Tasks are thin: they take ids and call services. Every task
may run twice (acks_late with reject_on_worker_lost redelivers one whose worker died), and
closing is idempotent: the Period row lock plus the inputs fingerprint in ``period_close``
mean two workers or a retry never store two snapshots or draft two notices."""

from __future__ import annotations

import logging

from celery import current_app, shared_task
from django.core.cache import cache
from django.utils import timezone

from scoring.closing import period_close_scheduled, periods_due, standings_refresh
from scoring.engine.periods import HALF_YEAR, MONTHLY, QUARTERLY, WEEKLY, YEARLY
from starservice.queue import DB_RETRY, ENQUEUE_ERRORS, enqueue

logger = logging.getLogger(__name__)

ALL_KINDS = (WEEKLY, MONTHLY, QUARTERLY, HALF_YEAR, YEARLY)
NOT_WEEKLY = (MONTHLY, QUARTERLY, HALF_YEAR, YEARLY)

REFRESH_PENDING_KEY = "starservice:standings-refresh-pending"
REFRESH_DELAY_SECONDS = 10


@shared_task(name="scoring.period_close", bind=True, **DB_RETRY)
def period_close_task(self, scheme_id: int, key: str) -> None:
    period_close_scheduled(
        scheme_id=scheme_id, key=key, reason=f"closed by scheduled task {self.request.id}"
    )


def _close_due(*, kinds: tuple[str, ...], through_today: bool) -> int:
    due = periods_due(today=timezone.localdate(), kinds=kinds, through_today=through_today)
    for scheme_id, key in due:
        period_close_task.delay(scheme_id, key)
    if due:
        logger.info("enqueued closing of %s period(s): %s", len(due), due)
    return len(due)


@shared_task(name="scoring.settle_weekly", **DB_RETRY)
def settle_weekly() -> int:
    """Beat, Sunday night: settle every weekly period ending today (and any missed)."""
    return _close_due(kinds=(WEEKLY,), through_today=True)


@shared_task(name="scoring.close_ended", **DB_RETRY)
def close_ended() -> int:
    """Beat, nightly: close monthly, quarterly, half-yearly and yearly periods that ended."""
    return _close_due(kinds=NOT_WEEKLY, through_today=False)


@shared_task(name="scoring.catch_up", **DB_RETRY)
def catch_up() -> int:
    """Beat, daily: close whatever should have been closed and was not (beat or Redis was
    down), and refresh the standings whose refresh could not be enqueued."""
    count = _close_due(kinds=ALL_KINDS, through_today=False)
    standings_refresh(today=timezone.localdate(), invalidate=True)
    return count


@shared_task(name="scoring.standings_refresh", **DB_RETRY)
def standings_refresh_task() -> int:
    cache.delete(REFRESH_PENDING_KEY)  # changes from now on ask for the next refresh
    return standings_refresh(today=timezone.localdate(), invalidate=False)


def standings_refresh_request() -> None:
    """Debounced: the first ledger change in a quiet window enqueues one refresh, run
    REFRESH_DELAY_SECONDS later; the changes that follow inside the window ride on it. Runs
    after commit and never fails the write: with Redis down the catch-up refreshes later.
    Eager (no broker): nothing to warm in the background, standings compute on demand."""
    if current_app.conf.task_always_eager:
        return
    try:
        first = cache.add(REFRESH_PENDING_KEY, 1, timeout=REFRESH_DELAY_SECONDS * 6)
    except ENQUEUE_ERRORS as exc:
        logger.warning("standings refresh not requested (%s); left for the catch-up job", exc)
        return
    if first and not enqueue(standings_refresh_task, countdown=REFRESH_DELAY_SECONDS):
        cache.delete(REFRESH_PENDING_KEY)
