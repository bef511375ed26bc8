"""Serialising ledger writes against period closing, so no record falls between a close's
read of the ledger and its commit.

Every ledger write takes ``ledger_write_lock()`` (shared: writers never wait for each other)
before it checks whether the record's period is closed; ``period_close`` takes
``ledger_freeze_lock()`` (exclusive) before it reads the ledger. So a write either commits
before the close reads (and is counted in the snapshot) or checks after the close committed
(and is refused with the closed-period message). On PostgreSQL these are transaction-level
advisory locks; SQLite runs every write transaction one at a time already (IMMEDIATE)."""

from __future__ import annotations

from django.db import connection

# An arbitrary 64-bit key of our own ("STARLEDG").
LEDGER_LOCK_KEY = 0x53544152_4C454447


def ledger_write_lock() -> None:
    """Call inside the writing transaction, before validating against closed periods."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [LEDGER_LOCK_KEY])


def ledger_freeze_lock() -> None:
    """Call inside the closing transaction, before reading the ledger."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LEDGER_LOCK_KEY])
