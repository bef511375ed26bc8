"""Cache invalidation for provisional standings: a ledger epoch is bumped whenever records
change, and cached standings carry the epoch they were computed at."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

LEDGER_EPOCH_KEY = "starservice:ledger-epoch"


def ledger_epoch() -> int:
    return cache.get_or_set(LEDGER_EPOCH_KEY, 1, timeout=None)


def ledger_changed() -> None:
    """Call inside the writing transaction; the epoch moves once it commits."""

    def bump() -> None:
        try:
            cache.incr(LEDGER_EPOCH_KEY)
        except ValueError:
            cache.set(LEDGER_EPOCH_KEY, 2, timeout=None)

    transaction.on_commit(bump)
