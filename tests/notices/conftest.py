"""A weekly stars scheme (the shipped template) with staff_a and staff_b taking part, and a
frozen clock in Asia/Shanghai."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from evaluations.ledger import RecordDraft, record_create
from evaluations.models import Record
from tests.frozen import clock
from tests.schemes import import_template

__all__ = ["add", "clock"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def stars(clock, org, staff_a, staff_b):
    """Imported on Monday 2 March 2026 (ISO week 10) at 08:00."""
    return import_template("property-weekly-stars")


def add(person, day: date, kind: str, code: str, value=None, actor=None) -> Record:
    return record_create(
        draft=RecordDraft(
            staff_id=person.pk,
            date=day,
            kind=kind,
            code=code,
            value=None if value is None else Decimal(value),
        ),
        actor=actor,
    )
