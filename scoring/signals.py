"""Cache invalidation for provisional standings: a ledger epoch is bumped whenever records
change, and cached standings carry the epoch they were computed at.

``period_closed`` is sent inside ``period_close``'s transaction when a new snapshot is
stored (arguments: ``snapshot``, ``actor``); receivers write in that same transaction, so a
close that dies half-way leaves neither the snapshot nor what the receivers wrote."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import transaction
from django.dispatch import Signal
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

LEDGER_EPOCH_KEY = "starservice:ledger-epoch"

period_closed = Signal()


def ledger_epoch() -> int:
    return cache.get_or_set(LEDGER_EPOCH_KEY, 1, timeout=None)


def ledger_epoch_bump() -> None:
    try:
        cache.incr(LEDGER_EPOCH_KEY)
    except ValueError:
        cache.set(LEDGER_EPOCH_KEY, 2, timeout=None)


def ledger_changed() -> None:
    """Call inside the writing transaction; once it commits the epoch moves and a debounced
    refresh of the standings is requested."""
    transaction.on_commit(_after_ledger_commit, robust=True)


def _after_ledger_commit() -> None:
    """Never fails the write: with Redis down it logs, and the catch-up job moves the epoch
    and refreshes the standings later."""
    from scoring.tasks import standings_refresh_request

    try:
        ledger_epoch_bump()
    except RedisError as exc:
        logger.warning("ledger epoch not moved (%s); left for the catch-up job", exc)
    standings_refresh_request()
