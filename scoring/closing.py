"""Closing periods on schedule and keeping provisional standings warm. The background jobs
in ``scoring.tasks`` call these; each is safe to run twice."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from evaluations.models import Scheme
from scoring.engine.periods import periods_between
from scoring.models import Period
from scoring.services import CloseOutcome, period_close, standing_compute
from scoring.signals import ledger_epoch_bump

logger = logging.getLogger(__name__)

SETTLED = (Period.Status.CLOSED, Period.Status.REOPENED)


def periods_due(*, today: date, kinds: Iterable[str], through_today: bool) -> list[tuple[int, str]]:
    """(scheme id, period key) of every period that has ended and is not closed yet, from
    the period in which the scheme was created on. A period ends with its last day; with
    ``through_today`` a period whose last day is today counts as ended (the Sunday-night
    weekly settlement). Periods HR reopened are left to HR."""
    last_day = today if through_today else today - timedelta(days=1)
    schemes = (
        Scheme.objects.filter(archived=False, current_version__isnull=False, period__in=kinds)
        .annotate(since=Min("versions__created_at"))
        .order_by("code")
    )
    due = []
    for scheme in schemes:
        since = timezone.localdate(scheme.since)
        if since > last_day:
            continue
        settled = set(
            Period.objects.filter(scheme=scheme, status__in=SETTLED).values_list("key", flat=True)
        )
        due += [
            (scheme.pk, period.key)
            for period in periods_between(scheme.period, since, last_day)
            if period.end <= last_day and period.key not in settled
        ]
    return due


@transaction.atomic
def period_close_scheduled(*, scheme_id: int, key: str, reason: str) -> CloseOutcome | None:
    """Close a due period for the scheduler; None when HR has reopened it meanwhile."""
    scheme = Scheme.objects.select_related("current_version").get(pk=scheme_id)
    period = Period.objects.select_for_update().filter(scheme=scheme, key=key).first()
    if period is not None and period.status == Period.Status.REOPENED:
        logger.info("%s was reopened by HR; the scheduled close leaves it open", period)
        return None
    outcome = period_close(scheme=scheme, key=key, reason=reason)
    logger.info("%s", outcome.message)
    return outcome


def standings_refresh(*, today: date, invalidate: bool) -> int:
    """Compute and cache the provisional standing of every active scheme's current period.
    ``invalidate`` first moves the ledger epoch, for changes whose own bump was lost while
    the cache was down. Returns the number of standings computed."""
    if invalidate:
        ledger_epoch_bump()
    schemes = Scheme.objects.filter(archived=False, current_version__isnull=False)
    count = 0
    for scheme in schemes.order_by("code"):
        standing_compute(scheme=scheme, day=today, publish=True)
        count += 1
    return count
