"""Cache invalidation for provisional standings: a ledger epoch is bumped whenever records
change, and cached standings carry the epoch they were computed at. A write that says
which staff and dates it touched leaves that under the new epoch (``ledger_changes``), so
a cached standing updates only those people instead of recomputing everyone.

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
LEDGER_CHANGE_KEY = "starservice:ledger-change:%s"
LEDGER_CHANGE_SECONDS = 24 * 3600

period_closed = Signal()


def ledger_epoch() -> int:
    return cache.get_or_set(LEDGER_EPOCH_KEY, 1, timeout=None)


def ledger_epoch_bump(change: dict | None = None) -> int:
    """Move the epoch; ``change`` ({"staff": ids, "first": date, "last": date}) is what the
    write touched, kept under the new epoch. Without it every cached standing recomputes."""
    try:
        epoch = cache.incr(LEDGER_EPOCH_KEY)
    except ValueError:
        cache.set(LEDGER_EPOCH_KEY, 2, timeout=None)
        epoch = 2
    if change is not None:
        cache.set(LEDGER_CHANGE_KEY % epoch, change, timeout=LEDGER_CHANGE_SECONDS)
    return epoch


def ledger_changes(after: int, upto: int) -> list[dict | None]:
    """What the writes of epochs after+1 … upto touched; None where it is not known."""
    keys = [LEDGER_CHANGE_KEY % epoch for epoch in range(after + 1, upto + 1)]
    found = cache.get_many(keys)
    return [found.get(key) for key in keys]


def ledger_changed(*, staff_ids=None, dates=None) -> None:
    """Call inside the writing transaction; once it commits the epoch moves and a debounced
    refresh of the standings is requested. ``staff_ids`` and ``dates`` (of the records
    written, before and after a change) let cached standings update just those people."""
    change = None
    if staff_ids is not None and dates:
        change = {"staff": sorted(set(staff_ids)), "first": min(dates), "last": max(dates)}
    transaction.on_commit(lambda: _after_ledger_commit(change), robust=True)


def _after_ledger_commit(change: dict | None = None) -> None:
    """Never fails the write: with Redis down it logs, and the catch-up job moves the epoch
    and refreshes the standings later."""
    from scoring.tasks import standings_refresh_request

    try:
        ledger_epoch_bump(change)
    except RedisError as exc:
        logger.warning("ledger epoch not moved (%s); left for the catch-up job", exc)
    standings_refresh_request()
