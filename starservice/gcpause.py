"""Pausing Python's cyclic garbage collector around bulk work.

Closing a period or computing a standing allocates hundreds of thousands of small objects
(records, results, effects, their JSON) that refcounting frees and that hold no reference
cycles. Each allocation burst otherwise sets off collections that walk every live object
of the process, repeatedly: at 20,000 staff that was a fifth of a month's close."""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def gc_paused():
    """Run the block with the cyclic collector off; it is back on (if it was on) after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
